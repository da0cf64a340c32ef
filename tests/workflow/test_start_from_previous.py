"""An official starts a report from the previous period's: the new update's form offers
"Start from <period>'s report" when the country has one for the same objective, and fills
in its status, narrative and evidence, and its figures (last period's values as this
period's first; milestones met stay met); nothing is saved until the official saves."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from commitments.models import (
    AuditEntry,
    IndicatorValue,
    MilestoneMet,
    Objective,
    ProgressUpdate,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def periods():
    return {p.name[-2:]: p for p in ReportingPeriod.objects.filter(objective_set__year=2024)}


@pytest.fixture
def today_in_q4(monkeypatch):
    """The form opens on the period that contains today: pretend it is 2024 Q4."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2024, 11, 20))


def new_form(client, objective, language=None, **query):
    headers = {"accept-language": language} if language else {}
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("update_create", args=[objective.pk]), query, headers=headers)


def test_the_form_offers_the_previous_periods_report_and_fills_it_in(
    login, cast, objective, make_update, periods, today_in_q4
):
    q3 = make_update(
        author=cast.alice,
        period=periods["Q3"],
        status="at_risk",
        narrative="Kits delayed at customs.",
        language="fr",
        evidence_links=["https://example.org/q3"],
    )
    client = login(cast.alice)
    page = new_form(client, objective)
    assert "Start from 2024 Q3's report" in page.text
    assert f"?start_from={q3.pk}" in page.text
    started = new_form(client, objective, start_from=q3.pk)
    form = started.context["form"]
    assert form.initial["status"] == "at_risk"
    assert form.initial["narrative"] == "Kits delayed at customs."
    assert form.initial["evidence_links"] == ["https://example.org/q3"]
    assert form.initial["language"] == "fr"
    assert form.initial["period"] == periods["Q4"]
    assert "Kits delayed at customs." in started.text
    assert "Started from 2024 Q3's report" in started.text
    # Nothing is saved until the official saves.
    assert ProgressUpdate.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_the_published_report_is_preferred_to_a_newer_draft(
    login, cast, objective, make_update, periods, today_in_q4
):
    published = make_update(author=cast.alice, period=periods["Q3"], narrative="Published.")
    make_update(author=cast.alice, period=periods["Q3"], state="draft", narrative="Draft.")
    page = new_form(login(cast.alice), objective)
    assert f"?start_from={published.pk}" in page.text


def test_the_countrys_own_draft_is_offered_when_nothing_is_published(
    login, cast, objective, make_update, periods, today_in_q4
):
    draft = make_update(author=cast.alice, period=periods["Q3"], state="submitted")
    make_update(author=cast.alice, period=periods["Q3"], state="withdrawn")
    assert f"?start_from={draft.pk}" in new_form(login(cast.alice), objective).text


@pytest.mark.parametrize(
    "case", ["another country", "an earlier period", "withdrawn", "another objective"]
)
def test_nothing_is_offered_without_a_report_of_the_previous_period(
    login, cast, objective, make_update, periods, today_in_q4, case
):
    if case == "another country":
        make_update(author=cast.bob, period=periods["Q3"])
    elif case == "an earlier period":
        make_update(author=cast.alice, period=periods["Q2"])
    elif case == "withdrawn":
        make_update(author=cast.alice, period=periods["Q3"], state="withdrawn")
    else:
        other = Objective.objects.get(objective_set__year=2024, number=2)
        make_update(author=cast.alice, period=periods["Q3"], objective=other)
    page = new_form(login(cast.alice), objective)
    assert page.status_code == 200
    assert "start_from" not in page.text


def test_another_countrys_report_cannot_be_started_from(
    login, cast, objective, make_update, periods, today_in_q4
):
    mexican = make_update(author=cast.bob, period=periods["Q3"], narrative="Informe de México.")
    response = new_form(login(cast.alice), objective, start_from=mexican.pk)
    assert response.status_code == 404
    assert "Informe de México." not in response.text


@pytest.mark.parametrize("given", ["abc", "-1", "99999"])
def test_a_bad_start_from_is_404(login, cast, objective, today_in_q4, given):
    assert new_form(login(cast.alice), objective, start_from=given).status_code == 404


def test_a_report_of_another_objective_cannot_be_started_from(
    login, cast, objective, make_update, periods, today_in_q4
):
    other = Objective.objects.get(objective_set__year=2024, number=2)
    update = make_update(author=cast.alice, period=periods["Q3"], objective=other)
    assert new_form(login(cast.alice), objective, start_from=update.pk).status_code == 404


def test_saving_the_prefilled_form_creates_a_new_update(
    login, cast, objective, make_update, periods, today_in_q4
):
    q3 = make_update(author=cast.alice, period=periods["Q3"], narrative="Same as before.")
    client = login(cast.alice)
    form = new_form(client, objective, start_from=q3.pk).context["form"]
    data = {
        "period": periods["Q4"].pk,
        "status": form.initial["status"],
        "narrative": form.initial["narrative"] + " And more.",
        "language": form.initial["language"],
        "evidence_links": "",
        "token": str(form["token"].initial),
    }
    response = client.post(reverse("update_create", args=[objective.pk]), data)
    assert response.status_code == 302
    new = ProgressUpdate.objects.exclude(pk=q3.pk).get()
    assert (new.period, new.state, new.narrative) == (
        periods["Q4"],
        "draft",
        "Same as before. And more.",
    )
    assert ProgressUpdate.objects.get(pk=q3.pk).narrative == "Same as before."


