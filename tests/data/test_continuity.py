"""The record across years: an objective continues (replaces, splits from, merges) earlier
ones, never a later one or itself, and its page, the brief and the exports show where its
predecessors stood, year by year, in each country."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments import continuity
from commitments.models import (
    Meeting,
    Objective,
    ObjectiveLink,
    ObjectiveSet,
    ReportingPeriod,
)
from tests.support.jobs import downloaded

pytestmark = pytest.mark.django_db


def when(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def years(db):
    """2023/1 → 2024/1 → 2025/1, which also merges 2024/2; each set with its quarters."""
    seventh = Meeting.objects.get(ordinal=7)
    eighth = Meeting.objects.get(ordinal=8)
    set_2023 = ObjectiveSet.objects.create(year=2023, adopted_at=seventh)
    set_2025 = ObjectiveSet.objects.create(year=2025, adopted_at=eighth)
    for objective_set in (set_2023, set_2025):
        year = objective_set.year
        ReportingPeriod.objects.create(
            objective_set=objective_set,
            name=f"{year} Q1",
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 3, 31),
            deadline=datetime.date(year, 4, 15),
        )

    class Years:
        old = set_2023.objectives.create(number=1, title="Overdose data", text="Share data")
        mid = Objective.objects.get(objective_set__year=2024, number=1)
        mid_two = Objective.objects.get(objective_set__year=2024, number=2)
        new = set_2025.objectives.create(
            number=1,
            title="Overdose prevention",
            title_es="Prevención de sobredosis",
            title_fr="Prévention des surdoses",
            text="Prevent overdoses",
        )

    ObjectiveLink.objects.create(objective=Years.mid, earlier=Years.old)
    ObjectiveLink.objects.create(objective=Years.new, earlier=Years.mid)
    ObjectiveLink.objects.create(objective=Years.new, earlier=Years.mid_two, kind="merges")
    return Years


def test_the_lineage_runs_back_across_three_years(years, django_assert_num_queries):
    with django_assert_num_queries(1):
        earlier = list(continuity.lineage(years.new))
    assert earlier == [years.mid, years.mid_two, years.old]
    assert list(continuity.lineage(years.mid)) == [years.old]
    assert list(continuity.lineage(years.old)) == []


@pytest.mark.parametrize("target", ["same_year", "later_year"])
def test_a_link_points_only_to_an_earlier_set(years, target):
    earlier = {
        "same_year": Objective.objects.get(objective_set__year=2024, number=3),
        "later_year": years.new,
    }[target]
    link = ObjectiveLink(objective=years.mid, earlier=earlier)
    with pytest.raises(ValidationError) as refused:
        link.full_clean()
    assert "earlier" in refused.value.message_dict


def test_no_cycle_can_be_made(years):
    """2023/1 cannot continue 2025/1, which (through 2024/1) continues it."""
    with pytest.raises(ValidationError):
        ObjectiveLink(objective=years.old, earlier=years.new).full_clean()


def test_an_objective_never_continues_itself(years):
    with pytest.raises(IntegrityError), transaction.atomic():
        ObjectiveLink.objects.create(objective=years.mid, earlier=years.mid)


def test_the_admin_refuses_a_link_to_a_later_year(login, cast, years):
    from tests.support.forms import form_data

    client = login(cast.dave)
    url = f"/admin/commitments/objective/{years.old.pk}/change/"
    data = form_data(client.get(url).text, "objective_form")
    data |= {
        "links_to_earlier-TOTAL_FORMS": "1",
        "links_to_earlier-0-kind": "continues",
        "links_to_earlier-0-earlier": str(years.new.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "earlier year" in response.text
    assert not ObjectiveLink.objects.filter(objective=years.old).exists()


def test_the_history_shows_the_status_of_each_years_latest_period(
    cast, years, make_update, django_assert_num_queries
):
    """Canada reports 2024 Q2 at risk, then corrects Q1 as on track: 2024 stands at risk."""
    q1 = ReportingPeriod.objects.get(name="2024 Q1")
    q2 = ReportingPeriod.objects.get(name="2024 Q2")
    make_update(objective=years.mid, period=q2, status="at_risk", published_at=when(2024, 7, 10))
    make_update(objective=years.mid, period=q1, status="on_track", published_at=when(2024, 8, 1))
    make_update(
        author=cast.bob,
        objective=years.old,
        period=ReportingPeriod.objects.get(name="2023 Q1"),
        status="completed",
    )
    with django_assert_num_queries(4):
        rows = continuity.history_by_year(years.new)
    assert [(row.year, row.objective) for row in rows] == [
        (2024, years.mid),
        (2024, years.mid_two),
        (2023, years.old),
    ]
    statuses = {
        (row.objective.pk, country.code): update.status if update else None
        for row in rows
        for country, update in row.cells
    }
    assert statuses[(years.mid.pk, "CA")] == "at_risk"
    assert statuses[(years.mid.pk, "MX")] is None
    assert statuses[(years.old.pk, "MX")] == "completed"


def test_drafts_never_reach_the_history(cast, years, make_update):
    make_update(objective=years.mid, state="draft", status="off_track")
    rows = continuity.history_by_year(years.new)
    assert all(update is None for row in rows for _, update in row.cells)


@pytest.mark.parametrize(
    ("language", "heading", "kind"),
    [
        ("en", "Earlier years", "Merges"),
        ("es", "Años anteriores", "Fusiona"),
        ("fr", "Années précédentes", "Fusionne"),
    ],
)
def test_the_objective_page_shows_its_earlier_years(
    login, cast, years, make_update, language, heading, kind
):
    update = make_update(objective=years.mid, status="at_risk")
    client = login(cast.bob)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(years.new.get_absolute_url()).text
    assert heading in page
    assert kind in page
    assert years.old.get_absolute_url() in page  # two links back
    history = page[page.index('id="history-heading"') :].split("</table>")[0]
    assert "status-at_risk" in history
    assert str(update.get_status_display()) in history
    # An objective that continues nothing has no such section.
    assert heading not in client.get(years.old.get_absolute_url()).text


def test_the_exports_name_the_earlier_objectives(login, cast, years, make_update):
    period = ReportingPeriod.objects.get(name="2025 Q1")
    make_update(objective=years.new, period=period)
    make_update(objective=years.old, period=ReportingPeriod.objects.get(name="2023 Q1"))
    client = login(cast.carol)
    response = downloaded(client, "/updates/export.csv")
    body = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    column = rows[0].index("Continues")
    continues = {(row[1], row[2]): row[column] for row in rows[1:]}
    assert continues[("2025", "1")] == "2024/1, 2024/2"
    assert continues[("2023", "1")] == ""
    response = downloaded(client, "/updates/export.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_the_brief_shows_the_earlier_years_as_published_by_its_cut_off(
    login, cast, years, make_update
):
    """A brief prepared a year after its meeting, with the cut-off the coordinator chose
    (the eve of the meeting), shows 2024 as published by then."""
    ninth = Meeting.objects.create(
        kind="plenary",
        ordinal=9,
        name="9th North American Drug Dialogue",
        start_date=datetime.date(2025, 11, 12),
        end_date=datetime.date(2025, 11, 13),
    )
    ObjectiveSet.objects.filter(year=2025).update(reviewed_at=ninth)
    q4 = ReportingPeriod.objects.get(name="2024 Q4")
    make_update(objective=years.mid, period=q4, status="completed", published_at=when(2025, 1, 20))
    # Published after the meeting: not what the brief shows.
    make_update(
        author=cast.bob,
        objective=years.mid,
        period=q4,
        status="off_track",
        published_at=timezone.now(),
    )
    client = login(cast.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    # The cut-off is the coordinator's choice (here the meeting's eve), not derived from
    # the meeting's date; the earlier years follow it like the rest of the brief.
    page = client.get(f"/meetings/{ninth.pk}/brief/", {"cutoff": "2025-11-11"}).text
    assert "Años anteriores" in page
    section = page[page.index("brief-earlier") :]
    assert "status-completed" in section
    assert "status-off_track" not in section.split("</table>")[0]


def test_a_new_objective_cannot_link_to_its_own_year_in_the_admin(login, cast, years):
    from tests.support.forms import form_data

    client = login(cast.dave)
    url = "/admin/commitments/objective/add/"
    data = form_data(client.get(url).text, "objective_form")
    data |= {
        "objective_set": str(years.new.objective_set_id),
        "number": "2",
        "title": "Another",
        "text": "Another objective",
        "is_active": "on",
        "links_to_earlier-TOTAL_FORMS": "1",
        "links_to_earlier-0-kind": "splits_from",
        "links_to_earlier-0-earlier": str(years.new.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "earlier year" in response.text
    assert not Objective.objects.filter(objective_set__year=2025, number=2).exists()
    data["links_to_earlier-0-earlier"] = str(years.mid.pk)
    assert client.post(url, data).status_code == 302
    added = Objective.objects.get(objective_set__year=2025, number=2)
    assert [link.earlier for link in added.links_to_earlier.all()] == [years.mid]
