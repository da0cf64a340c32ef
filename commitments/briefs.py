"""The brief for a meeting: where each objective it reviews stands, and what changed since
the previous meeting. Built from published updates only, as it is shared across governments.

The PDF is drawn by WeasyPrint, which takes seconds, so a background job draws it
(commitments/jobs.py), once per change of what it shows: the job's file is reused for the
same drawing (``pdf_cache_key``), which is also kept in the shared cache (``cached_pdf``);
and what it prints of each
narrative is capped (``shorten_for_print``), so that a brief whose every cell holds a
10,000-character narrative still renders in a few seconds.
"""

import datetime
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.db.models import Q
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from commitments import fragments
from commitments.models import Country, Meeting, Objective, ObjectiveSet, ProgressUpdate

# What the PDF prints of a narrative: a row taller than a page makes WeasyPrint lay the
# table out again and again (minutes for a brief of 10,000-character narratives), so
# at most this many characters and line breaks, then a link to the full text.
PRINT_NARRATIVE_CHARS = 1_000
PRINT_NARRATIVE_LINES = 12
# Drawn PDFs are kept in the shared database cache (large values, every process).
PDF_CACHE = "default"
PDF_CACHE_SECONDS = 7 * 24 * 60 * 60
PDF_TEMPLATE = "commitments/meeting_brief_pdf.html"
PDF_STYLESHEET = "css/brief.css"


def shorten_for_print(text):
    """``(text, shortened)``: ``text``, or its start when it is longer than the PDF prints
    (at most ``PRINT_NARRATIVE_CHARS`` characters and ``PRINT_NARRATIVE_LINES`` line
    breaks), cut after a whole word."""
    text = text.replace("\r\n", "\n")
    limit = min(len(text), PRINT_NARRATIVE_CHARS)
    breaks = 0
    for position, character in enumerate(text[:limit]):
        if character == "\n":
            breaks += 1
            if breaks == PRINT_NARRATIVE_LINES:
                limit = position
                break
    if limit >= len(text) or not text[limit:].strip():
        return text[:limit], False
    start = text[:limit]
    space = max(start.rfind(" "), start.rfind("\n"))
    if space > limit * 0.8:
        start = start[:space]
    return start.rstrip() + " …", True


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

    @functools.cached_property
    def _printed(self):
        return shorten_for_print(self.latest.narrative) if self.latest else ("", False)

    @property
    def printed_narrative(self):
        """What the PDF prints of the latest narrative."""
        return self._printed[0]

    @property
    def narrative_shortened(self):
        return self._printed[1]

    @property
    def full_text_url(self):
        """The latest update's page, where its whole narrative is (for the PDF's note)."""
        return settings.SITE_URL + reverse("update_detail", args=[self.latest.pk])


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


def pdf_html(request, brief):
    """The HTML WeasyPrint draws: the brief's body, each narrative shortened for print."""
    return render_to_string(PDF_TEMPLATE, {"brief": brief, "print": True}, request=request)


def render_pdf(request, brief):
    """The brief as PDF bytes, rendered on the server by WeasyPrint."""
    from weasyprint import CSS, HTML  # noqa: PLC0415 - heavy import, only for the PDF job

    # Our own stylesheet goes to WeasyPrint as a stylesheet, not through the template
    # (where escaping would break its quoted rules): no user data can reach it.
    stylesheet = CSS(string=Path(finders.find(PDF_STYLESHEET)).read_text(encoding="utf-8"))
    html = HTML(string=pdf_html(request, brief), url_fetcher=_refuse_fetch)
    return html.write_pdf(stylesheets=[stylesheet])


@functools.cache
def _layout_digest():
    """A digest of what shapes the PDF besides the data (templates, stylesheet, this code,
    the catalogues): a deployment that changes any of them draws every brief afresh."""
    names = [
        get_template(name).origin.name
        for name in (PDF_TEMPLATE, "includes/brief_body.html", "includes/status.html")
    ]
    names += [finders.find(PDF_STYLESHEET), __file__]
    names += sorted(str(path) for path in Path(__file__).parent.glob("locale/*/LC_MESSAGES/*.mo"))
    digest = hashlib.sha256()
    for name in names:
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:16]


def pdf_cache_key(request, meeting, now=None):
    """Names one drawing of the meeting's brief: it changes whenever what the brief shows
    may have changed (the data stamps PostgreSQL moves on every write to published updates
    and reference data), with the language, and with the day for a meeting still to come
    (its brief is "as published by" today)."""
    now = now or timezone.now()
    stamps = fragments.stamps(request)
    as_of = min(_start_of(meeting.start_date), now)
    return ":".join(
        str(part)
        for part in (
            "brief-pdf",
            _layout_digest(),
            meeting.pk,
            get_language(),
            as_of.date().isoformat(),
            stamps["reference"],
            stamps["record"],
        )
    )


def cached_pdf(key):
    return caches[PDF_CACHE].get(key)


def keep_pdf(key, document):
    caches[PDF_CACHE].set(key, document, PDF_CACHE_SECONDS)