@pytest.mark.parametrize(
    ("language", "offer"),
    [("es", "Partir del reporte de T3 2024"), ("fr", "Partir du rapport de T3 2024")],
)
def test_the_offer_in_spanish_and_french(
    login, cast, objective, make_update, periods, today_in_q4, language, offer
):
    make_update(author=cast.alice, period=periods["Q3"])
    page = login(cast.alice).get(
        reverse("update_create", args=[objective.pk]), headers={"accept-language": language}
    )
    assert offer in page.text


# --- The figures: last period's values as this period's first, milestones met stay met ---


def test_the_previous_reports_figures_are_filled_in_and_shown_in_the_readers_language(
    login, cast, objective, kits, milestone, make_update, periods, today_in_q4
):
    """Q3 is still awaiting review: its milestone is not met yet, so Q4's form offers it
    ticked; its value is Q4's first, written as the reader's language writes numbers."""
    q3 = make_update(author=cast.alice, period=periods["Q3"], state="submitted")
    IndicatorValue.objects.create(update=q3, indicator=kits, value=Decimal("1234.5"))
    MilestoneMet.objects.create(update=q3, milestone=milestone)
    client = login(cast.alice)
    shown = {}
    for language in ("en", "es", "fr"):
        page = new_form(client, objective, start_from=q3.pk, language=language)
        shown[language] = page.text
    form = page.context["form"]
    assert form.initial[f"value_{kits.pk}"] == Decimal("1234.5")
    assert form.initial["milestones_met"] == [milestone.pk]
    assert 'value="1,234.5"' in shown["en"]
    assert 'value="1.234,5"' in shown["es"]
    assert 'value="1\u202f234,5"' in shown["fr"] or 'value="1\xa0234,5"' in shown["fr"]
    box = re.search(r"<input[^>]*name=\"milestones_met\"[^>]*>", shown["en"]).group()
    assert f'value="{milestone.pk}"' in box and "checked" in box
    assert "its status, narrative, evidence and figures are filled in below" in shown["en"]
    assert "descripción, evidencias y cifras ya están en el formulario" in shown["es"]
    assert "ses pièces justificatives et ses chiffres sont repris" in shown["fr"]
    # Nothing is saved until the official saves.
    assert IndicatorValue.objects.count() == 1 and MilestoneMet.objects.count() == 1


def test_a_milestone_met_in_a_published_report_stays_met_and_is_not_offered_again(
    login, cast, objective, kits, milestone, make_update, periods, today_in_q4
):
    q3 = make_update(author=cast.alice, period=periods["Q3"])  # published
    IndicatorValue.objects.create(update=q3, indicator=kits, value=12)
    MilestoneMet.objects.create(update=q3, milestone=milestone)
    page = new_form(login(cast.alice), objective, start_from=q3.pk)
    assert "milestones_met" not in page.context["form"].fields
    assert milestone.title not in page.text
    assert 'value="12"' in page.text


def test_the_prefilled_figures_are_saved_as_the_new_periods_and_the_old_ones_kept(
    login, cast, objective, kits, milestone, make_update, periods, today_in_q4
):
    q3 = make_update(author=cast.alice, period=periods["Q3"], state="submitted")
    IndicatorValue.objects.create(update=q3, indicator=kits, value=Decimal("1234.5"))
    MilestoneMet.objects.create(update=q3, milestone=milestone)
    client = login(cast.alice)
    page = new_form(client, objective, start_from=q3.pk, language="es")
    form = page.context["form"]
    data = {
        "period": periods["Q4"].pk,
        "status": form.initial["status"],
        "narrative": form.initial["narrative"],
        "language": form.initial["language"],
        "token": str(form["token"].initial),
        # What the page shows, changed by the official where it moved.
        f"value_{kits.pk}": form[f"value_{kits.pk}"].value().replace("4,5", "9,5"),
        "milestones_met": [str(pk) for pk in form["milestones_met"].value()],
    }
    assert data[f"value_{kits.pk}"] == "1.239,5"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.post(reverse("update_create", args=[objective.pk]), data)
    assert response.status_code == 302
    new = ProgressUpdate.objects.exclude(pk=q3.pk).get()
    assert new.indicator_values.get().value == Decimal("1239.5")
    assert list(new.milestones_met.all()) == [milestone]
    assert q3.indicator_values.get().value == Decimal("1234.5")
    created = AuditEntry.objects.get(action="update.created")
    assert created.changes[f"indicator:{kits.pk}"] == [None, "1239.5"]


def test_starting_from_a_report_without_figures_leaves_the_boxes_empty(
    login, cast, objective, kits, make_update, periods, today_in_q4
):
    q3 = make_update(author=cast.alice, period=periods["Q3"])
    page = new_form(login(cast.alice), objective, start_from=q3.pk)
    assert f"value_{kits.pk}" not in page.context["form"].initial
    assert page.context["form"][f"value_{kits.pk}"].value() is None
