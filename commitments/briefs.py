"""The brief for a meeting: where each objective it reviews stands, and what changed since
the previous meeting. Built from published updates only, as it is shared across governments."""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.staticfiles import finders
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from commitments.models import Country, Meeting, Objective, ObjectiveSet, ProgressUpdate


@dataclass
class Cell:
    country: Country
    latest: ProgressUpdate | None
    before: ProgressUpdate | None

    @property
    def missing(self):
        """No published news since the previous meeting."""
        return self.latest is None or (self.before is not None and self.latest.pk == self.before.pk)

    @property
    def changed(self):
        return (
            self.latest is not None
            and self.before is not None
            and self.latest.status != self.before.status
        )


@dataclass
class Brief:
    meeting: Meeting
    previous: Meeting | None
    as_of: datetime.datetime
    objective_sets: list
    rows: list = field(default_factory=list)  # (objective, [Cell, ...])

    @property
    def missing_count(self):
        return sum(cell.missing for _, cells in self.rows for cell in cells)

    @property
    def changed_count(self):
        return sum(cell.changed for _, cells in self.rows for cell in cells)


def previous_meeting(meeting):
    """The meeting of the same kind just before this one."""
    return (
        Meeting.objects.filter(kind=meeting.kind, start_date__lt=meeting.start_date)
        .order_by("-start_date")
        .first()
    )


def _start_of(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def build(meeting, now=None):
    """The brief for ``meeting``: the sets it reviews (or that the previous one adopted)."""
    now = now or timezone.now()
    previous = previous_meeting(meeting)
    reviewed = Q(reviewed_at=meeting)
    if previous is not None:
        reviewed |= Q(adopted_at=previous)
    objective_sets = list(ObjectiveSet.objects.filter(reviewed).order_by("year"))
    as_of = min(_start_of(meeting.start_date), now)
    brief = Brief(meeting=meeting, previous=previous, as_of=as_of, objective_sets=objective_sets)
    if not objective_sets:
        return brief
    objectives = Objective.objects.filter(objective_set__in=objective_sets).order_by(
        "objective_set__year", "number"
    )
    countries = list(Country.objects.members())
    published = ProgressUpdate.objects.published()
    now_rows = published.filter(published_at__lt=as_of).matrix(objectives, countries)
    before = {}
    if previous is not None:
        then_rows = published.filter(published_at__lt=_start_of(previous.start_date)).matrix(
            objectives, countries
        )
        before = {
            (objective.pk, country.pk): latest
            for objective, cells in then_rows
            for country, latest, _ in cells
        }
    brief.rows = [
        (
            objective,
            [
                Cell(country=country, latest=latest, before=before.get((objective.pk, country.pk)))
                for country, latest, _ in cells
            ],
        )
        for objective, cells in now_rows
    ]
    return brief


def _refuse_fetch(url, timeout=10, ssl_context=None, http_headers=None):
    # The PDF is built from our own template and stylesheet only: never fetch a resource
    # named in user text.
    raise ValueError(f"Resource fetching is disabled: {url[:80]}")


def render_pdf(request, brief):
    """The brief as PDF bytes, rendered on the server by WeasyPrint."""
    from weasyprint import HTML  # noqa: PLC0415 - heavy import, only for this view

    stylesheet = finders.find("css/brief.css")
    context = {"brief": brief, "stylesheet": Path(stylesheet).read_text(encoding="utf-8")}
    html = render_to_string("commitments/meeting_brief_pdf.html", context, request=request)
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
