"""The yearly cycle on the pages: a cell's status is its latest period's, the year switch,
the set the dashboard opens on, two years side by side, timeliness and overdue marks, and
the draft a "Write update" button leads to. Events in the order they happen across years:
a correction filed after a later report, a new set added while the old one is reviewed."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from commitments import briefs, matrix, policy, services, timeliness
from commitments.models import (
    AuditEntry,
    Country,
    Meeting,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def period(name):
    return ReportingPeriod.objects.get(name=name)


@pytest.fixture
def set_2025(db):
    """The 2025 set adopted at the 8th NADD: two objectives, four quarters."""
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    objective_set = ObjectiveSet.objects.create(year=2025, adopted_at=eighth)
    for number, title in [(1, "Synthetic drugs 2025"), (2, "Demand reduction 2025")]:
        Objective.objects.create(
            objective_set=objective_set,
            number=number,
            title=title,
            text=f"{title}, full text.",
        )
    quarters = [(1, 3, 4), (4, 6, 7), (7, 9, 10), (10, 12, 1)]
    for quarter, (start, end, due) in enumerate(quarters, start=1):
        ReportingPeriod.objects.create(
            objective_set=objective_set,
            name=f"2025 Q{quarter}",
            starts_on=datetime.date(2025, start, 1),
            ends_on=datetime.date(2025, end, 30 if end in (6, 9) else 31),
            deadline=datetime.date(2026 if due == 1 else 2025, due, 15),
        )
    return objective_set


# --- 1. A cell's status is its latest period's ------------------------------------------


@pytest.fixture
def corrected(cast, make_update, objective):
    """Canada: Q2 at risk (published 1 August 2024), then a corrected Q1 on track filed
    and published later (1 September 2024), over an earlier Q1 "off track"."""
    make_update(
        author=cast.alice,
        period=period("2024 Q1"),
        status="off_track",
        created_at=at(2024, 4, 10),
        published_at=at(2024, 4, 12),
    )
    q2 = make_update(
        author=cast.alice,
        period=period("2024 Q2"),
        status="at_risk",
        narrative="Q2: procurement delayed.",
        created_at=at(2024, 7, 10),
        published_at=at(2024, 8, 1),
    )
    correction = make_update(
        author=cast.alice,
        period=period("2024 Q1"),
        status="on_track",
        narrative="Q1 corrected.",
        created_at=at(2024, 8, 20),
        published_at=at(2024, 9, 1),
    )
    return q2, correction


def test_a_later_correction_of_an_earlier_period_does_not_override_the_latest_period(
    login, cast, corrected, objective
):
    q2, _ = corrected
    response = login(cast.carol).get(DASHBOARD)
    cells = dict(response.context["overview"].rows)[objective]
    canada = next(cell for cell in cells if cell.country.code == "CA")
    assert (canada.update.pk, canada.update.status) == (q2.pk, "at_risk")
    assert canada.update.period.name == "2024 Q2"


def test_the_country_page_shows_the_latest_periods_status(login, cast, corrected, objective):
    q2, _ = corrected
    response = login(cast.bob).get(reverse("country_detail", args=["ca"]))
    rows = {o: update for o, update, _overdue in response.context["latest"].rows}
    assert rows[objective].pk == q2.pk
    assert "2024 Q2" in response.text


def test_the_brief_shows_the_latest_periods_status(corrected, objective):
    q2, _ = corrected
    brief = briefs.build(Meeting.objects.get(kind="plenary", ordinal=8))
    cells = {c.country.code: c for o, cs in brief.rows if o == objective for c in cs}
    assert cells["CA"].latest.pk == q2.pk
    assert cells["CA"].latest.status == "at_risk"


def test_a_correction_changes_its_own_periods_row_in_the_history(login, cast, corrected):
    _, correction = corrected
    response = login(cast.carol).get(correction.objective.get_absolute_url())
    chart = response.context["timeline_chart"]()
    canada = next(row for row in chart["rows"] if row["label"] == "Canada")
    tiles = {tile["period"]: tile["key"] for tile in canada["tiles"]}
    assert tiles["2024 Q1"] == "on_track"  # the correction, in its own period
    assert tiles["2024 Q2"] == "at_risk"


@pytest.mark.parametrize("seed", range(3))
def test_the_one_statement_matrix_orders_by_period_like_the_reference(
    cast, make_update, objective, seed
):
    """matrix.published against ProgressUpdateQuerySet.matrix over corrections filed in
    any order: the same update in every cell."""
    import random

    rng = random.Random(seed)
    objectives = list(Objective.objects.filter(objective_set__year=2024).order_by("number")[:3])
    periods = list(ReportingPeriod.objects.filter(objective_set__year=2024))
    for i in range(30):
        make_update(
            author=rng.choice([cast.alice, cast.bob, cast.uma]),
            objective=rng.choice(objectives),
            period=rng.choice(periods),
            status=rng.choice(ProgressUpdate.Status.values),
            created_at=at(2024, 1, 1) + datetime.timedelta(hours=rng.randrange(10_000), seconds=i),
        )
    countries = list(Country.objects.members())
    fast = matrix.published(objectives, countries, None, policy.unpublished_scope(cast.carol))
    reference = ProgressUpdate.objects.published().matrix(
        Objective.objects.filter(pk__in=[o.pk for o in objectives]).order_by("number"), countries
    )
    assert [[(c.pk, u and u.pk) for c, u, _ in row] for _, row in fast] == [
        [(c.pk, u and u.pk) for c, u, _ in row] for _, row in reference
    ]


# --- 2. Years and sets ---------------------------------------------------------------------


def test_adding_a_set_does_not_move_the_dashboard(login, cast, set_2025):
    response = login(cast.carol).get(DASHBOARD)
    assert response.context["overview"].objective_set.year == 2024
    assert "Where the 2024 objectives stand" in response.text
    # The switch offers both years.
    assert '<option value="2025">2025</option>' in response.text
    assert '<option value="2024" selected>2024 · current</option>' in response.text


def test_the_year_asked_for_is_shown(login, cast, set_2025):
    response = login(cast.carol).get(DASHBOARD, {"year": 2025})
    assert response.status_code == 200
    assert response.context["overview"].objective_set.year == 2025
    assert "Synthetic drugs 2025" in response.text
    assert "This is not the year the dashboard opens on." in response.text
    # The cached fragments are kept per year: the default is still 2024.
    assert "Where the 2024 objectives stand" in login(cast.carol).get(DASHBOARD).text


@pytest.mark.parametrize("year", ["1999", "abc", "2024abc", "99999", "٢٠٢٤", "-1"])
@pytest.mark.parametrize(
    "url", [DASHBOARD, reverse("country_detail", args=["ca"]), reverse("objective_list")]
)
def test_an_unknown_year_answers_a_clear_404(login, cast, year, url):
    response = login(cast.carol).get(url, {"year": year})
    assert response.status_code == 404
    assert "No objectives for this year" in response.text
    assert "?year=2024" in response.text


def test_the_country_page_and_the_objective_list_switch_years(login, cast, set_2025):
    client = login(cast.alice)
    country = client.get(reverse("country_detail", args=["mx"]), {"year": 2025})
    assert "Latest published status on the 2025 objectives" in country.text
    assert 'id="year-switch"' in country.text
    listing = client.get(reverse("objective_list"), {"year": 2025})
    assert "Synthetic drugs 2025" in listing.text
    assert "Objectives for 2024" not in listing.text
    every = client.get(reverse("objective_list")).text
    assert "Objectives for 2024" in every and "Objectives for 2025" in every


def test_an_administrator_chooses_the_set_the_dashboard_opens_on(login, cast, set_2025):
    client = login(cast.dave)
    response = client.post(
        reverse("admin:commitments_objectiveset_changelist"),
        {"action": "open_dashboard_on", "_selected_action": [set_2025.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert ObjectiveSet.objects.current() == set_2025
    assert list(ObjectiveSet.objects.filter(opens_dashboard=True)) == [set_2025]
    entry = AuditEntry.objects.get(action="objectiveset.opens_dashboard")
    assert entry.actor == cast.dave
    assert entry.changes == {"opens_dashboard": [[2024], 2025]}
    assert "Where the 2025 objectives stand" in login(cast.bob).get(DASHBOARD).text
    # 2024 stays a click away, and stays open for reporting.
    assert login(cast.bob).get(DASHBOARD, {"year": 2024}).status_code == 200
    assert ObjectiveSet.objects.get(year=2024) in ObjectiveSet.objects.open()


def test_only_coordinators_and_administrators_move_the_dashboard(cast, set_2025):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.open_dashboard_on(actor=cast.alice, objective_set=set_2025)
    assert ObjectiveSet.objects.current().year == 2024
    assert not AuditEntry.objects.filter(action="objectiveset.opens_dashboard").exists()


def test_the_database_refuses_two_sets_opening_the_dashboard(set_2025):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ObjectiveSet.objects.filter(pk=set_2025.pk).update(opens_dashboard=True)


def test_an_official_still_reports_on_the_old_set_once_the_new_one_is_current(
    login, cast, set_2025
):
    services.open_dashboard_on(actor=cast.carol, objective_set=set_2025)
    q4 = period("2024 Q4")
    objective = Objective.objects.get(objective_set__year=2024, number=3)
    client = login(cast.alice)
    form = client.get(reverse("update_create", args=[objective.pk]))
    assert form.status_code == 200
    token = form.context["form"]["token"].value()
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q4.pk, "status": "on_track", "narrative": "Late Q4 work.", "token": token},
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(objective=objective, period=q4)
    services.submit_update(actor=cast.alice, update=update, loaded_version=update.version)
    update.refresh_from_db()
    assert update.state == "submitted" and update.first_submitted_at is not None
    assert update in ProgressUpdate.objects.review_queue()


def test_two_years_side_by_side(login, cast, set_2025, make_update, objective):
    make_update(author=cast.alice, status="at_risk")
    new = Objective.objects.get(objective_set=set_2025, number=1)
    make_update(author=cast.bob, objective=new, period=period("2025 Q1"), status="completed")
    response = login(cast.carol).get(reverse("compare_years"), {"a": 2024, "b": 2025})
    assert response.status_code == 200
    rows = dict(response.context["rows"])
    (old_objective, old_cells), (new_objective, new_cells) = rows[1]
    assert (old_objective, new_objective) == (objective, new)
    assert [c.update and c.update.status for c in old_cells] == ["at_risk", None, None]
    assert [c.update and c.update.status for c in new_cells] == [None, "completed", None]
    # Objectives 3 to 9 have no 2025 counterpart.
    assert rows[9][1] == (None, None)
    assert "Synthetic drugs 2025" in response.text


def test_two_years_are_aligned_by_the_continuity_recorded_between_them(
    login, cast, set_2025, objective
):
    """2025's objective 2 continues 2024's objectives 5 and 6 (a merge): it sits beside
    each of them, not beside 2024's objective 2; 2025's objective 1 continues nothing."""
    from commitments.models import ObjectiveLink

    merged = Objective.objects.get(objective_set=set_2025, number=2)
    for number in (5, 6):
        earlier = Objective.objects.get(objective_set__year=2024, number=number)
        ObjectiveLink.objects.create(objective=merged, earlier=earlier, kind="merges")
    response = login(cast.carol).get(reverse("compare_years"), {"a": 2024, "b": 2025})
    rows = response.context["rows"]
    pairs = [
        (left[0] and left[0].number, right[0] and right[0].number) for _, (left, right) in rows
    ]
    assert (5, 2) in pairs and (6, 2) in pairs
    assert (2, None) in pairs and (None, 1) in pairs  # no number pairing once linked
    assert "5 → 2" in response.text
    # Either way round.
    reverse_rows = login(cast.carol).get(reverse("compare_years"), {"a": 2025, "b": 2024})
    assert (2, 5) in [
        (left[0] and left[0].number, right[0] and right[0].number)
        for _, (left, right) in reverse_rows.context["rows"]
    ]


def test_comparing_with_an_unknown_year_says_so(login, cast):
    response = login(cast.carol).get(reverse("compare_years"), {"a": 2024, "b": "1888"})
    assert response.status_code == 404
    assert "There is no set of objectives for “1888”." in response.text


# --- 5. Timeliness --------------------------------------------------------------------------


def test_marks_follow_the_first_submission_and_the_deadline():
    deadline = datetime.date(2025, 4, 15)
    today = datetime.date(2025, 5, 1)
    assert timeliness.mark(at(2025, 4, 15), deadline, today) == timeliness.ON_TIME
    assert timeliness.mark(at(2025, 4, 16), deadline, today) == timeliness.LATE
    assert timeliness.mark(None, deadline, today) == timeliness.OVERDUE
    assert timeliness.mark(None, deadline, datetime.date(2025, 4, 15)) == timeliness.NOT_DUE


@pytest.fixture
def reports_2025(cast, make_update, set_2025):
    """Canada: objective 1 Q1 on time, objective 2 Q1 written in November 2026 (late);
    Mexico: objective 1 Q1 first submitted on time, returned and submitted again late."""
    first, second = set_2025.objectives.order_by("number")
    q1 = period("2025 Q1")
    make_update(author=cast.alice, objective=first, period=q1, submitted_at=at(2025, 4, 10))
    make_update(
        author=cast.alice,
        objective=second,
        period=q1,
        submitted_at=at(2026, 11, 2),
        created_at=at(2026, 11, 1),
    )
    make_update(
        author=cast.bob,
        objective=first,
        period=q1,
        state="submitted",
        first_submitted_at=at(2025, 4, 14),
        submitted_at=at(2025, 6, 1),
    )
    return first, second


def test_timeliness_of_a_set(cast, reports_2025, set_2025):
    first, second = reports_2025
    countries = list(Country.objects.members())
    canada, mexico = (Country.objects.get(code=code) for code in ("CA", "MX"))
    q1, q2 = period("2025 Q1"), period("2025 Q2")
    of_set = timeliness.of_set(
        set_2025,
        [first, second],
        countries,
        policy.unpublished_scope(cast.carol),
        today=datetime.date(2025, 8, 1),
    )
    assert of_set.of(first, canada, q1) == timeliness.ON_TIME
    assert of_set.of(second, canada, q1) == timeliness.LATE
    assert of_set.of(first, mexico, q1) == timeliness.ON_TIME  # its first submission
    assert of_set.of(second, mexico, q1) == timeliness.OVERDUE
    assert of_set.of(first, canada, q2) == timeliness.OVERDUE
    assert of_set.of(first, canada, period("2025 Q3")) == timeliness.NOT_DUE
    assert [p.name for p in of_set.overdue(first, canada)] == ["2025 Q2"]
    summary = of_set.summary(canada)
    assert (summary.on_time, summary.late, summary.overdue, summary.not_due) == (1, 1, 2, 4)
    assert summary.completion_rate == 50
    # Canada's official does not see Mexico's unpublished report: overdue for her.
    for_alice = timeliness.of_set(
        set_2025,
        [first],
        countries,
        policy.unpublished_scope(cast.alice),
        today=datetime.date(2025, 8, 1),
    )
    assert for_alice.of(first, mexico, q1) == timeliness.OVERDUE


def test_partners_are_never_counted(login, cast, set_2025):
    assert Country.objects.get(code="BE").membership == "partner"
    response = login(cast.carol).get(reverse("timeliness"), {"year": 2025})
    assert response.status_code == 200
    assert "Belgium" not in response.text
    assert all(
        m.country.code != "BE"
        for m in login(cast.carol).get(DASHBOARD, {"year": 2025}).context["overview"].missing
    )


def test_the_timeliness_page_for_coordinators(login, cast, reports_2025):
    response = login(cast.carol).get(reverse("timeliness"), {"year": 2025})
    assert response.status_code == 200
    text = response.text
    assert "Timeliness of the reports on the 2025 objectives" in text
    assert "Late" in text and "On time" in text and "Overdue" in text
    summaries = {s.country.code: s for s in response.context["summaries"]}
    assert (summaries["CA"].on_time, summaries["CA"].late) == (1, 1)


def test_officials_read_timeliness_on_their_pages_not_the_coordinators_page(
    login, cast, reports_2025
):
    client = login(cast.alice)
    assert client.get(reverse("timeliness")).status_code == 403
    assert client.get(reverse("compare_years")).status_code == 403
    page = client.get(reverse("country_detail", args=["ca"]), {"year": 2025})
    assert "Timeliness on the 2025 objectives" in page.text
    assert "Completion rate" in page.text
    assert "Overdue:" in page.text  # objective 1 has nothing for Q2, due 15 July 2025


def test_overdue_marks_on_the_dashboard_and_the_objective_page(login, cast, reports_2025):
    first, _ = reports_2025
    client = login(cast.carol)
    dashboard = client.get(DASHBOARD, {"year": 2025})
    cells = dict(dashboard.context["overview"].rows)[first]
    canada = next(cell for cell in cells if cell.country.code == "CA")
    # Every 2025 deadline has passed by now (the last was 15 January 2026).
    assert timezone.localdate() > datetime.date(2026, 1, 15)
    assert [p.name for p in canada.overdue] == ["2025 Q2", "2025 Q3", "2025 Q4"]
    assert "Overdue: 2025 Q2, 2025 Q3, 2025 Q4" in dashboard.text
    page = client.get(first.get_absolute_url())
    marks = page.context["objective_timeliness"]()
    canada_row = dict((c.code, m) for c, m in marks["rows"])["CA"]
    assert [mark for _, mark in canada_row] == ["on_time", "overdue", "overdue", "overdue"]
    assert '<span class="overdue">Overdue</span>' in page.text


def test_the_missing_list_covers_every_period_and_links_to_an_existing_draft(
    login, cast, make_update, set_2025
):
    first, second = set_2025.objectives.order_by("number")
    draft = make_update(author=cast.alice, objective=first, period=period("2025 Q4"), state="draft")
    response = login(cast.alice).get(DASHBOARD, {"year": 2025})
    missing = response.context["overview"].missing
    assert {m.period.name for m in missing} == {"2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"}
    mine = [
        m
        for m in missing
        if m.objective == first and m.period.name == "2025 Q4" and m.country.code == "CA"
    ]
    assert mine[0].draft.pk == draft.pk
    assert reverse("update_edit", args=[draft.pk]) in response.text
    assert "Edit draft" in response.text
    # Every other Canadian missing cell still offers to write one.
    assert response.text.count("Write update") == 2 * 4 - 1
    # Withdrawing the draft brings the button back (drafts move no stamp: the fragment's
    # key names the country's drafts).
    services.withdraw_update(actor=cast.alice, update=draft, loaded_version=draft.version)
    again = login(cast.alice).get(DASHBOARD, {"year": 2025})
    assert reverse("update_edit", args=[draft.pk]) not in again.text
    assert again.text.count("Write update") == 2 * 4


def test_another_countrys_draft_is_never_linked(login, cast, make_update, set_2025):
    first = set_2025.objectives.get(number=1)
    draft = make_update(author=cast.bob, objective=first, period=period("2025 Q4"), state="draft")
    for user in (cast.alice, cast.carol):
        text = login(user).get(DASHBOARD, {"year": 2025}).text
        assert reverse("update_edit", args=[draft.pk]) not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", ["Entrega oportuna", "Tasa de cumplimiento", "Atrasado"]),
        ("fr", ["Respect des délais", "Taux de remise", "En retard"]),
    ],
)
def test_the_cycle_pages_in_spanish_and_french(client, cast, reports_2025, language, expected):
    client.force_login(cast.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in (
        reverse("timeliness") + "?year=2025",
        DASHBOARD + "?year=2025",
        reverse("compare_years"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    timeliness_page = client.get(reverse("timeliness") + "?year=2025").text
    for text in expected:
        assert text in timeliness_page, text
    compare = client.get(reverse("compare_years")).text
    assert {"es": "Comparar dos años", "fr": "Comparer deux années"}[language] in compare
    unknown = client.get(DASHBOARD + "?year=1999")
    assert unknown.status_code == 404
    assert {"es": "No hay objetivos para este año", "fr": "Aucun objectif pour cette année"}[
        language
    ] in unknown.text


def test_the_updates_list_filters_by_year(login, cast, make_update, set_2025, objective):
    old = make_update(author=cast.alice, narrative="A 2024 report.")
    new = make_update(
        author=cast.alice,
        objective=set_2025.objectives.get(number=1),
        period=period("2025 Q1"),
        narrative="A 2025 report.",
    )
    client = login(cast.bob)
    page = client.get(reverse("update_list"), {"year": "2025"})
    assert page.status_code == 200
    assert [u.pk for u in page.context["page"].object_list] == [new.pk]
    assert '<option value="2025" selected>2025</option>' in page.text
    page = client.get(reverse("update_list"), {"year": "2024"})
    assert [u.pk for u in page.context["page"].object_list] == [old.pk]
    refused = client.get(reverse("update_list"), {"year": "1999"})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.text


def test_write_update_opens_the_form_on_the_period_owed(login, cast, set_2025):
    first = set_2025.objectives.get(number=1)
    q2 = period("2025 Q2")
    client = login(cast.alice)
    dashboard = client.get(DASHBOARD, {"year": 2025}).text
    url = reverse("update_create", args=[first.pk]) + f"?period={q2.pk}"
    assert url in dashboard
    assert client.get(url).context["form"]["period"].value() == q2.pk
    # A period of another set (or no number at all) falls back to the current period.
    current = ReportingPeriod.objects.current_for(set_2025)
    for forged in (period("2024 Q1").pk, "x", "99999999"):
        form = client.get(reverse("update_create", args=[first.pk]), {"period": forged})
        assert form.status_code == 200
        assert form.context["form"]["period"].value() == current.pk


def test_a_partners_page_marks_nothing_overdue(login, cast):
    response = login(cast.carol).get(reverse("country_detail", args=["be"]))
    assert response.status_code == 200
    assert all(not overdue for _, _, overdue in response.context["latest"].rows)
    assert "Overdue:" not in response.text
    assert "Timeliness on the" not in response.text


def test_the_objective_list_offers_every_year_or_one(login, cast, set_2025):
    client = login(cast.bob)
    every = client.get(reverse("objective_list")).text
    assert '<option value="" selected>Every year</option>' in every
    assert every.count(" selected>") == 1
    one = client.get(reverse("objective_list"), {"year": 2024}).text
    assert '<option value="2024" selected>2024 · current</option>' in one
    assert one.count(" selected>") == 1


def test_a_coordinator_opens_every_page_on_the_new_set(login, cast, set_2025):
    client = login(cast.carol)
    page = client.get(DASHBOARD, {"year": 2025}).text
    url = reverse("open_dashboard_on", args=[2025])
    assert f'action="{url}"' in page
    assert "Open every page on 2025 from now on" in page
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Every page now opens on Objectives for 2025" in response.text
    assert response.context["overview"].objective_set == set_2025
    entry = AuditEntry.objects.get(action="objectiveset.opens_dashboard")
    assert (entry.actor, entry.changes) == (cast.carol, {"opens_dashboard": [[2024], 2025]})
    # Where the dashboard already opens, nothing is offered.
    assert url not in client.get(DASHBOARD).text


@pytest.mark.parametrize("who", ["alice", "bob", "nora"])
def test_only_coordinators_and_administrators_may_open_the_dashboard_elsewhere(
    login, cast, set_2025, who
):
    client = login(getattr(cast, who))
    assert client.post(reverse("open_dashboard_on", args=[2025])).status_code == 403
    assert ObjectiveSet.objects.current().year == 2024
    assert (
        reverse("open_dashboard_on", args=[2025]) not in client.get(DASHBOARD, {"year": 2025}).text
    )
    assert not AuditEntry.objects.filter(action="objectiveset.opens_dashboard").exists()


def test_opening_the_dashboard_on_an_unknown_year_is_404(login, cast):
    response = login(cast.carol).post(reverse("open_dashboard_on", args=[1999]))
    assert response.status_code == 404
    assert ObjectiveSet.objects.current().year == 2024
