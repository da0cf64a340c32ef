"""The update form guides the official: the narrative starts in the language their country
writes in, the period's hint names what the periods are, each status has its meaning beside
it (the legend's own definitions), and each error says what to do."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from commitments import charts
from commitments.forms import ProgressUpdateForm
from commitments.models import (
    Country,
    Meeting,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db


def create_url(objective):
    return reverse("update_create", args=[objective.pk])


def selected_language(html):
    select = html[html.index('id="id_language"') :]
    select = select[: select.index("</select>")]
    return re.search(r'<option value="(\w+)" selected>', select).group(1)


@pytest.mark.parametrize(
    "who, pages_in, narrative_in",
    [
        ("bob", "en", "es"),  # Mexico writes in Spanish, whatever the pages are shown in
        ("bob", "fr", "es"),
        ("bob", "es", "es"),
        ("alice", "fr", "fr"),  # Canada: the official's own language, English or French
        ("alice", "en", "en"),
        ("alice", "es", "en"),  # ...and English when theirs is neither
        ("uma", "es", "en"),
    ],
)
def test_the_narrative_starts_in_the_language_the_country_writes_in(
    client, cast, objective, who, pages_in, narrative_in
):
    client.force_login(getattr(cast, who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = pages_in
    html = client.get(create_url(objective)).text
    assert f'<html lang="{pages_in}">' in html
    assert selected_language(html) == narrative_in


def test_the_officials_saved_language_counts_as_theirs(client, cast, objective):
    cast.alice.membership.language = "fr"
    cast.alice.membership.save()
    client.force_login(cast.alice)
    assert selected_language(client.get(create_url(objective)).text) == "fr"


def test_a_country_without_languages_keeps_the_officials(cast):
    assert Country(code="NL", name="Netherlands").writing_language("fr") == "fr"
    assert Country.objects.get(code="MX").writing_language("en") == "es"
    assert Country.objects.get(code="CA").languages == ["en", "fr"]


@translation.override("en")
def test_the_period_hint_names_what_the_periods_are(objective):
    assert "The quarter this update reports on." in str(
        ProgressUpdateForm(objective=objective)["period"].help_text
    )
    halves = ObjectiveSet.objects.create(year=2031, adopted_at=Meeting.objects.get(ordinal=8))
    for name, starts, ends in [
        ("2031 H1", datetime.date(2031, 1, 1), datetime.date(2031, 6, 30)),
        ("2031 H2", datetime.date(2031, 7, 1), datetime.date(2031, 12, 31)),
    ]:
        ReportingPeriod.objects.create(
            objective_set=halves, name=name, starts_on=starts, ends_on=ends, deadline=ends
        )
    half_yearly = Objective.objects.create(objective_set=halves, number=1, title="T")
    form = ProgressUpdateForm(objective=half_yearly)
    assert form["period"].help_text == "The half-year this update reports on."
    with translation.override("es"):
        assert str(form.fields["period"].help_text) == "El semestre que abarca esta actualización."
    with translation.override("fr"):
        assert str(form.fields["period"].help_text) == "Le semestre visé par cette mise à jour."
    # Periods of different lengths: the hint says "reporting period".
    ReportingPeriod.objects.create(
        objective_set=halves,
        name="2032 extension",
        starts_on=datetime.date(2032, 1, 1),
        ends_on=datetime.date(2032, 2, 15),
        deadline=datetime.date(2032, 3, 1),
    )
    assert str(ProgressUpdateForm(objective=half_yearly).fields["period"].help_text) == (
        "The reporting period this update reports on."
    )


@pytest.mark.parametrize(
    "starts, ends, kind",
    [
        ((2024, 1, 1), (2024, 1, 31), "month"),
        ((2024, 10, 1), (2024, 12, 31), "quarter"),
        ((2024, 7, 1), (2024, 12, 31), "half_year"),
        ((2024, 1, 1), (2024, 12, 31), "year"),
        ((2024, 4, 1), (2025, 3, 31), "year"),  # a fiscal year
        ((2024, 1, 15), (2024, 4, 14), None),
        ((2024, 1, 1), (2024, 2, 28), None),
    ],
)
def test_a_periods_kind_comes_from_its_dates(starts, ends, kind):
    period = ReportingPeriod(starts_on=datetime.date(*starts), ends_on=datetime.date(*ends))
    assert period.kind == kind


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_each_status_has_the_legends_meaning_beside_it(client, cast, objective, language):
    client.force_login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(create_url(objective)).text.replace("&#x27;", "'")
    # A group with its legend, as every set of radio buttons.
    assert "<legend>" in html[html.index('id="id_status"') - 300 : html.index('id="id_status"')]
    with translation.override(language):
        for index, status in enumerate(ProgressUpdate.Status):
            # Named by its label, described by the legend's own definition beside it.
            assert (
                f'<label for="id_status_{index}"><input aria-describedby="id_status_{index}_hint"'
                f' id="id_status_{index}" name="status" type="radio" value="{status.value}"'
                f" required> {status.label}</label>"
                f'<span class="choice-hint" id="id_status_{index}_hint">'
                f"{charts.DESCRIPTIONS[status]}</span>"
            ) in html, (language, status)


def test_the_status_choices_keep_their_state_when_the_form_comes_back(login, cast, objective, q1):
    response = login(cast.alice).post(
        create_url(objective), {"period": q1.pk, "status": "at_risk", "narrative": ""}
    )
    assert 'value="at_risk" checked required> At risk</label>' in response.text


@pytest.mark.parametrize(
    "language, missing_narrative, missing_status",
    [
        (
            "en",
            "Write the narrative: what was done in this period",
            "Choose the status that best describes the progress in this period.",
        ),
        (
            "es",
            "Escriba la descripción: lo que se hizo en este periodo",
            "Elija el estatus que mejor describa el avance en este periodo.",
        ),
        (
            "fr",
            "Rédigez le compte rendu : ce qui a été fait pendant cette période",
            "Choisissez l’état d’avancement qui décrit le mieux la progression pendant",
        ),
    ],
)
def test_errors_say_what_to_do(
    client, cast, objective, language, missing_narrative, missing_status
):
    client.force_login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.post(create_url(objective), {"period": "", "status": "", "narrative": ""}).text
    assert missing_narrative.replace(" :", "\u00a0:").replace("’", "&#x27;") in html.replace(
        "’", "&#x27;"
    )
    assert missing_status.replace("’", "&#x27;") in html.replace("’", "&#x27;")
    assert "This field is required." not in html
    assert "Este campo es obligatorio." not in html
    assert "Ce champ est obligatoire." not in html
