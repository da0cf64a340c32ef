"""English, Spanish and French: every page, the switcher, reference data, dates, catalogues."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from commitments.models import Country, Meeting, Objective

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "commitments" / "locale"
LANGUAGES = ["en", "es", "fr"]


@pytest.fixture
def pages(cast, make_update, objective):
    update = make_update(author=cast.alice, state="submitted")
    make_update(author=cast.bob, narrative="Se desmantelaron tres laboratorios.", language="es")
    eighth = Meeting.objects.get(ordinal=8)
    return [
        reverse("dashboard"),
        reverse("objective_list"),
        objective.get_absolute_url(),
        reverse("country_list"),
        reverse("country_detail", args=["mx"]),
        reverse("meeting_list"),
        eighth.get_absolute_url(),
        reverse("meeting_brief", args=[eighth.pk]),
        reverse("update_list") + "?country=MX",
        reverse("update_list") + "?status=nonsense",
        update.get_absolute_url(),
        reverse("update_history", args=[update.pk]),
        reverse("review_queue"),
        reverse("update_on_behalf"),
        reverse("update_on_behalf") + f"?country={update.country_id}&objective={objective.pk}",
        reverse("password_change"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_each_language(client, cast, pages, language, objective):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(cast.carol)
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert f'<html lang="{language}">' in response.text, url
        assert response["Content-Language"] == language
    client.force_login(cast.alice)
    for url in [
        reverse("update_create", args=[objective.pk]),
        reverse("country_detail", args=["ca"]),
    ]:
        assert f'<html lang="{language}">' in client.get(url).text
    client.logout()  # which also forgets the cookies
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert f'<html lang="{language}">' in client.get(reverse("login")).text


def test_the_browser_preference_picks_the_language_on_a_first_visit(client):
    response = client.get(reverse("login"), headers={"accept-language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in response.text


def test_the_switcher_remembers_the_choice_in_a_cookie_and_the_profile(client, cast):
    client.force_login(cast.bob)
    page = client.get(reverse("dashboard")).text
    assert 'name="language" value="es" lang="es"' in page
    response = client.post(reverse("set_language"), {"language": "es", "next": "/countries/"})
    assert response.status_code == 302 and response.url == "/countries/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    cast.bob.membership.refresh_from_db()
    assert cast.bob.membership.language == "es"
    # The profile wins over the browser for a signed-in user, on any device.
    other_device = client.__class__()
    other_device.force_login(cast.bob)
    page = other_device.get(reverse("dashboard"), headers={"accept-language": "en"})
    assert '<html lang="es">' in page.text
    assert 'aria-current="true">español' in page.text


def test_the_switcher_works_before_signing_in(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in client.get(reverse("login")).text


def test_an_unknown_language_changes_nothing(client, cast):
    client.force_login(cast.bob)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    cast.bob.membership.refresh_from_db()
    assert cast.bob.membership.language == ""


def test_the_switcher_will_not_redirect_elsewhere(client):
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.url == "/"


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        (
            "en",
            "Comprehensive overdose strategy",
            "Promote a comprehensive strategy to address overdoses",
        ),
        (
            "es",
            "Estrategia integral contra las sobredosis",
            "Promover una estrategia integral para atender las sobredosis",
        ),
        (
            "fr",
            "Stratégie globale contre les surdoses",
            "Promouvoir une stratégie globale de lutte contre les surdoses",
        ),
    ],
)
def test_the_objective_text_follows_the_language(client, cast, objective, language, title, text):
    cast.carol.membership.language = language
    cast.carol.membership.save()
    client.force_login(cast.carol)
    page = client.get(objective.get_absolute_url()).text
    assert title in page and text in page
    if language == "en":
        assert 'class="objective-text official-text"' not in page
    else:
        # A translation is marked unofficial, beside the statement's own words.
        assert (
            'lang="en">Promote a comprehensive strategy to address overdoses</blockquote>' in page
        )


def test_an_official_translation_is_not_marked_unofficial(client, cast, objective):
    objective.translations_official = True
    objective.save()
    cast.carol.membership.language = "es"
    cast.carol.membership.save()
    client.force_login(cast.carol)
    assert "official-text" not in client.get(objective.get_absolute_url()).text


def test_reference_data_has_all_three_languages():
    for objective in Objective.objects.filter(objective_set__year=2024):
        assert objective.title_es and objective.title_fr and objective.text_es and objective.text_fr
        assert not objective.translations_official
    for country in Country.objects.all():
        assert country.name_es and country.name_fr
    for meeting in Meeting.objects.all():
        assert meeting.name_es and meeting.name_fr
    with translation.override("fr"):
        assert str(Country.objects.get(code="US")) == "États-Unis"
    with translation.override("es"):
        assert (
            str(Meeting.objects.get(ordinal=7)) == "7.º Diálogo de América del Norte sobre Drogas"
        )


def test_dates_are_formatted_for_the_language(client, cast):
    for language, deadline in [
        ("en", "Jan. 15, 2025"),
        ("es", "15 de enero de 2025"),
        ("fr", "15 janvier 2025"),
    ]:
        cast.carol.membership.language = language
        cast.carol.membership.save()
        client.force_login(cast.carol)
        assert deadline in client.get(reverse("dashboard")).text, language


def test_a_narrative_keeps_its_language_and_says_which(client, cast, make_update):
    update = make_update(
        author=cast.bob, narrative="Se desmantelaron tres laboratorios.", language="es"
    )
    client.force_login(cast.alice)
    page = client.get(update.get_absolute_url()).text
    assert "Written in Spanish." in page
    assert (
        '<div class="narrative" lang="es"><p>Se desmantelaron tres laboratorios.</p></div>' in page
    )


def test_a_new_update_takes_the_writers_language(client, cast, objective, q1):
    cast.bob.membership.language = "es"
    cast.bob.membership.save()
    client.force_login(cast.bob)
    page = client.get(reverse("update_create", args=[objective.pk]))
    assert page.context["form"]["language"].value() == "es"


def read_catalogue(path):
    """msgattrib's view of a catalogue: untranslated and fuzzy entries (none allowed)."""
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return untranslated, fuzzy


@pytest.mark.parametrize("language", ["es", "fr"])
def test_catalogues_are_complete_and_valid(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    untranslated, fuzzy = read_catalogue(path)
    assert "msgid" not in untranslated, untranslated[:2000]
    assert "msgid" not in fuzzy, fuzzy[:2000]
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True)


def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """Re-extracting the messages finds nothing the catalogues lack."""
    backup = tmp_path / "locale"
    shutil.copytree(LOCALE, backup)
    try:
        subprocess.run(
            [
                str(Path(settings.BASE_DIR) / ".venv" / "bin" / "python"),
                "manage.py",
                "makemessages",
                "-l",
                "es",
                "-l",
                "fr",
                "--no-obsolete",
                "-v0",
                "--ignore=.venv",
                "--ignore=tests",
                "--ignore=staticfiles",
                "--ignore=node_modules",
            ],
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
        )
        for language in ["es", "fr"]:
            untranslated, _ = read_catalogue(LOCALE / language / "LC_MESSAGES" / "django.po")
            assert "msgid" not in untranslated, (
                f"{language}: run makemessages and translate:\n" + untranslated[:2000]
            )
    finally:
        shutil.rmtree(LOCALE)
        shutil.copytree(backup, LOCALE)
