"""A report a country sends by diplomatic note or e-mail: a coordinator enters it on the
country's behalf, it is published at once, marked with its source wherever it shows, and
audited under its own action, with the figures it gives (its objective's indicator values,
its country's milestones met). Nobody else can enter one or forge the mark."""

import csv
import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import fragments, services
from commitments.models import (
    AuditEntry,
    Country,
    Indicator,
    IndicatorValue,
    Meeting,
    Milestone,
    MilestoneMet,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)
from tests.support.jobs import downloaded

pytestmark = pytest.mark.django_db

NOTE = "Note No. 0117/2025"


@pytest.fixture
def mexico():
    return Country.objects.get(code="MX")


def form_data(objective, period, country_, **changes):
    data = {
        "country": country_.pk,
        "objective": objective.pk,
        "period": period.pk,
        "status": "at_risk",
        "narrative": "Customs training delayed by the budget cycle.",
        "language": "es",
        "evidence_links": "https://www.gob.mx/salud",
        "source_kind": "diplomatic_note",
        "source_reference": NOTE,
        "source_date": "2025-01-17",
        "token": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def test_a_coordinator_enters_a_report_from_a_diplomatic_note_and_it_is_published(
    login, cast, objective, q1, mexico
):
    client = login(cast.carol)
    assert client.get(reverse("update_on_behalf")).status_code == 200
    response = client.post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    update = ProgressUpdate.objects.get()
    assert response.status_code == 302 and response.url == update.get_absolute_url()
    assert (update.country, update.objective, update.period) == (mexico, objective, q1)
    assert (update.state, update.author, update.reviewed_by) == (
        "published",
        cast.carol,
        cast.carol,
    )
    assert update.published_at and update.submitted_at
    assert update.entered_on_behalf
    assert (update.source_kind, update.source_reference) == ("diplomatic_note", NOTE)
    assert update.source_date == datetime.date(2025, 1, 17)
    assert (update.language, update.evidence_links) == ("es", ["https://www.gob.mx/salud"])
    page = client.get(update.get_absolute_url()).text
    assert "Entered by the coordinators from a diplomatic note (Note No. 0117/2025" in page


def test_entering_a_report_is_audited_with_its_own_action_and_source(
    login, cast, objective, q1, mexico
):
    login(cast.carol).post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    update = ProgressUpdate.objects.get()
    entry = AuditEntry.objects.for_object(update).get()
    assert (entry.action, entry.actor) == ("update.entered_on_behalf", cast.carol)
    assert entry.changes["source_reference"] == [None, NOTE]
    assert entry.changes["source_kind"] == [None, "diplomatic_note"]
    assert entry.changes["source_date"] == [None, "2025-01-17"]
    assert entry.changes["state"] == [None, "published"]
    assert entry.changes["narrative"][1] == update.narrative
    history = login(cast.bob).get(reverse("update_history", args=[update.pk])).text
    assert "Entered by a coordinator on the country&#x27;s behalf and published" in history


def test_the_mark_shows_wherever_the_report_does(login, cast, objective, q1, mexico, make_update):
    login(cast.carol).post(
        reverse("update_on_behalf"),
        form_data(objective, q1, mexico, source_kind="email", source_reference="From the SRE"),
    )
    make_update(author=cast.alice, narrative="Canada's own report.")
    mark = "Entered by the coordinators from an e-mail (From the SRE"
    client = login(cast.alice)  # another country's official reads the published record
    for url in [
        reverse("dashboard"),  # its recent activity
        reverse("country_detail", args=["mx"]),
        reverse("objective_detail", args=[objective.pk]),
        reverse("update_list"),
    ]:
        assert client.get(url).text.count(mark) == 1, url
    export = downloaded(client, reverse("update_export_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode()[1:])))
    column = rows[0].index("Entered on the country's behalf")
    by_country = {row[4]: row[column] for row in rows[1:]}
    assert by_country["MX"].startswith(mark)
    assert by_country["CA"] == ""


@pytest.mark.parametrize(
    ("language", "heading", "mark"),
    [
        ("es", "Ingresar un reporte recibido de un país", "Ingresado por la coordinación"),
        ("fr", "Saisir un rapport reçu d", "Saisi par la coordination"),
    ],
)
def test_the_form_and_the_mark_in_spanish_and_french(
    login, cast, objective, q1, mexico, language, heading, mark
):
    client = login(cast.carol)
    headers = {"accept-language": language}
    assert heading in client.get(reverse("update_on_behalf"), headers=headers).text
    client.post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    update = ProgressUpdate.objects.get()
    assert mark in client.get(update.get_absolute_url(), headers=headers).text


@pytest.mark.parametrize("role", ["alice", "bob", "dave", "nora"])
def test_only_coordinators_enter_reports_on_a_countrys_behalf(
    login, cast, objective, q1, mexico, role
):
    client = login(getattr(cast, role))
    assert client.get(reverse("update_on_behalf")).status_code == 403
    response = client.post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()
    assert not AuditEntry.objects.filter(action="update.entered_on_behalf").exists()


def test_the_service_refuses_anyone_but_a_coordinator(cast, objective, q1, mexico):
    with pytest.raises(PermissionDenied):
        services.enter_update_on_behalf(
            actor=cast.bob,
            country=mexico,
            objective=objective,
            period=q1,
            status="on_track",
            narrative="Forged",
            evidence_links=[],
            source_kind="email",
            source_reference="x",
            source_date=datetime.date(2025, 1, 1),
        )
    assert not ProgressUpdate.objects.exists()


def test_an_official_cannot_forge_the_mark_on_their_own_update(login, cast, objective, q1):
    forged = {
        "period": q1.pk,
        "status": "on_track",
        "narrative": "Our own report.",
        "entered_on_behalf": "on",
        "source_kind": "diplomatic_note",
        "source_reference": "Note No. 1",
        "source_date": "2025-01-01",
        "is_demo": "on",
        "state": "published",
    }
    response = login(cast.alice).post(reverse("update_create", args=[objective.pk]), forged)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.state, update.entered_on_behalf, update.is_demo) == ("draft", False, False)
    assert (update.source_kind, update.source_reference, update.source_date) == ("", "", None)
    assert "Entered by the coordinators" not in login(cast.alice).get(response.url).text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"source_reference": ""}, "source_reference", "This field is required."),
        ({"source_kind": "fax"}, "source_kind", "Choose how the report was received."),
        ({"source_date": "2999-01-01"}, "source_date", "cannot be in the future"),
        ({"source_date": "17/01/2025x"}, "source_date", "Enter a valid date."),
        ({"country": "9999"}, "country", "Choose one of the countries listed."),
        ({"narrative": ""}, "narrative", "This field is required."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    login, cast, objective, q1, mexico, changes, field, message
):
    response = login(cast.carol).post(
        reverse("update_on_behalf"), form_data(objective, q1, mexico, **changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in response.text
    assert not ProgressUpdate.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_period_of_another_year_is_refused(login, cast, objective, mexico):
    """A 2025 set adopted while 2024's reports still arrive: a 2024 objective takes no
    2025 period."""
    later = ObjectiveSet.objects.create(year=2025, adopted_at=objective.objective_set.adopted_at)
    period = ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )
    response = login(cast.carol).post(
        reverse("update_on_behalf"), form_data(objective, period, mexico)
    )
    assert response.status_code == 400
    assert "Choose a reporting period of this objective&#x27;s year." in response.text
    assert not ProgressUpdate.objects.exists()


def test_a_retired_objective_takes_no_report(login, cast, objective, q1, mexico):
    Objective.objects.filter(pk=objective.pk).update(is_active=False)
    response = login(cast.carol).post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    assert response.status_code == 400
    assert "Choose one of the objectives listed." in response.text
    assert not ProgressUpdate.objects.exists()


def test_the_same_form_posted_twice_enters_one_report(login, cast, objective, q1, mexico):
    client = login(cast.carol)
    data = form_data(objective, q1, mexico)
    first = client.post(reverse("update_on_behalf"), data)
    second = client.post(reverse("update_on_behalf"), data)
    assert first.url == second.url
    assert ProgressUpdate.objects.count() == 1
    assert AuditEntry.objects.filter(action="update.entered_on_behalf").count() == 1


def test_an_officials_form_token_cannot_be_reused_for_a_report_on_behalf(
    login, cast, objective, q1, mexico
):
    token = str(uuid.uuid4())
    login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "on_track", "narrative": "Ours.", "token": token},
    )
    response = login(cast.carol).post(
        reverse("update_on_behalf"), form_data(objective, q1, mexico, token=token)
    )
    assert response.status_code == 409
    assert ProgressUpdate.objects.get().country.code == "CA"


