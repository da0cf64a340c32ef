"""The admin reads as the application's: its name, its languages, and an index grouped by
what administrators do rather than by the library each model comes from."""

import html
import re

import pytest
from django.conf import settings
from django.contrib import admin

from commitments.admin_site import SECTIONS

pytestmark = pytest.mark.django_db


def text_of(response):
    return html.unescape(response.content.decode())


def test_the_admin_is_named_after_the_application(client, cast):
    client.force_login(cast.dave)
    page = text_of(client.get("/admin/"))
    assert "Django administration" not in page
    assert "NADD Commitment Tracker: administration" in page
    assert "<title>What administrators keep | NADD Commitment Tracker</title>" in page


def test_the_index_is_grouped_by_what_admins_do(client, cast):
    client.force_login(cast.dave)
    page = text_of(client.get("/admin/"))
    captions = re.findall(r'<caption>\s*<a href="[^"]*" class="section">([^<]+)</a>', page)
    assert captions == [
        "Objectives and sets",
        "Meetings",
        "People and roles",
        "Audit and records",
        "Site settings",
    ]
    for library in ["AXES", "Axes", "OTP_TOTP", "Authentication and Authorization"]:
        assert f'class="section">{library}' not in page
    # Each group lists what it names, in that order.
    people = page[page.index(">People and roles<") : page.index(">Audit and records<")]
    assert people.index("Users") < people.index("Memberships") < people.index("API tokens")


def test_every_registered_model_is_in_a_section():
    """A model registered tomorrow is listed under "Other" until it is placed."""
    placed = {label for _, _, labels in SECTIONS for label in labels}
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered <= placed | {"auth.group"}, registered - placed


def test_a_section_has_a_page_of_its_own(client, cast):
    client.force_login(cast.dave)
    page = text_of(client.get("/admin/sections/meetings/"))
    assert "Meeting snapshots" in page
    assert "Objectives" not in re.sub(r"<nav.*?</nav>", "", page, flags=re.S).split("<main")[-1]
    assert client.get("/admin/sections/nothing-here/").status_code == 404


def test_the_admin_offers_the_sites_languages(client, cast):
    client.force_login(cast.dave)
    page = text_of(client.get("/admin/"))
    assert 'class="language-switcher"' in page
    assert ">español<" in page and ">français<" in page


@pytest.mark.parametrize(
    ("language", "header", "section"),
    [
        ("es", "NADD", "Personas y roles"),
        ("fr", "NADD", "Personnes et rôles"),
    ],
)
def test_the_admin_in_spanish_and_french(client, cast, language, header, section):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(cast.dave)
    page = text_of(client.get("/admin/"))
    assert f'<html lang="{language}"' in page
    assert header in page
    assert section in page
