"""The admin's own pages, as far as our customisation reaches: every group of fields has a
name, every link beside a related field is named by its text, and the date and time
shortcuts speak the page's language (Django 6.1's Spanish catalogue lacks their names)."""

import re
from pathlib import Path

import django
import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.translation.trans_real import DjangoTranslation
from django.views.i18n import JavaScriptCatalog

pytestmark = pytest.mark.django_db

ADMIN_LOCALE = Path(django.__file__).parent / "contrib" / "admin" / "locale"


def admin_script_messages():
    """Every message of the admin's scripts: Django's French catalogue is complete."""
    catalog = DjangoTranslation("fr", domain="djangojs", localedirs=[str(ADMIN_LOCALE)])._catalog
    messages = {key if isinstance(key, str) else key[0] for key in catalog.keys()}
    return {message for message in messages if message}


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_admins_script_messages_are_all_translated(login, cast, language):
    messages = admin_script_messages()
    assert "Today (%(date)s)" in messages and len(messages) > 40
    paths = JavaScriptCatalog().get_paths(["django.contrib.admin"])
    catalog = DjangoTranslation(language, domain="djangojs", localedirs=paths)._catalog
    translated = {key if isinstance(key, str) else key[0] for key, text in catalog.items() if text}
    assert sorted(messages - translated) == []
    # And the admin's pages get them: its catalogue served in the reader's language.
    cast.dave.membership.language = language
    cast.dave.membership.save()
    served = login(cast.dave).get(reverse("admin:jsi18n")).text
    today = {"es": "Hoy (%(date)s)", "fr": "Aujourd'hui (%(date)s)"}[language]
    assert today in served


def admin_form_pages():
    """The add page of every model the admin registers."""
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        for model in admin.site._registry
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_fieldset_and_related_link_of_the_admins_forms_has_a_name(login, cast, language):
    cast.dave.membership.language = language
    cast.dave.membership.save()
    client = login(cast.dave)
    checked, links = 0, 0
    for url in admin_form_pages():
        response = client.get(url)
        if response.status_code != 200:
            continue  # read-only in the admin: no form
        checked += 1
        page = response.text
        # Named by aria-label(ledby), or by a legend (a field drawn as a group).
        for fieldset, after in re.findall(r"(<fieldset[^>]*>)\s*(<legend)?", page):
            named = after or re.search(r'aria-label(ledby)?="[^"]+"', fieldset)
            assert named and 'aria-label="None"' not in fieldset, (url, fieldset)
        for link in re.findall(r'<a class="related-widget-wrapper-link.*?</a>', page, re.S):
            links += 1
            text = re.search(r'<span class="visually-hidden">([^<]+)</span>', link)
            assert text and text.group(1).strip(), (url, link)
    assert checked >= 8 and links >= 5