def test_the_database_refuses_a_mark_without_its_source(cast, objective, q1, mexico):
    values = {
        "objective": objective,
        "country": mexico,
        "period": q1,
        "status": "on_track",
        "narrative": "x",
        "author": cast.carol,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(**values, entered_on_behalf=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.create(**values, source_reference="Note No. 1")
    assert not ProgressUpdate.objects.exists()


def test_a_report_entered_on_behalf_counts_in_the_published_record(
    login, cast, objective, q1, mexico
):
    """It is the country's report: the dashboard's matrix and the country's latest status
    take it like any other published update."""
    login(cast.carol).post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    page = login(cast.bob).get(reverse("country_detail", args=["mx"])).text
    assert "At risk" in page
    assert ProgressUpdate.objects.published().filter(country=mexico).count() == 1


def test_the_feed_says_which_reports_were_entered_on_a_countrys_behalf(
    login, cast, objective, q1, mexico, make_update
):
    login(cast.carol).post(reverse("update_on_behalf"), form_data(objective, q1, mexico))
    make_update(author=cast.alice, is_demo=True)
    items = login(cast.alice).get(reverse("api_updates")).json()["results"]
    by_country = {item["country"]["code"]: item for item in items}
    assert by_country["MX"]["entered_on_behalf"] is True
    assert by_country["MX"]["source_kind"] == "diplomatic_note"
    assert by_country["MX"]["source_reference"] == NOTE
    assert by_country["MX"]["source_date"] == "2025-01-17"
    assert by_country["MX"]["fictional_demo"] is False
    assert by_country["CA"]["entered_on_behalf"] is False
    assert by_country["CA"]["source_kind"] is None
    assert by_country["CA"]["fictional_demo"] is True


def test_a_late_note_for_last_years_period_is_entered_after_the_next_set_is_adopted(
    login, cast, objective, mexico
):
    """Mexico's note on 2024 Q4 arrives once the 2025 set is adopted: both years'
    objectives and periods are offered, and the report lands in 2024."""
    later = ObjectiveSet.objects.create(year=2025, adopted_at=objective.objective_set.adopted_at)
    Objective.objects.create(
        objective_set=later, number=1, title="Synthetic drugs", text="Act on synthetic drugs."
    )
    client = login(cast.carol)
    form = client.get(reverse("update_on_behalf")).context["form"]
    years = {o.objective_set.year for o in form.fields["objective"].queryset}
    assert years == {2024, 2025}
    q4 = ReportingPeriod.objects.get(name="2024 Q4")
    response = client.post(reverse("update_on_behalf"), form_data(objective, q4, mexico))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.period, update.objective.objective_set.year) == (q4, 2024)


def test_the_source_reference_is_shown_as_text(login, cast, objective, q1, mexico):
    payload = '<script>alert("note")</script>'
    client = login(cast.carol)
    client.post(
        reverse("update_on_behalf"), form_data(objective, q1, mexico, source_reference=payload)
    )
    page = client.get(ProgressUpdate.objects.get().get_absolute_url()).text
    assert payload not in page
    assert "&lt;script&gt;alert(&quot;note&quot;)&lt;/script&gt;" in page


def test_the_brief_says_which_report_came_by_note(login, cast, make_update, mexico):
    """Mexico's note reached the coordinators before the 8th NADD: the brief prepared
    for it shows the report with its source."""
    when = datetime.datetime(2024, 10, 2, 12, tzinfo=datetime.UTC)
    make_update(
        author=cast.carol,
        country=mexico,
        narrative="Reported by note.",
        entered_on_behalf=True,
        source_kind="diplomatic_note",
        source_reference=NOTE,
        source_date=datetime.date(2024, 9, 30),
        created_at=when,
        published_at=when,
    )
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    page = login(cast.bob).get(reverse("meeting_brief", args=[eighth.pk])).text
    assert "Reported by note." in page
    assert "Entered by the coordinators from a diplomatic note (Note No. 0117/2025" in page


# --- The figures the country's report gives -------------------------------------------------


@pytest.fixture
def canada():
    return Country.objects.get(code="CA")


def chosen(client, objective, country_, **headers):
    """The report's form once its country and objective are chosen (the first step's GET)."""
    return client.get(
        reverse("update_on_behalf"),
        {"country": country_.pk, "objective": objective.pk},
        headers=headers,
    )


def nothing_saved():
    return not (
        ProgressUpdate.objects.exists()
        or IndicatorValue.objects.exists()
        or MilestoneMet.objects.exists()
        or AuditEntry.objects.exists()
    )


def test_the_country_and_objective_are_chosen_first_then_their_figures_are_offered(
    login, cast, objective, kits, milestone, canada
):
    client = login(cast.carol)
    first = client.get(reverse("update_on_behalf"))
    assert first.status_code == 200
    assert set(first.context["form"].fields) == {"country", "objective"}
    assert 'method="get"' in first.text and "First choose the country" in first.text
    page = chosen(client, objective, canada)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.figure_names == [f"value_{kits.pk}", "milestones_met"]
    assert "Naloxone kits distributed (kits)" in page.text
    assert milestone.title in page.text
    # The country and objective are carried along, shown as text, changed in the first step.
    assert f'type="hidden" name="country" value="{canada.pk}"' in page.text
    assert f'type="hidden" name="objective" value="{objective.pk}"' in page.text
    assert "Choose another country or objective" in page.text
    years = {period.objective_set.year for period in form.fields["period"].queryset}
    assert years == {objective.objective_set.year}
    change = client.get(
        reverse("update_on_behalf"),
        {"change": "", "country": canada.pk, "objective": objective.pk},
    )
    assert change.context["choosing"] and not change.context["form"].is_bound
    assert f'<option value="{canada.pk}" selected>' in change.text
    # Mexico has no milestone on it: its report offers the indicator alone.
    mexican = chosen(client, objective, Country.objects.get(code="MX")).context["form"]
    assert mexican.figure_names == [f"value_{kits.pk}"]


@pytest.mark.parametrize(
    "query", [{"country": "abc", "objective": "1"}, {"country": "1"}, {"objective": "99999"}]
)
def test_a_bad_choice_in_the_first_step_is_refused_with_a_message(login, cast, query):
    response = login(cast.carol).get(reverse("update_on_behalf"), query)
    assert response.status_code == 400
    assert response.context["choosing"]
    assert "Please correct the following" in response.text


def test_a_coordinator_enters_the_countrys_figures_and_they_are_published_and_audited(
    login, cast, objective, kits, milestone, q1, canada
):
    fragments.cache().clear()
    client = login(cast.carol)
    assert "12,500" not in client.get(objective.get_absolute_url()).text  # now cached
    data = form_data(
        objective,
        q1,
        canada,
        **{f"value_{kits.pk}": "12,500", "milestones_met": [str(milestone.pk)]},
    )
    response = client.post(reverse("update_on_behalf"), data)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.entered_on_behalf and update.state == "published"
    assert update.indicator_values.get().value == 12500
    assert list(update.milestones_met.all()) == [milestone]
    # One entry, the on-behalf one, holds the report and its figures.
    entry = AuditEntry.objects.for_object(update).get()
    assert entry.action == "update.entered_on_behalf"
    assert entry.changes[f"indicator:{kits.pk}"] == [None, "12500"]
    assert entry.changes["milestones_met"] == [None, [milestone.title]]
    assert entry.changes["source_reference"] == [None, NOTE]
    # Published with the report: the objective's page (drawn again) and the update's.
    page = login(cast.bob).get(objective.get_absolute_url()).text
    assert "12,500" in page and "1 of 1 milestone met" in page
    client = login(cast.carol)
    assert "12,500" in client.get(update.get_absolute_url()).text
    history = client.get(reverse("update_history", args=[update.pk])).text
    assert "Naloxone kits distributed (kits)" in history and "12,500" in history


@pytest.mark.parametrize(
    ("language", "typed"), [("en", "1,234.5"), ("es", "1.234,5"), ("fr", "1\u202f234,5")]
)
def test_values_are_typed_as_the_coordinators_language_writes_numbers(
    login, cast, objective, kits, q1, canada, language, typed
):
    client = login(cast.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        reverse("update_on_behalf"),
        form_data(objective, q1, canada, **{f"value_{kits.pk}": typed}),
        headers={"accept-language": language},
    )
    assert response.status_code == 302
    assert IndicatorValue.objects.get().value == Decimal("1234.5")


def test_a_report_without_figures_is_entered_without_any(login, cast, objective, kits, q1, canada):
    response = login(cast.carol).post(
        reverse("update_on_behalf"), form_data(objective, q1, canada, **{f"value_{kits.pk}": ""})
    )
    assert response.status_code == 302
    assert not IndicatorValue.objects.exists() and not MilestoneMet.objects.exists()
    entry = AuditEntry.objects.get()
    assert not any(key.startswith("indicator:") for key in entry.changes)


@pytest.fixture
def elsewhere(objective, kits):
    """Another objective's indicator, and Mexico's milestone on the objective."""
    other = Objective.objects.get(objective_set__year=2024, number=2)
    return {
        "objective": other,
        "indicator": Indicator.objects.create(
            objective=other, number=1, name="Seizures", definition="Seized.", unit="kg"
        ),
        "milestone": Milestone.objects.create(
            objective=objective,
            country=Country.objects.get(code="MX"),
            title="Mexico's own",
            due_on=datetime.date(2024, 6, 30),
            owner="SSA",
        ),
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("milestone of another country", "Select a valid choice."),
        ("milestone for a country offered none", "figures of another objective or country"),
        ("indicator of another objective", "figures of another objective or country"),
        ("objective changed after the figures were shown", "figures of another objective"),
        ("objective that does not exist", "Choose one of the objectives listed."),
        ("objective with a NUL byte", "Objective: Null characters are not allowed."),
        ("not a number", "is not a number. Give the number alone, in kits"),
        ("a NUL byte in a value", "“12\\x00” is not a number"),
        ("a NUL byte in a milestone", "Null characters are not allowed."),
    ],
)
def test_figures_the_form_did_not_offer_or_not_numbers_are_refused_and_nothing_is_saved(
    login, cast, objective, kits, milestone, q1, canada, elsewhere, case, message
):
    changes = {f"value_{kits.pk}": "12"}
    if case == "milestone of another country":
        changes["milestones_met"] = [str(elsewhere["milestone"].pk)]
    elif case == "milestone for a country offered none":
        changes |= {"country": Country.objects.get(code="US").pk, "milestones_met": milestone.pk}
    elif case == "indicator of another objective":
        changes[f"value_{elsewhere['indicator'].pk}"] = "5"
    elif case == "objective changed after the figures were shown":
        changes["objective"] = elsewhere["objective"].pk
    elif case == "objective that does not exist":
        changes["objective"] = "99999"
    elif case == "objective with a NUL byte":
        changes["objective"] = f"{objective.pk}\x00"
    elif case == "not a number":
        changes[f"value_{kits.pk}"] = "48,250 kits"
    elif case == "a NUL byte in a value":
        changes[f"value_{kits.pk}"] = "12\x00"
    else:
        changes["milestones_met"] = [f"{milestone.pk}\x00"]
    response = login(cast.carol).post(
        reverse("update_on_behalf"), form_data(objective, q1, canada) | changes
    )
    assert response.status_code == 400
    assert message in response.text
    assert "\x00" not in response.text
    assert nothing_saved()


