"""'My country' lists, besides the drafts and returned updates, what the country owes and
nobody has started: reports overdue in any period of the set, then those owed for the
current period, each with its action (matrix.CountryLatest.not_started)."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from commitments.models import Objective, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db

# 2024 Q1 and Q2 are past their deadlines; Q3 is the current period; Q4 is not due yet.
SUMMER = datetime.datetime(2024, 8, 1, 12, tzinfo=datetime.UTC)


def owed_section(html):
    start = html.index('id="owed-heading"')
    return html[start : html.index("</section>", start)]


def owed_items(html):
    """(objective number, period name, action url) of each item of the list."""
    return re.findall(
        r'<li><a href="/objectives/\d+/">(\d+)\. [^<]*</a> · (2024 Q\d).*?'
        r'<a class="button small" href="([^"]+)">',
        owed_section(html),
        flags=re.S,
    )


@pytest.fixture
def periods(db):
    return {p.name: p for p in ReportingPeriod.objects.filter(objective_set__year=2024)}


@pytest.fixture
def objectives(db):
    return {o.number: o for o in Objective.objects.filter(objective_set__year=2024)}


def test_the_official_sees_what_is_owed_and_not_started(
    login, cast, make_update, periods, objectives
):
    make_update(author=cast.alice, objective=objectives[1], period=periods["2024 Q1"])
    make_update(
        author=cast.alice, objective=objectives[2], period=periods["2024 Q2"], state="draft"
    )
    make_update(
        author=cast.alice,
        objective=objectives[3],
        period=periods["2024 Q3"],
        state="returned",
        submitted_at=SUMMER,
    )
    # Mexico's report counts for Mexico only.
    make_update(author=cast.bob, objective=objectives[4], period=periods["2024 Q1"])
    with time_machine.travel(SUMMER, tick=False):
        html = login(cast.alice).get(reverse("country_detail", args=["ca"])).text
    items = owed_items(html)
    count = len(objectives)
    # Every objective for Q1, Q2 (overdue) and Q3 (current), but what was handed in
    # (published, returned) or started (the draft, listed above it); nothing for Q4.
    assert len(items) == 3 * count - 3
    for number, period in [("1", "2024 Q1"), ("2", "2024 Q2"), ("3", "2024 Q3")]:
        assert (number, period) not in [(n, p) for n, p, _ in items]
    assert ("4", "2024 Q1") in [(n, p) for n, p, _ in items]
    assert not [p for _, p, _ in items if p == "2024 Q4"]
    # Overdue first, then the current period, each with its deadline.
    assert [p for _, p, _ in items] == sorted(p for _, p, _ in items)
    section = owed_section(html)
    assert "Overdue since April 15, 2024" in section
    assert "Due Oct. 15, 2024" in section
    # The action writes the report owed, for its period.
    number, period, url = items[0]
    assert url == (
        reverse("update_create", args=[objectives[int(number)].pk])
        + f"?period={periods[period].pk}"
    )
    # Each link says what it writes.
    assert f'Write update<span class="visually-hidden"> on objective {number}, {period}' in section


def test_the_write_action_opens_the_form_on_the_period_owed(login, cast, periods, objectives):
    with time_machine.travel(SUMMER, tick=False):
        client = login(cast.alice)
        _, period, url = owed_items(client.get(reverse("country_detail", args=["ca"])).text)[0]
        form = client.get(url).text
    assert re.search(rf'<option value="{periods[period].pk}" selected>{period}</option>', form)


def test_a_country_that_started_everything_is_told_so(
    login, cast, make_update, periods, objectives
):
    for objective in objectives.values():
        for name in ("2024 Q1", "2024 Q2", "2024 Q3"):
            make_update(author=cast.alice, objective=objective, period=periods[name])
    with time_machine.travel(SUMMER, tick=False):
        html = login(cast.alice).get(reverse("country_detail", args=["ca"])).text
    assert owed_items(html) == []
    assert (
        "Every report due so far, and every one for the current period, has been started." in html
    )


def test_nobody_else_sees_the_list(login, cast):
    with time_machine.travel(SUMMER, tick=False):
        for user in (cast.bob, cast.carol, cast.dave):
            html = login(user).get(reverse("country_detail", args=["ca"])).text
            assert 'id="owed-heading"' not in html, user
        # Mexico's official sees Mexico's own on Mexico's page.
        assert (
            'id="owed-heading"' in login(cast.bob).get(reverse("country_detail", args=["mx"])).text
        )


def test_a_partner_owes_only_the_objectives_naming_it(login, cast, objectives):
    from commitments.models import Country, Membership  # noqa: PLC0415
    from tests.conftest import make_user  # noqa: PLC0415

    netherlands = Country.objects.get(code="NL")
    sanne = make_user("sanne", Membership.Role.OFFICIAL, "NL")
    objectives[5].partners.add(netherlands)
    with time_machine.travel(SUMMER, tick=False):
        html = login(sanne).get(reverse("country_detail", args=["nl"])).text
    assert {number for number, _, _ in owed_items(html)} == {"5"}


@pytest.mark.parametrize(
    "language, heading, action",
    [
        (
            "es",
            "Sin empezar: atrasadas y pendientes del periodo actual (2024)",
            "Redactar actualización",
        ),
        ("fr", "Pas encore commencées", "Rédiger une mise à jour"),
    ],
)
def test_the_list_in_spanish_and_french(login, cast, language, heading, action):
    client = login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with time_machine.travel(SUMMER, tick=False):
        html = client.get(reverse("country_detail", args=["ca"])).text
    assert f'<html lang="{language}">' in html
    assert heading in html
    assert action in owed_section(html)


def test_a_draft_is_listed_once_among_the_drafts(login, cast, make_update, periods, objectives):
    draft = make_update(
        author=cast.alice, objective=objectives[1], period=periods["2024 Q1"], state="draft"
    )
    with time_machine.travel(SUMMER, tick=False):
        html = login(cast.alice).get(reverse("country_detail", args=["ca"])).text
    assert draft.get_absolute_url() in html[: html.index('id="owed-heading"')]
    assert ("1", "2024 Q1") not in [(n, p) for n, p, _ in owed_items(html)]
    assert ProgressUpdate.objects.count() == 1
