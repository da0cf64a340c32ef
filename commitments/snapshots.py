"""What a meeting saw, frozen: taking a meeting's snapshot, and reading the state a later
brief compares with (the snapshot, or for a meeting that has none the published record as
it stood the day before it began, reconstructed and said to be so).

A cut-off is a day, inclusive: the record "as of" 13 November is every update published
on or before that day (UTC). The status of a cell is the newest published update of the
cell, as the rest of the site reads it (``ProgressUpdateQuerySet.matrix``).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import audit, policy
from commitments.models import (
    Country,
    Meeting,
    MeetingSnapshot,
    MeetingSnapshotRow,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    period_label,
)


class SnapshotRefused(Exception):
    """The snapshot cannot be taken (already taken, or a cut-off in the future); nothing
    was saved. ``message`` says why, in the active language; ``field`` names the form
    field at fault, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def end_of(day):
    """The first instant after ``day`` (UTC): a cut-off includes its whole day."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min).replace(
        tzinfo=datetime.UTC
    )


def sets_open_at(meeting):
    """The objective sets a meeting is shown: those it adopts or reviews, and those adopted
    before it and not yet reviewed by then."""
    open_sets = Q(reviewed_at=meeting) | Q(adopted_at=meeting)
    earlier = Meeting.objects.earlier_than(meeting)
    if meeting.start_date is not None:
        later = Q(reviewed_at__isnull=True) | Q(reviewed_at__start_date__isnull=True)
        later |= Q(reviewed_at__start_date__gte=meeting.start_date)
    else:
        later = Q(reviewed_at__isnull=True) | Q(reviewed_at__start_date__isnull=True)
    open_sets |= Q(adopted_at__in=earlier) & later
    return ObjectiveSet.objects.filter(open_sets).distinct().order_by("year")


def objectives_of(objective_sets):
    return (
        Objective.objects.filter(objective_set__in=objective_sets)
        .select_related("objective_set")
        .order_by("objective_set__year", "number")
    )


# Each cell's update as published before a moment, in the order the rest of the site reads
# a cell (``ProgressUpdateQuerySet.latest_period_first``: the latest reporting period that
# has one, then the newest report of that period): for each of the objective's set's
# periods, the newest published update of the cell published before the moment, probed
# along upd_period_cell_published (published updates only, newest first, with their
# publication time in the index): as of today the first entry answers; as of a past
# cut-off the entries published after it are skipped in the index, never read from the
# table. ``{cells}`` is where the cells come from (``latest_published_sql``), and
# ``{published_before}`` the condition, or nothing for the record as it stands.
LATEST_PUBLISHED_SQL = """
SELECT latest.id
FROM {cells}
CROSS JOIN LATERAL (
    SELECT u.id
    FROM commitments_reportingperiod p
    CROSS JOIN LATERAL (
        SELECT u.id FROM commitments_progressupdate u
        WHERE u.period_id = p.id
          AND u.objective_id = cell.objective_id AND u.country_id = cell.country_id
          AND u.state = 'published'{published_before}
        ORDER BY u.created_at DESC, u.id DESC LIMIT 1
    ) u
    WHERE p.objective_set_id = cell.set_id
    ORDER BY p.starts_on DESC, p.id DESC LIMIT 1
) latest
"""
# The cells as given: three arrays of the same length (objective, country, set).
GIVEN_CELLS = (
    "unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS cell (objective_id, country_id, set_id)"
)


def latest_published_sql(cells=GIVEN_CELLS, published_before=False):
    """The statement of each cell's published update of its latest reporting period:
    ``cells`` a FROM item naming ``cell (objective_id, country_id, set_id)``, and with
    ``published_before`` a parameter for the moment the updates were published before.
    What "a cell's latest published report" means, written once (the brief, the
    snapshots, the partners' contributions)."""
    return LATEST_PUBLISHED_SQL.format(
        cells=cells, published_before=" AND u.published_at < %s" if published_before else ""
    )


def latest_published(objectives, countries, published_before=None):
    """``{(objective id, country id): update}``: each cell's published update of its
    latest reporting period (the newest report of that period), as published before
    ``published_before`` when given (a moment: the end of a cut-off day), with its period
    and author. One query, each cell read through indexes whatever the history (see
    ``LATEST_PUBLISHED_SQL``); ``ProgressUpdateQuerySet.matrix`` is the reference it is
    tested against."""
    objectives = list(objectives)
    countries = list(countries)
    if not objectives or not countries:
        return {}
    moment = [] if published_before is None else [published_before]
    sql = latest_published_sql(published_before=published_before is not None)
    cells = [
        [objective.pk for objective in objectives for _ in countries],
        [country.pk for _ in objectives for country in countries],
        [objective.objective_set_id for objective in objectives for _ in countries],
    ]
    # A constant statement: the cells and the moment are bound parameters.
    ids = RawSQL(sql, [*cells, *moment])  # noqa: S611
    updates = (
        ProgressUpdate.objects.filter(pk__in=ids).select_related("author", "period").order_by()
    )
    return {(update.objective_id, update.country_id): update for update in updates}


def state_as_of(objectives, cutoff, countries):
    """Each objective's cells ``(country, latest, False)`` in the published record as of
    ``cutoff`` (a day, inclusive): ``ProgressUpdate.objects.published().filter(
    published_at__lt=end_of(cutoff)).matrix(objectives, countries)`` in one bounded query
    (``latest_published``)."""
    objectives = list(objectives)
    found = latest_published(objectives, countries, end_of(cutoff))
    return [
        (
            objective,
            [(country, found.get((objective.pk, country.pk)), False) for country in countries],
        )
        for objective in objectives
    ]


@dataclass(frozen=True)
class Earlier:
    """A cell as an earlier meeting saw it: its status, period and update (or none)."""

    status: str
    period_name: str
    update_id: int | None

    def get_status_display(self):
        return ProgressUpdate.Status(self.status).label

    @property
    def period_local_name(self):
        return period_label(self.period_name)


@dataclass
class EarlierState:
    """What a meeting saw: cells by ``(objective id, country id)`` (a cell without an
    update is absent), whether it was reconstructed, and the cut-off it reflects."""

    meeting: Meeting
    cells: dict
    cutoff: datetime.date | None
    snapshot: MeetingSnapshot | None = None

    @property
    def reconstructed(self):
        return self.snapshot is None


def state_seen_at(meeting, objectives, countries):
    """The state the brief compares with: ``meeting``'s snapshot when it has one,
    otherwise the published record up to the day before it began (reconstructed)."""
    snapshot = MeetingSnapshot.objects.filter(meeting=meeting).first()
    if snapshot is not None:
        rows = (
            snapshot.rows.filter(objective__in=objectives, update__isnull=False)
            .select_related("period")
            .order_by()
        )
        cells = {
            (row.objective_id, row.country_id): Earlier(row.status, row.period.name, row.update_id)
            for row in rows
        }
        return EarlierState(meeting, cells, snapshot.cutoff, snapshot)
    if meeting.start_date is None:
        return EarlierState(meeting, {}, None)
    cutoff = meeting.start_date - datetime.timedelta(days=1)
    cells = {
        (objective.pk, country.pk): Earlier(latest.status, latest.period.name, latest.pk)
        for objective, row in state_as_of(objectives, cutoff, countries)
        for country, latest, _reported in row
        if latest is not None
    }
    return EarlierState(meeting, cells, cutoff)


@dataclass
class FrozenTable:
    """A snapshot as the meeting page shows it: the countries (columns) and, per objective,
    its cells in the countries' order (a row, or None for a country it does not name)."""

    countries: list
    rows: list  # (objective, [MeetingSnapshotRow | None, ...])
    cells: int


def frozen_table(snapshot):
    """The snapshot's cells as a table of objectives by countries (one query)."""
    cells = list(
        snapshot.rows.select_related("objective__objective_set", "country", "period").order_by(
            "objective_set__year", "objective__number", "country__membership", "country__name"
        )
    )
    countries = list(dict.fromkeys(cell.country for cell in cells))
    by_objective = {}
    for cell in cells:
        by_objective.setdefault(cell.objective, {})[cell.country.pk] = cell
    rows = [
        (objective, [found.get(country.pk) for country in countries])
        for objective, found in by_objective.items()
    ]
    return FrozenTable(countries, rows, len(cells))


def default_cutoff(meeting, today=None):
    """The suggested cut-off of a snapshot: the day before the meeting began, or today
    for a meeting under way, to come, or not dated yet."""
    today = today or timezone.localdate()
    if meeting.start_date is not None and meeting.start_date <= today:
        return meeting.start_date - datetime.timedelta(days=1)
    return today


def take_snapshot(*, actor, meeting, cutoff, now=None):
    """A coordinator freezes the published record as of ``cutoff`` for ``meeting``: one
    row per objective of the sets open at the meeting and member country. Once per
    meeting; audited in the same transaction."""
    policy.may_take_snapshot.check(actor)
    now = now or timezone.now()
    if cutoff > timezone.localdate(now):
        raise SnapshotRefused(_("The cut-off cannot be in the future."), field="cutoff")
    with transaction.atomic():
        # The meeting's row lock makes two coordinators pressing the button at once take
        # turns: the second finds the first one's snapshot.
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        if MeetingSnapshot.objects.filter(meeting=meeting).exists():
            raise SnapshotRefused(_("This meeting's snapshot was already taken."))
        snapshot = MeetingSnapshot.objects.create(
            meeting=meeting, cutoff=cutoff, taken_by=actor, taken_at=now
        )
        objectives = objectives_of(sets_open_at(meeting))
        countries = list(Country.objects.members())
        rows = [
            MeetingSnapshotRow(
                snapshot=snapshot,
                objective_set_id=objective.objective_set_id,
                objective=objective,
                country=country,
                status=latest.status if latest else "",
                period_id=latest.period_id if latest else None,
                update=latest,
                update_version=latest.version if latest else None,
            )
            for objective, cells in state_as_of(objectives, cutoff, countries)
            for country, latest, _reported in cells
        ]
        MeetingSnapshotRow.objects.bulk_create(rows)
        audit.record(
            actor=actor,
            action=audit.Action.MEETING_SNAPSHOT_TAKEN,
            target=meeting,
            changes={"cutoff": [None, cutoff.isoformat()], "cells": [None, len(rows)]},
            at=now,
        )
    return snapshot
