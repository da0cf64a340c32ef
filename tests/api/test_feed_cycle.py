"""The feed knows the yearly cycle: objective sets with their areas and periods, periods,
meetings with their outcome documents and snapshot, the snapshots' cells, every language
version, continuity links, and the ``year`` and ``set`` filters on every list."""

import datetime
import math

import pytest
from django.urls import reverse

from commitments import snapshots
from commitments.api_schema import PAGE_SIZE
from commitments.models import (
    ApiToken,
    Comment,
    Country,
    Meeting,
    MeetingDocument,
    MeetingSnapshotRow,
    Objective,
    ObjectiveLink,
    ObjectiveSet,
    PriorityArea,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db

EVE = datetime.date(2024, 11, 12)


def at(*day):
    return datetime.datetime(*day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def key(cast):
    """A key of alice, an official of Canada: she reads the published record only."""
    token = ApiToken(user=cast.alice, name="Canada's dashboard")
    issued = token.issue()
    token.save()
    return issued


def get(client, name, key, **params):
    return client.get(reverse(name), params, headers={"Authorization": f"Token {key}"})


def read_all(client, key, name, **params):
    body = get(client, name, key, **params).json()
    results, pages = body["results"], 1
    while body["next"]:
        body = client.get(body["next"], headers={"Authorization": f"Token {key}"}).json()
        results += body["results"]
        pages += 1
    return results, pages


@pytest.fixture
def cycle(db):
    """A 2025 set adopted at the 8th NADD: one area, two objectives (the first continues
    2024's objective 5 and names the Netherlands), one period; the 8th NADD's joint
    statement in Spanish."""
    eighth = Meeting.objects.get(ordinal=8)
    eighth.participants.set(Country.objects.filter(code__in=["CA", "MX", "US", "NL"]))
    MeetingDocument.objects.create(
        meeting=eighth,
        kind="joint_statement",
        language="es",
        title="Declaración conjunta",
        url="https://example.org/declaracion",
    )
    later = ObjectiveSet.objects.create(year=2025, adopted_at=eighth)
    area = PriorityArea.objects.create(
        objective_set=later,
        number=1,
        name="Synthetic drugs",
        name_es="Drogas sintéticas",
        name_fr="Drogues de synthèse",
    )
    first = Objective.objects.create(
        objective_set=later,
        number=1,
        title="Disrupt precursor supply",
        title_es="Interrumpir el suministro de precursores",
        title_fr="Perturber l'approvisionnement en précurseurs",
        text="Text",
        text_es="Texto",
        text_fr="Texte",
        translations_official=True,
        area=area,
    )
    first.partners.set(Country.objects.filter(code="NL"))
    Objective.objects.create(objective_set=later, number=2, title="Second", text="Second text")
    earlier = Objective.objects.get(objective_set__year=2024, number=5)
    ObjectiveLink.objects.create(objective=first, earlier=earlier, kind="continues")
    period = ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )
    return later, first, period


def test_sets_carry_their_meetings_areas_periods_and_which_opens_the_dashboard(client, key, cycle):
    later, _, period = cycle
    results, _ = read_all(client, key, "api_sets")
    assert [s["year"] for s in results] == [2025, 2024]
    newer, older = results
    assert newer["adopted_at"] == Meeting.objects.get(ordinal=8).pk
    assert newer["reviewed_at"] is None
    assert older["reviewed_at"] == Meeting.objects.get(ordinal=8).pk
    # 2024 was chosen in the admin: adding 2025 does not move the dashboard.
    assert (older["opens_dashboard"], newer["opens_dashboard"]) == (True, False)
    assert newer["open"] is True
    assert newer["areas"] == [
        {
            "number": 1,
            "name": "Synthetic drugs",
            "name_es": "Drogas sintéticas",
            "name_fr": "Drogues de synthèse",
        }
    ]
    assert newer["periods"] == [
        {
            "id": period.pk,
            "name": "2025 Q1",
            "starts_on": "2025-01-01",
            "ends_on": "2025-03-31",
            "deadline": "2025-04-15",
        }
    ]
    assert [p["name"] for p in older["periods"]] == ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"]
    only = get(client, "api_sets", key, year=2025).json()["results"]
    assert [s["id"] for s in only] == [later.pk]
    assert [s["year"] for s in get(client, "api_sets", key, set=later.pk).json()["results"]] == [
        2025
    ]


def test_periods_filter_by_year_and_set(client, key, cycle):
    later, _, period = cycle
    everything, _ = read_all(client, key, "api_periods")
    assert [p["name"] for p in everything] == [
        "2025 Q1",
        "2024 Q1",
        "2024 Q2",
        "2024 Q3",
        "2024 Q4",
    ]
    assert everything[0] == {
        "id": period.pk,
        "set": later.pk,
        "year": 2025,
        "name": "2025 Q1",
        "starts_on": "2025-01-01",
        "ends_on": "2025-03-31",
        "deadline": "2025-04-15",
    }
    by_year = get(client, "api_periods", key, year=2024).json()["results"]
    assert {p["year"] for p in by_year} == {2024} and len(by_year) == 4
    by_set = get(client, "api_periods", key, set=later.pk).json()["results"]
    assert [p["id"] for p in by_set] == [period.pk]
    # Both at once: the set must be of that year.
    assert get(client, "api_periods", key, set=later.pk, year=2024).json()["results"] == []


def test_objectives_carry_every_language_their_area_partners_and_continuity(client, key, cycle):
    later, first, _ = cycle
    results = get(client, "api_objectives", key, set=later.pk).json()["results"]
    assert [o["number"] for o in results] == [1, 2]
    item = results[0]
    assert item["id"] == first.pk and item["set"] == later.pk and item["year"] == 2025
    assert (item["title_es"], item["title_fr"]) == (
        "Interrumpir el suministro de precursores",
        "Perturber l'approvisionnement en précurseurs",
    )
    assert (item["text"], item["text_es"], item["text_fr"]) == ("Text", "Texto", "Texte")
    assert item["translations_official"] is True
    assert item["area"] == "Synthetic drugs"  # the field clients already read stays
    assert item["priority_area"]["name_fr"] == "Drogues de synthèse"
    assert item["partners"] == ["NL"]
    earlier = Objective.objects.get(objective_set__year=2024, number=5)
    assert item["continues"] == [{"kind": "continues", "earlier": earlier.pk}]
    assert results[1]["priority_area"] is None and results[1]["continues"] == []
    assert results[1]["translations_official"] is False
    assert [o["year"] for o in get(client, "api_objectives", key, year=2025).json()["results"]] == [
        2025,
        2025,
    ]


def test_countries_carry_their_names_in_three_languages(client, key):
    results = get(client, "api_countries", key).json()["results"]
    mexico = next(c for c in results if c["code"] == "MX")
    assert (mexico["name"], mexico["name_es"], mexico["name_fr"]) == (
        "Mexico",
        "México",
        "Mexique",
    )


def test_updates_carry_the_language_and_set_and_filter_by_year_and_set(
    client, cast, make_update, key, cycle
):
    later, first, period = cycle
    older = make_update(author=cast.bob, language="es", narrative="Avance")
    newer = make_update(author=cast.alice, objective=first, period=period)
    everything = get(client, "api_updates", key).json()["results"]
    assert {u["id"] for u in everything} == {older.pk, newer.pk}
    spanish = next(u for u in everything if u["id"] == older.pk)
    assert spanish["language"] == "es"
    assert spanish["objective"]["year"] == 2024
    assert spanish["objective"]["set"] == ObjectiveSet.objects.get(year=2024).pk
    assert [u["id"] for u in get(client, "api_updates", key, year=2025).json()["results"]] == [
        newer.pk
    ]
    assert [u["id"] for u in get(client, "api_updates", key, year=2024).json()["results"]] == [
        older.pk
    ]
    by_set = get(client, "api_updates", key, set=later.pk).json()["results"]
    assert [u["id"] for u in by_set] == [newer.pk]


def test_meetings_carry_names_places_host_participants_documents_and_snapshot(
    client, cast, make_update, key, cycle
):
    make_update(author=cast.bob, status="at_risk", published_at=at(2024, 10, 1))
    snapshot = snapshots.take_snapshot(
        actor=cast.carol, meeting=Meeting.objects.get(ordinal=8), cutoff=EVE
    )
    results, _ = read_all(client, key, "api_meetings")
    assert [m["id"] for m in results] == sorted(Meeting.objects.values_list("pk", flat=True))
    eighth = next(m for m in results if m["ordinal"] == 8)
    assert eighth["kind"] == "plenary"
    assert eighth["name_es"] and eighth["name_fr"]
    assert eighth["start_date"] == "2024-11-13" and eighth["date_precision"] == "day"
    assert eighth["host"] == "MX"
    assert eighth["participants"] == ["CA", "MX", "NL", "US"]
    assert eighth["documents"] == [
        {
            "kind": "joint_statement",
            "language": "es",
            "title": "Declaración conjunta",
            "url": "https://example.org/declaracion",
            "text": None,
        }
    ]
    assert eighth["snapshot"] == {
        "id": snapshot.pk,
        "taken_at": snapshot.taken_at.isoformat(),
        "cutoff": "2024-11-12",
    }
    seventh = next(m for m in results if m["ordinal"] == 7)
    assert seventh["snapshot"] is None
    # The meetings of a set: the one that adopted it, and the one that reviewed it.
    of_2024 = get(client, "api_meetings", key, set=ObjectiveSet.objects.get(year=2024).pk)
    assert {m["ordinal"] for m in of_2024.json()["results"]} == {7, 8}
    of_2025 = get(client, "api_meetings", key, set=cycle[0].pk).json()["results"]
    assert [m["ordinal"] for m in of_2025] == [8]
    held_2023 = get(client, "api_meetings", key, year=2023).json()["results"]
    assert {m["start_date"][:4] for m in held_2023} == {"2023"} and len(held_2023) == 3


def test_snapshot_cells_are_what_the_meeting_saw_even_after_later_reports(
    client, cast, make_update, key, objective, q1
):
    mexico = make_update(author=cast.bob, status="at_risk", published_at=at(2024, 10, 1))
    eighth = Meeting.objects.get(ordinal=8)
    snapshot = snapshots.take_snapshot(actor=cast.carol, meeting=eighth, cutoff=EVE)
    # Later: a new report, a draft; neither changes what the 8th NADD saw.
    make_update(author=cast.bob, status="completed", published_at=at(2025, 1, 10))
    make_update(author=cast.alice, status="off_track", state="draft")
    cells, pages = read_all(client, key, "api_snapshots", meeting=eighth.pk)
    assert len(cells) == MeetingSnapshotRow.objects.filter(snapshot=snapshot).count() == 27
    assert pages == math.ceil(27 / PAGE_SIZE)
    assert all(c["snapshot"] == snapshot.pk and c["meeting"] == eighth.pk for c in cells)
    seen = {(c["objective"], c["country"]): c for c in cells}
    assert seen[(objective.pk, "MX")] == {
        "id": seen[(objective.pk, "MX")]["id"],
        "snapshot": snapshot.pk,
        "meeting": eighth.pk,
        "set": objective.objective_set_id,
        "objective": objective.pk,
        "country": "MX",
        "status": "at_risk",
        "period": q1.pk,
        "update": mexico.pk,
    }
    canada = seen[(objective.pk, "CA")]
    assert (canada["status"], canada["update"], canada["period"]) == (None, None, None)
    by_snapshot, _ = read_all(client, key, "api_snapshots", snapshot=snapshot.pk)
    assert len(by_snapshot) == 27
    assert get(client, "api_snapshots", key, meeting=eighth.pk, year=2025).json()["results"] == []


def test_lists_page_with_the_cursor_across_pages(client, cast, key, cycle):
    later, _, _ = cycle
    for number in range(3, 60):
        Objective.objects.create(objective_set=later, number=number, title="T", text="T")
    results, pages = read_all(client, key, "api_objectives")
    keys = [(-o["year"], o["number"]) for o in results]
    assert pages == math.ceil(68 / PAGE_SIZE)
    assert keys == sorted(keys) and len(set(keys)) == len(keys) == 59 + 9
    snapshot = snapshots.take_snapshot(
        actor=cast.carol, meeting=Meeting.objects.get(ordinal=8), cutoff=EVE
    )
    cells, pages = read_all(client, key, "api_snapshots")
    ids = [c["id"] for c in cells]
    assert pages > 1 and ids == sorted(ids)
    assert len(set(ids)) == MeetingSnapshotRow.objects.filter(snapshot=snapshot).count()
    for day in range(60):
        ReportingPeriod.objects.create(
            objective_set=later,
            name=f"2025 week {day}",
            starts_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=day),
            ends_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=day),
            deadline=datetime.date(2025, 12, 31),
        )
    periods, pages = read_all(client, key, "api_periods")
    assert pages == math.ceil(65 / PAGE_SIZE)
    assert len({p["id"] for p in periods}) == len(periods) == 65


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("api_sets", {"year": "20x5"}, "year"),
        ("api_sets", {"set": "999999"}, "set"),
        ("api_periods", {"set": "-1"}, "set"),
        ("api_periods", {"year": "²²²²"}, "year"),
        ("api_objectives", {"set": "1 OR 1=1"}, "set"),
        ("api_objectives", {"owner": "x"}, "owner"),
        ("api_meetings", {"set": "999999"}, "set"),
        ("api_meetings", {"year": "12345"}, "year"),
        ("api_snapshots", {"meeting": "999999"}, "meeting"),
        ("api_snapshots", {"snapshot": "999999"}, "snapshot"),
        ("api_snapshots", {"meeting": "eight"}, "meeting"),
        ("api_snapshots", {"meeting": ""}, "meeting"),
        ("api_updates", {"set": "999999"}, "set"),
        ("api_updates", {"year": "1999"}, "year"),
        ("api_countries", {"year": "2024"}, "year"),
    ],
)
def test_a_forged_filter_gets_400_json(client, key, name, params, field):
    response = get(client, name, key, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]


def test_an_official_reads_only_published_reports_and_no_discussion(
    client, cast, make_update, key, cycle
):
    _, first, period = cycle
    published = make_update(author=cast.bob, narrative="Published")
    make_update(author=cast.bob, narrative="A draft", state="draft", objective=first, period=period)
    make_update(author=cast.bob, narrative="Submitted", state="submitted")
    Comment.objects.create(update=published, author=cast.carol, body="Secret comment")
    Comment.objects.create(
        update=published, author=cast.carol, kind="return_reason", body="Secret reason"
    )
    results, _ = read_all(client, key, "api_updates")
    assert [u["id"] for u in results] == [published.pk]
    for name in ["api_updates", "api_sets", "api_meetings", "api_snapshots", "api_objectives"]:
        text = get(client, name, key).content.decode()
        assert "Secret" not in text and "A draft" not in text and "Submitted" not in text
        assert "comment" not in text.lower() and "reason" not in text
