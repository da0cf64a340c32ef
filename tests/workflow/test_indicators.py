"""Indicators and milestones: a country's baseline, target and note (its officials only),
values entered with an update in the reader's language and carried through review,
publication and history, milestones marked met in an update, and where they all show."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from commitments import fragments, indicators, milestones, services
from commitments.models import (
    AuditEntry,
    Country,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    MilestoneMet,
    ProgressUpdate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_fragments():
    fragments.cache().clear()


@pytest.fixture
def rate(objective):
    return Indicator.objects.create(
        objective=objective,
        number=2,
        name="Overdose deaths per 100,000",
        definition="Deaths per 100,000 residents.",
        unit="deaths per 100,000",
        direction=Indicator.Direction.LOWER,
        additive=False,
    )


def form_data(period, **extra):
    return {
        "period": period.pk,
        "status": "on_track",
        "narrative": "Kits went out to every province.",
        "token": str(uuid.uuid4()),
        **extra,
    }


def post_in(client, language, url, data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)


# --- Models and validation ------------------------------------------------------------


def test_a_baseline_after_its_target_is_refused_with_a_clear_message(cast, kits):
    canada = Country.objects.get(code="CA")
    with pytest.raises(ValidationError) as refused:
        indicators.set_target(
            actor=cast.alice,
            indicator=kits,
            country=canada,
            baseline=Decimal(100),
            baseline_year=2026,
            target=Decimal(200),
            target_date=datetime.date(2025, 12, 31),
        )
    assert "cannot come after the target's date" in str(refused.value)
    assert not IndicatorTarget.objects.exists()
    assert not AuditEntry.objects.filter(action="indicator.target_set").exists()


def test_the_database_refuses_a_baseline_after_its_target_too(cast, kits):
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorTarget.objects.create(
            indicator=kits,
            country=Country.objects.get(code="CA"),
            baseline_year=2026,
            target_date=datetime.date(2025, 1, 1),
            updated_by=cast.alice,
        )


def test_a_baseline_needs_its_year_and_a_target_its_date(cast, kits):
    with pytest.raises(ValidationError) as refused:
        indicators.set_target(
            actor=cast.alice,
            indicator=kits,
            country=Country.objects.get(code="CA"),
            baseline=Decimal(5),
            target=Decimal(9),
        )
    assert set(refused.value.message_dict) == {"baseline_year", "target_date"}


def test_an_official_sets_their_countrys_target_and_it_is_audited(cast, kits):
    target = indicators.set_target(
        actor=cast.alice,
        indicator=kits,
        country=Country.objects.get(code="CA"),
        baseline=Decimal("12060"),
        baseline_year=2023,
        target=Decimal("15000.5"),
        target_date=datetime.date(2024, 12, 31),
        note="Fiscal year, April to March.",
    )
    entry = AuditEntry.objects.get(action="indicator.target_set")
    assert entry.changes["target"] == [None, "15000.5"]
    assert entry.changes["baseline_year"] == [None, 2023]
    assert target.updated_by == cast.alice


# --- Who may write what ---------------------------------------------------------------


def test_another_countrys_official_cannot_set_your_targets_or_milestones(cast, kits, objective):
    canada = Country.objects.get(code="CA")
    with pytest.raises(PermissionDenied):
        indicators.set_target(actor=cast.bob, indicator=kits, country=canada, note="Forged")
    with pytest.raises(PermissionDenied):
        milestones.add(
            actor=cast.bob,
            objective=objective,
            country=canada,
            title="Forged",
            due_on=datetime.date(2024, 1, 1),
            owner="Nobody",
        )
    assert not IndicatorTarget.objects.exists() and not Milestone.objects.exists()


def test_coordinators_and_admins_cannot_change_a_countrys_figures(login, cast, kits, milestone):
    canada = Country.objects.get(code="CA")
    for user in (cast.carol, cast.dave):
        with pytest.raises(PermissionDenied):
            indicators.set_target(actor=user, indicator=kits, country=canada, note="Changed")
        with pytest.raises(PermissionDenied):
            milestones.change(
                actor=user,
                milestone=milestone,
                title="Changed",
                due_on=milestone.due_on,
                owner="x",
            )
        client = login(user)
        plan = reverse("objective_plan", args=[kits.objective_id])
        assert client.get(plan).status_code == 403
        assert client.post(plan, {f"i{kits.pk}-note": "Changed"}).status_code == 403
        edit = reverse("milestone_edit", args=[milestone.pk])
        assert client.post(edit, {"title": "Changed"}).status_code == 403
    assert not IndicatorTarget.objects.exists()
    milestone.refresh_from_db()
    assert milestone.title == "Naloxone in every pharmacy formulary"


def test_another_countrys_official_is_refused_on_your_plan_pages(login, cast, kits, milestone):
    client = login(cast.bob)
    edit = reverse("milestone_edit", args=[milestone.pk])
    assert (
        client.post(edit, {"title": "Mine now", "due_on": "2024-01-01", "owner": "x"}).status_code
        == 403
    )
    milestone.refresh_from_db()
    assert milestone.title == "Naloxone in every pharmacy formulary"


def test_another_countrys_official_cannot_write_your_values(login, cast, kits, make_update, q1):
    draft = make_update(author=cast.alice, state="draft")
    IndicatorValue.objects.create(update=draft, indicator=kits, value=10)
    client = login(cast.bob)
    response = client.post(
        reverse("update_edit", args=[draft.pk]),
        form_data(q1, version=draft.version, **{f"value_{kits.pk}": "999"}),
    )
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.edit_update(
            actor=cast.bob,
            update=draft,
            loaded_version=draft.version,
            figures=None,
            narrative="Forged",
        )
    assert IndicatorValue.objects.get().value == 10


def test_a_coordinator_cannot_post_values_into_an_update(login, cast, kits, make_update, q1):
    submitted = make_update(author=cast.alice, state="submitted")
    response = login(cast.carol).post(
        reverse("update_edit", args=[submitted.pk]),
        form_data(q1, version=submitted.version, **{f"value_{kits.pk}": "5"}),
    )
    assert response.status_code == 403
    assert not IndicatorValue.objects.exists()


def test_a_forged_milestone_of_another_country_is_refused(login, cast, objective, q1, milestone):
    mexican = Milestone.objects.create(
        objective=objective,
        country=Country.objects.get(code="MX"),
        title="Mexico's own",
        due_on=datetime.date(2024, 6, 30),
        owner="SSA",
    )
    client = login(cast.alice)
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        form_data(q1, milestones_met=[str(mexican.pk)]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not ProgressUpdate.objects.exists() and not MilestoneMet.objects.exists()


# --- Numbers in the reader's language ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("en", "1,234", Decimal(1234)),
        ("es", "1.234", Decimal(1234)),
        ("fr", "1 234", Decimal(1234)),
        ("fr", "1\u202f234", Decimal(1234)),
        ("en", "1234.5", Decimal("1234.5")),
        ("es", "1234,5", Decimal("1234.5")),
        ("fr", "1 234,5", Decimal("1234.5")),
    ],
)
def test_values_are_typed_as_the_readers_language_writes_numbers(
    client, cast, kits, objective, q1, language, typed, expected
):
    client.force_login(cast.alice)
    response = post_in(
        client,
        language,
        reverse("update_create", args=[objective.pk]),
        form_data(q1, **{f"value_{kits.pk}": typed}),
    )
    assert response.status_code == 302, response.text[:2000]
    assert IndicatorValue.objects.get().value == expected


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("en", "48,250 kits", "is not a number. Give the number alone, in kits"),
        ("en", "1.2 million", "is not a number"),
        ("es", "muchos", "no es un número"),
        ("fr", "beaucoup", "n’est pas un nombre"),
        # A point groups by three in Spanish: "1.5" is neither fifteen nor one and a half.
        ("es", "1.5", "no es un número tal como se escribe en este idioma"),
        ("en", "1,5", "is not a number as written in this language"),
    ],
)
def test_a_value_that_is_not_a_number_is_refused_and_nothing_is_saved(
    client, cast, kits, objective, q1, language, typed, message
):
    client.force_login(cast.alice)
    response = post_in(
        client,
        language,
        reverse("update_create", args=[objective.pk]),
        form_data(q1, **{f"value_{kits.pk}": typed}),
    )
    assert response.status_code == 200
    assert message in response.text
    assert not ProgressUpdate.objects.exists() and not IndicatorValue.objects.exists()


def test_values_are_shown_in_the_readers_language(client, cast, kits, make_update):
    update = make_update(author=cast.alice)
    IndicatorValue.objects.create(update=update, indicator=kits, value=Decimal("1234.5"))
    client.force_login(cast.carol)
    shown = {}
    for language in ("en", "es", "fr"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        shown[language] = client.get(update.get_absolute_url()).text
    assert "1,234.5" in shown["en"]
    assert "1.234,5" in shown["es"]
    assert "1\u202f234,5" in shown["fr"] or "1\xa0234,5" in shown["fr"]


# --- Review, publication, history ---------------------------------------------------------


def test_values_and_milestones_travel_with_the_update_through_review(
    client, cast, kits, objective, q1, milestone
):
    client.force_login(cast.alice)
    client.post(
        reverse("update_create", args=[objective.pk]),
        form_data(q1, **{f"value_{kits.pk}": "12,500", "milestones_met": [str(milestone.pk)]}),
    )
    update = ProgressUpdate.objects.get()
    created = AuditEntry.objects.get(action="update.created")
    assert created.changes[f"indicator:{kits.pk}"] == [None, "12500"]
    assert created.changes["milestones_met"] == [None, [milestone.title]]

    # A draft's figures are nobody else's business: not on the objective page.
    client.force_login(cast.bob)
    assert "12,500" not in client.get(objective.get_absolute_url()).text
    cell = milestones.by_cell([objective], [milestone.country])[
        (objective.pk, milestone.country_id)
    ]
    assert (cell.met, cell.total) == (0, 1)

    services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    services.return_update(actor=cast.carol, update=update, loaded_version=2, reason="Check Q1.")
    client.force_login(cast.alice)
    response = client.post(
        reverse("update_edit", args=[update.pk]),
        form_data(
            q1, version=3, **{f"value_{kits.pk}": "12,750", "milestones_met": [str(milestone.pk)]}
        ),
    )
    assert response.status_code == 302
    edited = AuditEntry.objects.get(action="update.edited")
    assert edited.changes == {f"indicator:{kits.pk}": ["12500", "12750"]}
    update.refresh_from_db()
    services.submit_update(actor=cast.alice, update=update, loaded_version=update.version)
    update.refresh_from_db()
    services.publish_update(actor=cast.carol, update=update, loaded_version=update.version)

    client.force_login(cast.bob)
    page = client.get(objective.get_absolute_url()).text
    assert "12,750" in page
    assert "1 of 1 milestone met" in page
    history = login_history(client, cast.carol, update)
    assert "Naloxone kits distributed (kits)" in history
    assert "12,500" in history and "12,750" in history
    assert "Milestones met" in history


def login_history(client, user, update):
    client.force_login(user)
    return client.get(reverse("update_history", args=[update.pk])).text


def test_a_value_left_empty_on_edit_is_removed_and_audited(cast, kits, make_update):
    from commitments.figures import Figures

    draft = make_update(author=cast.alice, state="draft")
    IndicatorValue.objects.create(update=draft, indicator=kits, value=7)
    services.edit_update(
        actor=cast.alice,
        update=draft,
        loaded_version=draft.version,
        figures=Figures(values={kits: None}),
    )
    assert not IndicatorValue.objects.exists()
    entry = AuditEntry.objects.get(action="update.edited")
    assert entry.changes == {f"indicator:{kits.pk}": ["7", None]}


# --- Where they show ------------------------------------------------------------------------


def test_the_objective_page_charts_each_indicator_with_a_table_and_totals_where_additive(
    login, cast, kits, rate, make_update, q1
):
    canada, mexico = Country.objects.get(code="CA"), Country.objects.get(code="MX")
    indicators.set_target(
        actor=cast.alice,
        indicator=kits,
        country=canada,
        baseline=Decimal(1000),
        baseline_year=2023,
        target=Decimal(2000),
        target_date=datetime.date(2024, 12, 31),
        note="Fiscal year, April to March.",
    )
    for author, kit_value, rate_value in ((cast.alice, 1200, "20.5"), (cast.bob, 300, "1.4")):
        update = make_update(author=author)
        IndicatorValue.objects.create(update=update, indicator=kits, value=kit_value)
        IndicatorValue.objects.create(update=update, indicator=rate, value=Decimal(rate_value))
    # A correction of the same period, published later, replaces Mexico's value.
    correction = make_update(author=cast.bob)
    IndicatorValue.objects.create(update=correction, indicator=kits, value=350)
    page = login(cast.uma).get(kits.objective.get_absolute_url()).text
    assert "<svg" in page and "indicator-target" in page
    assert "Naloxone kits distributed by country and reporting period (kits)" in page
    assert "1,550" in page  # 1,200 + 350: the total of the additive indicator
    assert "1,500" not in page
    assert "Target 2,000" in page
    assert "National definition of Canada: Fiscal year, April to March." in page
    assert "Values are not added across countries." in page
    series = indicators.of_objective(kits.objective, [canada, mexico])
    assert series[1].totals == []  # the rate is never totalled


def test_overdue_milestones_are_flagged_wherever_the_objective_appears(
    login, cast, objective, milestone, make_update, q1
):
    done = Milestone.objects.create(
        objective=objective,
        country=milestone.country,
        title="Drug checking funded",
        due_on=datetime.date(2024, 3, 31),
        owner="Health Canada",
    )
    update = make_update(author=cast.alice)
    MilestoneMet.objects.create(update=update, milestone=done)
    client = login(cast.carol)
    objective_page = client.get(objective.get_absolute_url()).text
    assert "Canada: 1 of 2 milestones met" in objective_page
    assert "Overdue" in objective_page and "Met (2024 Q1)" in objective_page
    dashboard = client.get(reverse("dashboard") + "?year=2024").text
    assert "1 of 2 milestones met" in dashboard
    assert "1 milestone overdue" in dashboard
    country = client.get(reverse("country_detail", args=["ca"]) + "?year=2024").text
    assert "1 milestone overdue" in country


def test_a_milestone_due_later_is_not_overdue(objective, milestone):
    cells = milestones.by_cell([objective], [milestone.country], today=datetime.date(2024, 1, 1))
    assert cells[(objective.pk, milestone.country_id)].overdue == []
    cells = milestones.by_cell([objective], [milestone.country], today=datetime.date(2024, 7, 1))
    assert cells[(objective.pk, milestone.country_id)].overdue == [milestone]


def test_an_official_keeps_targets_and_milestones_on_the_plan_page(login, cast, kits, objective):
    client = login(cast.alice)
    plan = reverse("objective_plan", args=[objective.pk])
    assert client.get(plan).status_code == 200
    refused = client.post(
        plan,
        {
            f"i{kits.pk}-baseline": "1,000",
            f"i{kits.pk}-baseline_year": "2026",
            f"i{kits.pk}-target": "2,000",
            f"i{kits.pk}-target_date": "2025-12-31",
        },
    )
    assert refused.status_code == 400
    assert "cannot come after the target" in refused.text
    assert not IndicatorTarget.objects.exists()
    saved = client.post(
        plan,
        {
            f"i{kits.pk}-baseline": "1,000",
            f"i{kits.pk}-baseline_year": "2023",
            f"i{kits.pk}-target": "2,000",
            f"i{kits.pk}-target_date": "2025-12-31",
            f"i{kits.pk}-note": "Fiscal year.",
        },
    )
    assert saved.status_code == 302
    target = IndicatorTarget.objects.get()
    assert (target.baseline, target.target, target.country.code) == (1000, 2000, "CA")
    added = client.post(
        reverse("milestone_add", args=[objective.pk]),
        {"title": "Pharmacies stock naloxone", "due_on": "2024-09-30", "owner": "Health Canada"},
    )
    assert added.status_code == 302
    assert Milestone.objects.get().country.code == "CA"
    twice = client.post(
        reverse("milestone_add", args=[objective.pk]),
        {"title": "Pharmacies stock naloxone", "due_on": "2024-09-30", "owner": "Health Canada"},
    )
    assert twice.status_code == 400
    assert "already has a milestone of this title" in twice.text
    assert AuditEntry.objects.filter(action="milestone.added").count() == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "Indicadores"), ("fr", "Indicateurs")],
)
def test_the_figures_render_in_spanish_and_french(
    client, cast, kits, milestone, make_update, language, expected
):
    update = make_update(author=cast.alice)
    IndicatorValue.objects.create(update=update, indicator=kits, value=1234)
    client.force_login(cast.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(kits.objective.get_absolute_url()).text
    assert expected in page
    assert kits.localized("name") in page or getattr(kits, f"name_{language}") in page
    form = client.get(reverse("update_detail", args=[update.pk])).text
    assert getattr(kits, f"name_{language}") in form


def test_published_before_keeps_later_values_out(cast, kits, make_update):
    update = make_update(author=cast.alice)
    IndicatorValue.objects.create(update=update, indicator=kits, value=5)
    canada = Country.objects.get(code="CA")
    now = timezone.now()
    earlier = indicators.of_objective(
        kits.objective, [canada], published_before=now - datetime.timedelta(days=1)
    )
    assert earlier[0].rows[0].values[0] is None
    later = indicators.of_objective(
        kits.objective, [canada], published_before=now + datetime.timedelta(days=1)
    )
    assert later[0].rows[0].values[0] == 5


# --- The brief ------------------------------------------------------------------------------


def brief_data(cast, kits, make_update, when):
    """Canada's value of 12,345 kits, published ``when``; a milestone overdue."""
    update = make_update(author=cast.alice, published_at=when, created_at=when)
    IndicatorValue.objects.create(update=update, indicator=kits, value=12345)
    Milestone.objects.create(
        objective=kits.objective,
        country=Country.objects.get(code="CA"),
        title="Drug checking in ten cities",
        due_on=datetime.date(2024, 9, 30),
        owner="Health Canada",
    )


