"""A meeting's snapshot: a coordinator freezes the record presented at the meeting, once;
nothing changes it afterwards, neither the application nor SQL."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from commitments import snapshots
from commitments.models import AuditEntry, Country, Meeting, MeetingSnapshot, MeetingSnapshotRow

pytestmark = pytest.mark.django_db

EVE = datetime.date(2024, 11, 12)


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def eighth():
    return Meeting.objects.get(kind="plenary", ordinal=8)


@pytest.fixture
def reported(cast, make_update):
    """Canada published on objective 1 in October 2024; Mexico after the 8th NADD."""
    canada = make_update(author=cast.alice, status="at_risk", published_at=at(2024, 10, 1))
    mexico = make_update(author=cast.bob, status="on_track", published_at=at(2024, 12, 1))
    return canada, mexico


def take(client, meeting, cutoff="2024-11-12"):
    return client.post(reverse("meeting_snapshot", args=[meeting.pk]), {"cutoff": cutoff})


def test_a_coordinator_takes_the_snapshot_of_the_published_record(
    login, cast, eighth, reported, objective
):
    canada, _ = reported
    response = take(login(cast.carol), eighth)
    assert response.status_code == 302 and response["Location"] == eighth.get_absolute_url()
    snapshot = MeetingSnapshot.objects.get(meeting=eighth)
    assert (snapshot.cutoff, snapshot.taken_by) == (EVE, cast.carol)
    assert snapshot.rows.count() == 9 * 3  # the 2024 set, reviewed there, by member country
    row = snapshot.rows.get(objective=objective, country__code="CA")
    assert (row.status, row.update, row.update_version, row.period) == (
        "at_risk",
        canada,
        canada.version,
        canada.period,
    )
    assert row.objective_set == objective.objective_set
    # Mexico published after the cut-off: nothing in its cell.
    mexico_row = snapshot.rows.get(objective=objective, country__code="MX")
    assert (mexico_row.status, mexico_row.update) == ("", None)
    entry = AuditEntry.objects.get(action="meeting.snapshot_taken")
    assert (entry.actor, entry.target_id) == (cast.carol, str(eighth.pk))
    assert entry.changes == {"cutoff": [None, "2024-11-12"], "cells": [None, 27]}
    page = login(cast.alice).get(eighth.get_absolute_url()).text
    assert "the published record as of" in page and "27 cells" in page
    assert "Take the snapshot" not in page


def test_a_snapshot_is_taken_once(login, cast, eighth, reported):
    client = login(cast.carol)
    assert take(client, eighth).status_code == 302
    again = take(client, eighth, "2024-11-13")
    assert again.status_code == 409
    assert "This meeting&#x27;s snapshot was already taken." in again.text
    assert MeetingSnapshot.objects.get(meeting=eighth).cutoff == EVE
    assert AuditEntry.objects.filter(action="meeting.snapshot_taken").count() == 1


@pytest.mark.parametrize(
    ("cutoff", "message"),
    [("2999-01-01", "The cut-off cannot be in the future."), ("not a date", "Enter a valid date.")],
)
def test_a_bad_cutoff_is_refused_and_nothing_is_saved(login, cast, eighth, cutoff, message):
    response = take(login(cast.carol), eighth, cutoff)
    assert response.status_code == 400
    assert message in response.text
    assert not MeetingSnapshot.objects.exists() and not MeetingSnapshotRow.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob", "dave", "nora"])
def test_only_a_coordinator_takes_it(login, cast, eighth, who):
    assert take(login(getattr(cast, who)), eighth).status_code == 403
    assert not MeetingSnapshot.objects.exists()
    assert "Take the snapshot" not in login(cast.alice).get(eighth.get_absolute_url()).text
    assert "Take the snapshot" in login(cast.carol).get(eighth.get_absolute_url()).text


def test_an_unknown_meeting_is_404(login, cast):
    assert take(login(cast.carol), Meeting(pk=999_999)).status_code == 404


def test_later_edits_do_not_change_what_the_meeting_saw(
    login, cast, eighth, reported, objective, make_update
):
    canada, _ = reported
    take(login(cast.carol), eighth)
    # A later report, and the earlier one rewritten behind the application's back.
    make_update(author=cast.alice, status="completed", published_at=at(2025, 1, 10))
    type(canada).objects.filter(pk=canada.pk).update(status="off_track")
    row = MeetingSnapshotRow.objects.get(objective=objective, country__code="CA")
    assert (row.status, row.update_id, row.update_version) == ("at_risk", canada.pk, 1)
    objectives = snapshots.objectives_of([objective.objective_set])
    earlier = snapshots.state_seen_at(eighth, objectives, list(Country.objects.members()))
    assert earlier.cells[(objective.pk, canada.country_id)].status == "at_risk"
    assert not earlier.reconstructed


def test_the_application_refuses_to_change_or_delete_a_snapshot(cast, eighth, reported):
    snapshot = snapshots.take_snapshot(actor=cast.carol, meeting=eighth, cutoff=EVE)
    row = snapshot.rows.first()
    for attempt in (
        snapshot.save,
        snapshot.delete,
        row.save,
        row.delete,
        lambda: MeetingSnapshot.objects.update(cutoff=EVE),
        lambda: MeetingSnapshotRow.objects.filter(pk=row.pk).update(status="completed"),
        lambda: MeetingSnapshotRow.objects.all().delete(),
    ):
        with pytest.raises(TypeError):
            attempt()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_meetingsnapshot SET cutoff = '2020-01-01'",
        "DELETE FROM commitments_meetingsnapshot",
        "UPDATE commitments_meetingsnapshotrow SET status = 'completed'",
        "DELETE FROM commitments_meetingsnapshotrow",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_snapshot(cast, eighth, reported, sql):
    snapshots.take_snapshot(actor=cast.carol, meeting=eighth, cutoff=EVE)
    with pytest.raises(DatabaseError, match="meeting snapshots cannot be changed"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert MeetingSnapshot.objects.get().cutoff == EVE
    assert MeetingSnapshotRow.objects.count() == 27
    assert MeetingSnapshotRow.objects.exclude(status="completed").count() == 27


def test_a_meeting_with_a_snapshot_cannot_be_deleted(cast, eighth):
    snapshots.take_snapshot(actor=cast.carol, meeting=eighth, cutoff=EVE)
    with pytest.raises(Exception, match="protected|cannot be changed"):
        with transaction.atomic():
            eighth.delete()
    assert Meeting.objects.filter(pk=eighth.pk).exists()


def test_the_snapshot_form_suggests_the_eve_of_the_meeting(login, cast, eighth):
    assert snapshots.default_cutoff(eighth, today=datetime.date(2026, 1, 1)) == EVE
    future = Meeting(kind="plenary", start_date=datetime.date(2030, 1, 1))
    assert snapshots.default_cutoff(future, today=datetime.date(2026, 1, 1)) == datetime.date(
        2026, 1, 1
    )
    page = login(cast.carol).get(eighth.get_absolute_url()).text
    assert 'value="2024-11-12"' in page


@pytest.mark.parametrize(
    ("language", "expected"), [("es", "Tomar la instantánea"), ("fr", "Prendre l’instantané")]
)
def test_the_snapshot_section_is_translated(login, cast, eighth, language, expected):
    client = login(cast.carol)
    text = client.get(eighth.get_absolute_url(), headers={"accept-language": language}).text
    assert expected.replace("’", "'") in text.replace("&#x27;", "'").replace("’", "'")


def test_the_meeting_page_shows_the_frozen_table(login, cast, eighth, reported, objective):
    canada, _ = reported
    take(login(cast.carol), eighth)
    canada.__class__.objects.filter(pk=canada.pk).update(status="completed")
    response = login(cast.bob).get(eighth.get_absolute_url())
    table = response.context["frozen"]
    assert [country.code for country in table.countries] == ["CA", "MX", "US"]
    assert len(table.rows) == 9
    first_objective, cells = table.rows[0]
    assert first_objective == objective
    assert [cell.status for cell in cells] == ["at_risk", "", ""]
    assert "as the meeting saw it" in response.text
    assert "status-at_risk" in response.text and "status-completed" not in response.text


@pytest.mark.parametrize("seed", range(5))
def test_the_record_as_of_a_cutoff_agrees_with_the_reference_matrix(cast, make_update, seed):
    """snapshots.latest_published (one statement, bounded probes) against the ORM's
    ``matrix`` of the published record filtered by publication time: the same update in
    every cell, as of several moments, over a random history of states, periods, creation
    and publication times (a correction created later may be published earlier, and the
    other way round)."""
    import random

    from django.utils import timezone

    from commitments.models import Objective, ProgressUpdate, ReportingPeriod

    rng = random.Random(seed)
    objectives = list(Objective.objects.filter(objective_set__year=2024).order_by("number")[:4])
    periods = list(ReportingPeriod.objects.filter(objective_set__year=2024))
    now = timezone.now()
    for _ in range(80):
        state = rng.choice(["draft", "submitted", "published", "returned", "withdrawn"])
        created = now - datetime.timedelta(hours=rng.randrange(48))
        extra = {}
        if state == "published":
            extra["published_at"] = created + datetime.timedelta(hours=rng.randrange(48))
        make_update(
            author=rng.choice([cast.alice, cast.bob, cast.uma]),
            objective=rng.choice(objectives),
            period=rng.choice(periods),
            state=state,
            status=rng.choice(ProgressUpdate.Status.values),
            created_at=created,
            **extra,
        )
    countries = list(Country.objects.members())
    seen = []
    for moment in [
        None,
        now + datetime.timedelta(days=3),
        *(now - datetime.timedelta(hours=rng.randrange(-48, 48)) for _ in range(4)),
    ]:
        published = ProgressUpdate.objects.published()
        if moment is not None:
            published = published.filter(published_at__lt=moment)
        expected = {
            (objective.pk, country.pk): latest.pk
            for objective, cells in published.matrix(
                Objective.objects.filter(pk__in=[o.pk for o in objectives]), countries
            )
            for country, latest, _ in cells
            if latest is not None
        }
        got = snapshots.latest_published(objectives, countries, moment)
        assert {cell: update.pk for cell, update in got.items()} == expected, moment
        seen.append(tuple(sorted(expected.items())))
    # The moments see different records, the latest a full one.
    assert len(set(seen)) > 1 and seen[0]
