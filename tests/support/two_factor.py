"""Signing in with a second factor in tests: devices, codes and verified sessions."""

import datetime
from binascii import unhexlify

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from commitments import mfa
from tests.conftest import PASSWORD

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def code_for(key):
    return str(TOTP(unhexlify(key.encode())).token()).zfill(6)


def give_device(user):
    key = mfa.new_totp_key()
    device = mfa.set_totp_device(user, key, last_t=-1)
    return device, key


def verified_login(client, user):
    """A session that passed both steps (what force_login gives when MFA is off)."""
    device, key = give_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return key


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def verify(client, token, next_url="/"):
    return client.post(reverse("mfa_verify"), {"token": token, "next": next_url})


def keep_alive(client, traveller, minutes):
    for _ in range(minutes // 10):
        traveller.shift(datetime.timedelta(minutes=10))
        assert client.get(reverse("password_change")).status_code == 200