def test_the_brief_shows_indicators_and_milestones_in_html_and_pdf(login, cast, kits, make_update):
    from commitments import briefs
    from commitments.models import Meeting

    brief_data(cast, kits, make_update, datetime.datetime(2024, 10, 1, 12, tzinfo=datetime.UTC))
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    page = login(cast.bob).get(
        reverse("meeting_brief", args=[eighth.pk]), {"compare": "", "cutoff": "2024-11-12"}
    )
    assert "Naloxone kits distributed by country and reporting period (kits)" in page.text
    assert "12,345" in page.text
    assert "0 of 1 milestone met" in page.text and "Drug checking in ten cities" in page.text
    # The PDF is drawn from the same body (briefs.pdf_html): the same figures.
    brief = briefs.build(eighth, None, datetime.date(2024, 11, 12))
    html = briefs.pdf_html(None, brief)
    assert "12,345" in html and "Drug checking in ten cities" in html


def test_the_brief_keeps_values_published_after_its_cutoff_out(cast, kits, make_update):
    from commitments import briefs
    from commitments.models import Meeting

    brief_data(cast, kits, make_update, datetime.datetime(2024, 12, 1, 12, tzinfo=datetime.UTC))
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    html = briefs.pdf_html(None, briefs.build(eighth, None, datetime.date(2024, 11, 12)))
    assert "12,345" not in html


