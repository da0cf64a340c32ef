"""Fixes to Django's admin as 6.1.3 ships it, for every changelist (the libraries' too):
each answers a forged request with 400 or a form error instead of a 500, and each goes when
Django ships its own."""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext_noop


def _get_filters_refusing_impossible_dates(get_filters):
    """Backport of Django ticket #37357 (fixed after 6.1.3): a date hierarchy year no
    datetime can hold (``?created_at__year=99999999999``, or 9999 whose next year is
    10000) raised OverflowError or ValueError, a 500, in every changelist with a
    ``date_hierarchy``, ours and the libraries' alike. It now sends the admin back to
    the list with Django's "invalid filters" notice, as other wrong filters do."""

    def checked(self, request):
        try:
            return get_filters(self, request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error

    checked.refuses_impossible_dates = True
    return checked


def _response_action_refusing_unreadable_ids(response_action):
    """An action posted with a selected id its model's key cannot hold (a forged
    ``_selected_action=abc``) made the admin's query fail, a 500, in every changelist with
    actions (Django 6.1.3). It is now a 400, before any object is touched."""

    def checked(self, request, queryset, *args, **kwargs):
        key = self.model._meta.pk
        for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
            try:
                key.to_python(value)
            except ValidationError as error:
                raise BadRequest(f"Unreadable selected id: {value[:40]!r}") from error
        return response_action(self, request, queryset, *args, **kwargs)

    checked.refuses_unreadable_ids = True
    return checked


# Fixes to the admin as Django 6.1.3 ships it, for every changelist (the libraries' too);
# each goes when Django ships its own.
if not getattr(ChangeList.get_filters, "refuses_impossible_dates", False):
    ChangeList.get_filters = _get_filters_refusing_impossible_dates(ChangeList.get_filters)
if not getattr(admin.ModelAdmin.response_action, "refuses_unreadable_ids", False):
    admin.ModelAdmin.response_action = _response_action_refusing_unreadable_ids(
        admin.ModelAdmin.response_action
    )


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, drawing back a refused value without looking it up:
    an id that is not a number ("a\\x00b") would otherwise fail the query (a 500) when
    the form is shown again with its errors."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta.get_field(self.field.remote_field.field_name)
        readable = []
        for item in value:
            try:
                target.to_python(item)
            except forms.ValidationError:
                continue
            readable.append(item)
        return super().optgroups(name, readable, attr)


# Words the admin shows that Django 6.1.3's own Spanish catalogue, or the libraries'
# catalogues (django-axes, django-otp-webauthn, django-tasks-db), lack in Spanish or
# French: named here so that makemessages carries them into our catalogues, which come
# first (LOCALE_PATHS). tests/pages/test_untranslated_text.py finds any the admin looks
# up untranslated.
THEIR_WORDS = (
    # Django's admin (new in 6.1)
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop("Pagination %(name)s"),
    gettext_noop("Search %(name)s"),
    gettext_noop("Run"),
    # django-axes
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Time"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Path"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    # django-otp-webauthn
    gettext_noop("OTP WebAuthn"),
    gettext_noop("WebAuthn attestation"),
    gettext_noop("WebAuthn attestations"),
    gettext_noop("WebAuthn credential"),
    gettext_noop("WebAuthn credentials"),
    gettext_noop("WebAuthn user handle"),
    gettext_noop("WebAuthn user handles"),
    # django-tasks-db
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
)
