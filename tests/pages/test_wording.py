"""The Spanish and French read as the two governments write: French typography, role
names for everyone, status names that say what they mean, counts that read well at zero,
reporting periods named as each language names them (docs/glossary.md)."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from commitments.models import Meeting, ProgressUpdate, ReportingPeriod, period_label
from commitments.timeliness import LABELS as TIMELINESS_LABELS

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "commitments" / "locale"
NO_BREAK = "\u00a0\u202f"


def catalogue(language):
    """Our own catalogue's translations (the compiled .mo), without Django's."""
    return gettext.translation("django", localedir=LOCALE, languages=[language])._catalog


def test_french_puts_a_no_break_space_before_double_punctuation_and_inside_guillemets():
    wrong = []
    for msgid, text in catalogue("fr").items():
        if not msgid or not isinstance(text, str):
            continue
        for match in re.finditer(r"[;:?!«»]", text):
            mark, at = match.group(), match.start()
            before, after = text[at - 1 : at], text[at + 1 : at + 2]
            if mark == ":" and (after == "/" or before.isdigit() and after.isdigit()):
                continue  # https://, 10:30
            if mark == "«" and after not in NO_BREAK or mark != "«" and before not in NO_BREAK:
                wrong.append(text[max(0, at - 25) : at + 10])
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("name", "en", "es", "fr"),
    [
        ("2024 Q4", "2024 Q4", "T4 2024", "T4 2024"),
        ("2025 Q1", "2025 Q1", "T1 2025", "T1 2025"),
        ("2025 H2", "2025 H2", "S2 2025", "S2 2025"),
        ("2025 H3", "2025 H3", "2025 H3", "2025 H3"),  # not a half-year: as given
        ("Special period", "Special period", "Special period", "Special period"),
    ],
)
def test_period_names_follow_the_language(name, en, es, fr):
    for language, expected in [("en", en), ("es", es), ("fr", fr)]:
        with translation.override(language):
            assert period_label(name) == expected


def test_pages_name_the_period_in_the_readers_language(login, cast, make_update):
    update = make_update(author=cast.alice, period=ReportingPeriod.objects.get(name="2024 Q4"))
    cast.alice.membership.language = "es"
    cast.alice.membership.save()
    page = login(cast.alice).get(update.get_absolute_url()).text
    assert "T4 2024" in page and "2024 Q4" not in page


def test_status_names_are_distinct_from_timeliness_in_each_language():
    for language in ("en", "es", "fr"):
        with translation.override(language):
            statuses = [str(label) for label in ProgressUpdate.Status.labels]
            timeliness = [str(label) for label in TIMELINESS_LABELS.values()]
            assert len(set(statuses + timeliness)) == len(statuses + timeliness), language
    with translation.override("es"):
        assert ProgressUpdate.Status.ON_TRACK.label == "Conforme a lo programado"
    with translation.override("fr"):
        assert ProgressUpdate.Status.ON_TRACK.label == "Sur la bonne voie"


@pytest.mark.parametrize(
    ("language", "role"),
    [("es", "Coordinador/a"), ("fr", "Coordonnateur ou coordonnatrice")],
)
def test_a_role_is_named_for_a_woman_as_for_a_man(login, cast, language, role):
    cast.carol.membership.language = language
    cast.carol.membership.save()
    page = login(cast.carol).get(reverse("dashboard")).text
    assert f"· {role}</span>" in page


@pytest.mark.parametrize(
    ("language", "phrases"),
    [
        ("en", ["No status changed since then", "No objective–country pair is new since then"]),
        ("es", ["Ningún estatus cambió desde entonces", "Ningún par objetivo–país es nuevo"]),
        ("fr", ["Aucun état d’avancement n’a changé depuis", "Aucune paire objectif–pays n’est"]),
    ],
)
def test_the_briefs_counts_read_well_at_zero(login, cast, language, phrases):
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    cast.carol.membership.language = language
    cast.carol.membership.save()
    page = login(cast.carol).get(reverse("meeting_brief", args=[eighth.pk])).text
    for phrase in phrases:
        assert phrase in page, phrase
    assert not re.search(r"\b0 (status|estatus|estado|état)", page)


def test_the_objective_timeline_names_periods_in_the_readers_language(login, cast, objective):
    cast.carol.membership.language = "fr"
    cast.carol.membership.save()
    page = login(cast.carol).get(objective.get_absolute_url()).text
    assert "T1 2024" in page and "2024 Q1" not in page


def test_punctuation_the_templates_write_follows_french_typography(login, cast, make_update):
    update = make_update(author=cast.bob)
    cast.carol.membership.language = "fr"
    cast.carol.membership.save()
    client = login(cast.carol)
    page = client.get(update.get_absolute_url()).text
    assert "<h1>Mexique\u00a0: Stratégie globale contre les surdoses, T1 2024</h1>" in page
    assert re.search("<strong>[^<]*examen\u00a0: [^<]+</strong>", page)
    # The error summary: each field's label, then its error.
    cast.bob.membership.language = "fr"
    cast.bob.membership.save()
    errors = login(cast.bob).post(
        reverse("update_create", args=[update.objective_id]), {"narrative": ""}
    )
    assert re.search(r'<a href="#id_\w+">[^<]+\u00a0: [^<]+</a>', errors.text)