# --- Query counts ------------------------------------------------------------------------------


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fragments.cache().clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_with_figures_cost_the_same_whatever_their_number(
    login, cast, kits, rate, make_update, objective
):
    from commitments import briefs  # noqa: F401 - the brief's page is counted too
    from commitments.models import Meeting, ReportingPeriod

    client = login(cast.carol)
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    urls = [
        objective.get_absolute_url(),
        reverse("dashboard") + "?year=2024",
        reverse("country_detail", args=["ca"]) + "?year=2024",
        reverse("meeting_brief", args=[eighth.pk]) + "?compare=&cutoff=2024-11-12",
    ]

    made = []

    def grow(count):
        periods = list(ReportingPeriod.objects.filter(objective_set__year=2024))
        for index in range(len(made), count):
            made.append(index)
            update = make_update(
                author=[cast.alice, cast.bob, cast.uma][index % 3],
                period=periods[index % len(periods)],
                published_at=datetime.datetime(2024, 10, 1, tzinfo=datetime.UTC),
            )
            IndicatorValue.objects.create(update=update, indicator=kits, value=index)
            IndicatorValue.objects.create(update=update, indicator=rate, value=index)
            milestone = Milestone.objects.create(
                objective=objective,
                country=update.country,
                title=f"Milestone {index}",
                due_on=datetime.date(2024, 6, 30),
                owner="Agency",
            )
            MilestoneMet.objects.create(update=update, milestone=milestone)

    grow(2)
    few = [count_queries(client, url) for url in urls]
    grow(12)
    Indicator.objects.create(
        objective=objective, number=3, name="People reached", definition="People.", unit="people"
    )
    many = [count_queries(client, url) for url in urls]
    assert few == many


