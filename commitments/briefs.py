"""The brief for a meeting: where each objective it reviews stands as of a cut-off the
coordinator chooses, and what changed since a comparison meeting they choose (what that
meeting saw: its snapshot, or the record reconstructed as of its date). Built from
published updates only, as it is shared across governments.

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
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.db.models import Q
from django.http import QueryDict
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commitments import assessments, evidence, fragments, handling, snapshots
from commitments.models import Country, Meeting, ObjectiveSet, ProgressUpdate

# What the PDF prints of a narrative: a row taller than a page makes WeasyPrint lay the
# table out again and again (minutes for a brief of 10,000-character narratives), so
# at most this many characters and line breaks, then a link to the full text.
PRINT_NARRATIVE_CHARS = 1_000
PRINT_NARRATIVE_LINES = 12
# Drawn PDFs are kept in the shared database cache (large values, every process).
PDF_CACHE = "default"
PDF_CACHE_SECONDS = 7 * 24 * 60 * 60
PDF_TEMPLATE = "commitments/meeting_brief_pdf.html"
PDF_VARIANT = "pdf/ua-1"
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
    """One objective and country: the latest published update as of the cut-off, and what
    the comparison meeting saw (``snapshots.Earlier``, or None: nothing then)."""

    country: Country
    latest: ProgressUpdate | None
    before: snapshots.Earlier | None
    # The latest update's evidence files (evidence.listed_files).
    files: list = field(default_factory=list)

    @property
    def change(self):
        """``changed``, ``new`` (nothing at the earlier meeting), ``unchanged``, or
        ``none`` (no published update at the cut-off)."""
        if self.latest is None:
            return "none"
        if self.before is None:
            return "new"
        return "changed" if self.latest.status != self.before.status else "unchanged"

    @property
    def changed(self):
        return self.change == "changed"

    @property
    def new(self):
        return self.change == "new"

    @property
    def missing(self):
        """No published news since the earlier meeting."""
        return self.latest is None or (
            self.before is not None and self.latest.pk == self.before.update_id
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
    """The brief for ``meeting``: the record as of ``cutoff`` (a day, inclusive) compared
    with what the ``comparison`` meeting saw (``earlier``), generated at ``generated_at``."""

    meeting: Meeting
    comparison: Meeting | None
    cutoff: datetime.date
    generated_at: datetime.datetime
    objective_sets: list
    earlier: snapshots.EarlierState | None = None
    rows: list = field(default_factory=list)  # (objective, [Cell, ...])
    # The secretariat's final assessments of each set (assessments.Compliance).
    compliance: list = field(default_factory=list)

    def _count(self, change):
        return sum(cell.change == change for _, cells in self.rows for cell in cells)

    @property
    def changed_count(self):
        return self._count("changed")

    @property
    def new_count(self):
        return self._count("new")

    @property
    def unchanged_count(self):
        return self._count("unchanged")

    @property
    def missing_count(self):
        return sum(cell.missing for _, cells in self.rows for cell in cells)


@dataclass(frozen=True)
class Terms:
    """What a brief is asked for: the meeting, the earlier meeting it is compared with
    (or None) and the cut-off; the subject of its cached drawing (``meeting-brief`` in
    commitments/fragments.py)."""

    meeting: Meeting
    comparison: Meeting | None
    cutoff: datetime.date


def default_comparison(meeting):
    """The suggested comparison: the previous plenary dialogue (the coordinator may choose
    any earlier meeting in the brief's form)."""
    return Meeting.objects.default_comparison_for(meeting)


def build(meeting, comparison=None, cutoff=None, now=None):
    """The brief for ``meeting``: the sets it reviews (or that ``comparison`` adopted), as
    published by ``cutoff`` (default today), beside what ``comparison`` saw."""
    now = now or timezone.now()
    cutoff = cutoff or timezone.localdate(now)
    if comparison is not None and not meeting.is_after(comparison):
        raise ValueError("The comparison meeting must be held before the meeting.")
    reviewed = Q(reviewed_at=meeting)
    if comparison is not None:
        reviewed |= Q(adopted_at=comparison)
    objective_sets = list(ObjectiveSet.objects.filter(reviewed).order_by("year"))
    brief = Brief(
        meeting=meeting,
        comparison=comparison,
        cutoff=cutoff,
        generated_at=now,
        objective_sets=objective_sets,
    )
    if not objective_sets:
        return brief
    objectives = list(snapshots.objectives_of(objective_sets))
    countries = list(Country.objects.members())
    now_rows = snapshots.state_as_of(objectives, cutoff, countries)
    before = {}
    if comparison is not None:
        brief.earlier = snapshots.state_seen_at(comparison, objectives, countries)
        before = brief.earlier.cells
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
    files = evidence.listed_files(
        [cell.latest for _, cells in brief.rows for cell in cells if cell.latest is not None]
    )
    for _objective, cells in brief.rows:
        for cell in cells:
            cell.files = files.get(cell.latest.pk, []) if cell.latest is not None else []
    brief.compliance = [
        assessments.published_compliance(
            objective_set,
            [o for o in objectives if o.objective_set_id == objective_set.pk],
            countries,
        )
        for objective_set in objective_sets
    ]
    return brief


class BriefForm(forms.Form):
    """What the coordinator chooses for a brief: the meeting it compares with (an earlier
    one; suggested: the previous plenary dialogue) and the cut-off (suggested: today)."""

    compare = forms.ModelChoiceField(
        label=_("Compare with"),
        queryset=Meeting.objects.all(),
        required=False,
        empty_label=_("No comparison"),
    )
    cutoff = forms.DateField(
        label=_("Cut-off"),
        help_text=_("Updates published on or before this day are included."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, meeting, data=None, today=None):
        today = today or timezone.localdate()
        initial = {"compare": default_comparison(meeting), "cutoff": today}
        # Without a choice the brief is the suggested one.
        if data is not None and not ({"compare", "cutoff"} & set(data)):
            data = None
        super().__init__(data, initial=initial)
        self.meeting = meeting
        self.today = today
        earlier = Meeting.objects.earlier_than(meeting).order_by("-start_date", "name")
        self.fields["compare"].widget.choices = [
            ("", self.fields["compare"].empty_label),
            *((each.pk, str(each)) for each in earlier),
        ]

    def clean_compare(self):
        compare = self.cleaned_data["compare"]
        if compare is not None and not self.meeting.is_after(compare):
            raise forms.ValidationError(
                _("Choose a meeting held before this one."), code="not_earlier"
            )
        return compare

    def clean_cutoff(self):
        cutoff = self.cleaned_data["cutoff"]
        if cutoff > self.today:
            raise forms.ValidationError(_("The cut-off cannot be in the future."), code="future")
        return cutoff

    def terms(self):
        """``(comparison, cutoff)``: the valid choice, or the suggested one when unbound."""
        if not self.is_bound:
            return self.initial["compare"], self.initial["cutoff"]
        return self.cleaned_data["compare"], self.cleaned_data["cutoff"]

    def query(self):
        """The choice as a query string, for the PDF's link."""
        return terms_query(*self.terms())


def terms_query(comparison, cutoff):
    """A brief's terms as a query string (the PDF's link, the PDF job's record)."""
    return urlencode({"compare": comparison.pk if comparison else "", "cutoff": cutoff.isoformat()})


def terms_of(meeting, query):
    """The terms ``terms_query`` wrote, read back with the brief's form: ``(comparison,
    cutoff)``; the suggested ones when the query is empty or no longer valid."""
    form = BriefForm(meeting, QueryDict(query) if query else {})
    if form.is_bound and form.is_valid():
        return form.terms()
    return BriefForm(meeting, {}).terms()


def _refuse_fetch(url, timeout=10, ssl_context=None, http_headers=None):
    # The PDF is built from our own template and stylesheet only: never fetch a resource
    # named in user text.
    raise ValueError(f"Resource fetching is disabled: {url[:80]}")


def pdf_html(request, brief):
    """The HTML WeasyPrint draws: the brief's body, each narrative shortened for print, the
    handling marking in every page's header and footer (brief.css)."""
    context = {"brief": brief, "print": True}
    if request is None:  # drawn by a background job: no context processors
        context["handling_marking"] = handling.current_marking()
    return render_to_string(PDF_TEMPLATE, context, request=request)


def render_pdf(request, brief):
    """The brief as PDF bytes, rendered on the server by WeasyPrint."""
    from weasyprint import CSS, HTML  # noqa: PLC0415 - heavy import, only for the PDF job

    # Our own stylesheet goes to WeasyPrint as a stylesheet, not through the template
    # (where escaping would break its quoted rules): no user data can reach it.
    stylesheet = CSS(string=Path(finders.find(PDF_STYLESHEET)).read_text(encoding="utf-8"))
    html = HTML(string=pdf_html(request, brief), url_fetcher=_refuse_fetch)
    # Tagged (a structure tree of headings, lists and tables a screen reader follows)
    # and PDF/UA-1's metadata; the document's language comes from <html lang>.
    return html.write_pdf(stylesheets=[stylesheet], pdf_variant=PDF_VARIANT)


@functools.cache
def _layout_digest():
    """A digest of what shapes the PDF besides the data (templates, stylesheet, this code,
    the catalogues): a deployment that changes any of them draws every brief afresh."""
    names = [
        get_template(name).origin.name
        for name in (
            PDF_TEMPLATE,
            "includes/brief_body.html",
            "includes/status.html",
            "includes/brief_figures.html",
            "includes/indicator_table.html",
            "includes/brief_assessment.html",
            "includes/compliance.html",
            "includes/compliance_figures.html",
            "includes/rating.html",
        )
    ]
    names += [finders.find(PDF_STYLESHEET), __file__]
    names += sorted(str(path) for path in Path(__file__).parent.glob("locale/*/LC_MESSAGES/*.mo"))
    digest = hashlib.sha256()
    for name in names:
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:16]


def pdf_cache_key(request, meeting, comparison, cutoff):
    """Names one drawing of the meeting's brief: it changes whenever what the brief shows
    may have changed (the data stamps PostgreSQL moves on every write to published updates
    and reference data, meeting snapshots and the handling marking included), with the
    language, the comparison meeting and the cut-off."""
    stamps = fragments.stamps(request)
    return ":".join(
        str(part)
        for part in (
            "brief-pdf",
            _layout_digest(),
            meeting.pk,
            get_language(),
            comparison.pk if comparison else "-",
            cutoff.isoformat(),
            stamps["reference"],
            stamps["record"],
        )
    )


def cached_pdf(key):
    return caches[PDF_CACHE].get(key)


def keep_pdf(key, document):
    caches[PDF_CACHE].set(key, document, PDF_CACHE_SECONDS)
