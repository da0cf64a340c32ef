"""An official starts a report from the previous period's: the new update's form offers
"Start from <period>'s report" when the country has one for the same objective, and fills
in its status, narrative and evidence; nothing is saved until the official saves."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import AuditEntry, Objective, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db


@pytest.fixture
def periods():
    return {p.name[-2:]: p for p in ReportingPeriod.objects.filter(objective_set__year=2024)}


@pytest.fixture
def today_in_q4(monkeypatch):
    """The form opens on the period that contains today: pretend it is 2024 Q4."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2024, 11, 20))


def new_form(client, objective, **query):
    return client.get(reverse("update_create", args=[objective.pk]), query)


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