def test_the_cached_figures_are_drawn_again_when_a_target_or_a_publication_changes_them(
    login, cast, kits, make_update, objective, q1
):
    client = login(cast.carol)
    url = objective.get_absolute_url()
    assert "Naloxone kits distributed" in client.get(url).text  # now cached
    indicators.set_target(
        actor=cast.alice,
        indicator=kits,
        country=Country.objects.get(code="CA"),
        target=Decimal(4321),
        target_date=datetime.date(2024, 12, 31),
    )
    assert "4,321" in client.get(url).text
    draft = make_update(author=cast.alice, state="submitted")
    IndicatorValue.objects.create(update=draft, indicator=kits, value=8765)
    assert "8,765" not in client.get(url).text
    services.publish_update(actor=cast.carol, update=draft, loaded_version=draft.version)
    assert "8,765" in client.get(url).text


def test_the_form_offers_no_milestone_box_when_all_are_met(
    login, cast, objective, milestone, make_update
):
    MilestoneMet.objects.create(update=make_update(author=cast.alice), milestone=milestone)
    page = login(cast.alice).get(reverse("update_create", args=[objective.pk])).text
    assert "Milestones met in this period" not in page


def test_a_new_report_posted_when_all_milestones_are_met_offers_none_and_takes_none(
    login, cast, objective, q1, milestone, make_update
):
    """A posted new report does not ask which milestones are open before it is cleaned:
    drawn again (its narrative missing), it still shows no milestone box when all are
    met, and a met milestone ticked by hand is refused, nothing saved."""
    MilestoneMet.objects.create(update=make_update(author=cast.alice), milestone=milestone)
    before = ProgressUpdate.objects.count()
    client = login(cast.alice)
    url = reverse("update_create", args=[objective.pk])
    page = client.post(url, form_data(q1, narrative=""))
    assert page.status_code == 200 and "has-error" in page.text
    assert "Milestones met in this period" not in page.text
    ticked = client.post(url, form_data(q1, milestones_met=[str(milestone.pk)]))
    assert "Select a valid choice" in ticked.text
    assert ProgressUpdate.objects.count() == before
    assert MilestoneMet.objects.count() == 1
    # Without ticking it, the report is saved, with no milestone marked.
    assert client.post(url, form_data(q1)).status_code == 302
    assert not ProgressUpdate.objects.latest("pk").milestones_met.exists()
