"""Officials are told by e-mail when their country's update is returned, commented on or
published: each in their own language, with the update's address, never another country's
officials nor the person who acted, never the discussion's text; each person chooses which
of these e-mails they get, and the choice is audited (commitments/notifications.py)."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from commitments import notifications, services
from commitments.models import AuditEntry, Membership, ProgressUpdate
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

REASON = "The Ontario totals do not match the annex"
COMMENT = "Could you add the pharmacies' figures?"


@pytest.fixture
def emails(cast):
    for user in (cast.alice, cast.bob, cast.uma, cast.carol, cast.dave, cast.erin):
        user.email = f"{user.username}@example.org"
        user.save()
    # A second official of Canada.
    return make_user(
        "claire", Membership.Role.OFFICIAL, "CA", email="claire@example.org", first_name="Claire"
    )


@pytest.fixture
def submitted(cast, make_update):
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    return services.submit_update(actor=cast.alice, update=update, loaded_version=1)


@pytest.fixture
def steps(django_capture_on_commit_callbacks):
    """Run a step and send what it sends once it is committed."""

    def run(step, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return step(**arguments)

    return run


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_a_return_tells_the_countrys_officials_with_a_link(cast, emails, submitted, steps):
    steps(
        services.return_update,
        actor=cast.carol,
        update=submitted,
        loaded_version=submitted.version,
        reason=REASON,
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "claire@example.org"]
    (message,) = to("alice@example.org")
    assert message.subject == (
        "NADD tracker: your update on objective 1, 2024 Q1, was returned for changes"
    )
    assert "carol returned Canada's update on objective 1" in message.body
    assert f"{settings.SITE_URL}{submitted.get_absolute_url()}" in message.body
    assert f"{settings.SITE_URL}{reverse('notification_settings')}" in message.body
    # What the coordinator wrote stays on the site, behind sign-in.
    assert REASON not in message.body
    # Never another country's officials, a coordinator, an administrator, or an
    # inactive account.
    for address in ("bob", "uma", "carol", "dave", "erin"):
        assert not to(f"{address}@example.org"), address


def test_a_comment_tells_the_others_but_not_its_author(cast, emails, submitted, steps):
    steps(services.add_comment, actor=cast.alice, update=submitted, body=COMMENT)
    assert [m.to for m in mail.outbox] == [["claire@example.org"]]
    assert "Alice commented on Canada's update" in mail.outbox[0].body
    assert COMMENT not in mail.outbox[0].body
    mail.outbox.clear()
    steps(services.add_comment, actor=cast.carol, update=submitted, body=COMMENT)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "claire@example.org"]


def test_publication_tells_the_countrys_officials(cast, emails, submitted, steps):
    steps(
        services.publish_update,
        actor=cast.carol,
        update=submitted,
        loaded_version=submitted.version,
    )
    (message,) = to("alice@example.org")
    assert message.subject == "NADD tracker: your update on objective 1, 2024 Q1, was published"
    assert len(mail.outbox) == 2


def test_a_refused_batch_sends_nothing(cast, emails, make_update, submitted, steps):
    draft = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    with pytest.raises(services.BatchRefused):
        steps(
            services.publish_updates,
            actor=cast.carol,
            items=[(submitted, submitted.version), (draft, draft.version)],
        )
    assert mail.outbox == []


def test_each_person_turns_each_kind_off(cast, emails, submitted, steps):
    services.set_email_choices(actor=cast.alice, email_when_returned=False)
    steps(
        services.return_update,
        actor=cast.carol,
        update=submitted,
        loaded_version=submitted.version,
        reason=REASON,
    )
    assert [m.to for m in mail.outbox] == [["claire@example.org"]]
    mail.outbox.clear()
    # Only that kind: a comment still reaches her.
    steps(services.add_comment, actor=cast.carol, update=submitted, body=COMMENT)
    assert len(to("alice@example.org")) == 1


def test_the_recipients_are_the_policys_even_if_asked_for_another_country(cast, emails, submitted):
    # Whatever the caller, Mexico's official is never among those told about Canada's update.
    for kind in notifications.KINDS:
        assert cast.bob not in notifications.recipients(submitted, kind, cast.carol)
    assert notifications.send(submitted.pk, notifications.RETURNED, cast.carol.pk) == 2
    assert not to("bob@example.org")


@pytest.mark.parametrize(
    "language, subject, body",
    [
        (
            "es",
            "Seguimiento del NADD: su actualización sobre el objetivo 1, 2024 Q1, se devolvió"
            " para cambios",
            "carol devolvió para cambios la actualización de Canadá sobre el objetivo 1",
        ),
        (
            "fr",
            "Suivi du NADD : votre mise à jour sur l'objectif 1, 2024 Q1, a été renvoyée"
            " pour modification",
            "carol a renvoyé pour modification la mise à jour de votre pays (Canada)",
        ),
    ],
)
def test_each_official_is_told_in_their_own_language(
    cast, emails, submitted, steps, language, subject, body
):
    membership = cast.alice.membership
    membership.language = language
    membership.save()
    steps(
        services.return_update,
        actor=cast.carol,
        update=submitted,
        loaded_version=submitted.version,
        reason=REASON,
    )
    (message,) = to("alice@example.org")
    assert message.subject == subject.replace(" :", "\u00a0:")
    assert body in message.body
    assert to("claire@example.org")[0].subject.startswith("NADD tracker:")  # hers: English


# --- the choices page -----------------------------------------------------------------------


def test_the_official_chooses_on_a_page_linked_from_the_account_page(login, cast):
    client = login(cast.alice)
    account = client.get(reverse("password_change")).text
    assert reverse("notification_settings") in account
    page = client.get(reverse("notification_settings")).text
    for name in ("email_when_returned", "email_when_commented", "email_when_published"):
        assert re.search(f'<input type="checkbox" name="{name}"[^>]* checked', page)
        assert f'aria-describedby="id_{name}_helptext"' in page
    response = client.post(
        reverse("notification_settings"),
        {"email_when_returned": "on", "email_when_published": "on"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=cast.alice)
    assert (
        membership.email_when_returned,
        membership.email_when_commented,
        membership.email_when_published,
    ) == (True, False, True)
    entry = AuditEntry.objects.get(action="account.emails_chosen")
    assert (entry.actor, entry.changes) == (cast.alice, {"email_when_commented": [True, False]})
    assert "Your choice of e-mails was saved." in client.get(response.url).text
    # Saving the same choices again records nothing.
    client.post(
        reverse("notification_settings"),
        {"email_when_returned": "on", "email_when_published": "on"},
    )
    assert AuditEntry.objects.filter(action="account.emails_chosen").count() == 1


def test_only_officials_have_the_page(login, cast):
    for user in (cast.carol, cast.dave, cast.nora):
        client = login(user)
        assert client.get(reverse("notification_settings")).status_code == 403
        assert reverse("notification_settings") not in client.get(reverse("password_change")).text
    with pytest.raises(Exception, match="Only a country's officials"):
        services.set_email_choices(actor=cast.carol, email_when_returned=False)


@pytest.mark.parametrize(
    "language, heading",
    [("es", "Correos sobre las actualizaciones de su país"), ("fr", "Courriels")],
)
def test_the_page_in_spanish_and_french(login, cast, language, heading):
    client = login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("notification_settings")).text
    assert f'<html lang="{language}">' in page
    assert heading in page