@pytest.mark.parametrize(
    ("language", "first", "help", "refused"),
    [
        (
            "es",
            "Elija primero el país que envió el reporte",
            "Las cifras que da el reporte del país",
            "cifras de otro objetivo o país",
        ),
        (
            "fr",
            "Choisissez d’abord le pays qui a envoyé le rapport",
            "Les chiffres que donne le rapport du pays",
            "chiffres d’un autre objectif ou pays",
        ),
    ],
)
def test_the_steps_and_the_refusal_in_spanish_and_french(
    login, cast, objective, kits, q1, canada, elsewhere, language, first, help, refused
):
    client = login(cast.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    headers = {"accept-language": language}
    assert first in client.get(reverse("update_on_behalf"), headers=headers).text
    page = chosen(client, objective, canada, **headers).text
    assert help in page
    assert ">T1 2024</option>" in page  # the period as every page names it
    assert getattr(kits, f"name_{language}") in page
    response = client.post(
        reverse("update_on_behalf"),
        form_data(objective, q1, canada, **{f"value_{elsewhere['indicator'].pk}": "5"}),
        headers=headers,
    )
    assert response.status_code == 400
    assert refused in response.text


def test_the_reports_form_costs_the_same_whatever_its_figures(
    login, cast, objective, kits, milestone, canada
):
    client = login(cast.carol)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert chosen(client, objective, canada).status_code == 200
        return len(queries)

    few = cost()
    for number in range(2, 6):
        Indicator.objects.create(
            objective=objective, number=number, name=f"I{number}", definition="x", unit="u"
        )
        Milestone.objects.create(
            objective=objective,
            country=canada,
            title=f"Milestone {number}",
            due_on=datetime.date(2024, 6, 30),
            owner="Agency",
        )
    assert cost() == few
