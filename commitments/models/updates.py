"""Progress updates, the record of each country, and the discussions about them."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.models.reference import Country, Objective, ReportingPeriod

NARRATIVE_MAX_LENGTH = 10_000


COMMENT_MAX_LENGTH = 5_000


MAX_EVIDENCE_LINKS = 10


SOURCE_REFERENCE_MAX_LENGTH = 200


# A reader's scope that takes in every country's unpublished updates (the value of
# ``policy.unpublished_scope`` for coordinators and administrators).
ALL_COUNTRIES = "all"


class ProgressUpdateQuerySet(models.QuerySet):
    def published(self):
        """The updates every signed-in user may read: the record of each country."""
        return self.filter(state=ProgressUpdate.State.PUBLISHED)

    def reported(self):
        """Updates handed in for a period: submitted for review or already published."""
        return self.filter(
            state__in=[ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.PUBLISHED]
        )

    def demo(self):
        """Updates written by the demo command (``load_demo``): fictional text."""
        return self.filter(is_demo=True)

    def entered_on_behalf(self):
        """Reports a coordinator entered for a country that sent them by note or e-mail."""
        return self.filter(entered_on_behalf=True)

    def start_from(self, *, objective, country, period):
        """The report an official may start ``period``'s from: the newest update of the
        same objective and country in the period just before it (published ones first,
        then the country's own drafts and submissions; never a withdrawn one), or None."""
        previous = (
            ReportingPeriod.objects.filter(
                objective_set_id=period.objective_set_id, starts_on__lt=period.starts_on
            )
            .order_by("-starts_on")
            .values("pk")[:1]
        )
        return (
            self.filter(objective=objective, country=country, period__in=Subquery(previous))
            .exclude(state=ProgressUpdate.State.WITHDRAWN)
            .select_related("period")
            .order_by(
                models.Case(models.When(state=ProgressUpdate.State.PUBLISHED, then=0), default=1),
                "-created_at",
                "-id",
            )
            .first()
        )

    def review_queue(self):
        """Submitted updates awaiting a coordinator, oldest submission first."""
        return self.filter(state=ProgressUpdate.State.SUBMITTED).order_by("submitted_at", "id")

    def marking_resubmissions(self):
        """Each update with ``was_returned``: whether a coordinator returned it before (a
        resubmission after a return, which the review queue marks)."""
        return self.annotate(
            was_returned=Exists(
                Comment.objects.filter(update=OuterRef("pk"), kind=Comment.Kind.RETURN_REASON)
            )
        )

    def returned_first(self):
        """Returned updates before drafts, each newest edit first: what an official's
        country needs to act on (``policy.editable_updates``), in the order of the
        upd_needing_action index."""
        # Of the two states, "returned" sorts after "draft": descending puts it first.
        return self.order_by("-state", "-updated_at")

    def newest_first(self):
        """Newest first, with a tie-break so pages never shuffle."""
        return self.order_by("-created_at", "-id")

    def last_changed_first(self):
        """The latest change first (an edit, a submission, a review: ``updated_at``), as
        the dashboard's recent activity shows it; along the upd_last_changed index."""
        return self.order_by("-updated_at", "-id")

    def last_published_first(self):
        """Published updates, the latest publication first; along upd_cty_published."""
        return self.published().order_by("-published_at", "-id")

    def latest_period_first(self):
        """The latest reporting period first, and within a period the newest report: the
        first row of a cell is its status (a correction filed later for an earlier period
        changes that period only). matrix.PUBLISHED_MATRIX_SQL follows the same order."""
        return self.order_by("-period__starts_on", "-period_id", "-created_at", "-id")

    def matrix(self, objectives, countries, period=None, reported=None):
        """Each objective's row of cells, one per country: ``(country, latest, reported)``.

        ``latest`` is the cell's update of its latest reporting period in this queryset
        (``latest_period_first``; None if it has none) and ``reported``
        whether the cell has an update of ``reported`` (default: this queryset) in
        ``period``. Two queries whatever the history: one subquery per cell for the id
        (the reference that matrix.published and snapshots.latest_published are tested
        against), then the updates themselves.
        """
        reported = self if reported is None else reported
        annotations = {}
        for country in countries:
            cell = self.filter(objective=OuterRef("pk"), country=country)
            annotations[f"latest_{country.pk}"] = Subquery(
                cell.latest_period_first().values("pk")[:1]
            )
            if period is not None:
                annotations[f"reported_{country.pk}"] = Exists(
                    reported.filter(objective=OuterRef("pk"), country=country, period=period)
                )
        objectives = list(objectives.annotate(**annotations)) if annotations else []
        ids = {
            getattr(objective, f"latest_{country.pk}")
            for objective in objectives
            for country in countries
        } - {None}
        updates = self.filter(pk__in=ids).select_related("author", "period").order_by().in_bulk()
        return [
            (
                objective,
                [
                    (
                        country,
                        updates.get(getattr(objective, f"latest_{country.pk}")),
                        getattr(objective, f"reported_{country.pk}", False),
                    )
                    for country in countries
                ],
            )
            for objective in objectives
        ]


def _choice_label(choices, value):
    """The label of ``value`` in a TextChoices enum (the value itself if unknown)."""
    try:
        return choices(value).label
    except ValueError:
        return value


def provenance(source_kind, source_reference, source_date):
    """The sentence that says where a report entered on the country's behalf came from,
    in the active language (``ProgressUpdate.provenance``; the exports call it with the
    plain values they read)."""
    source = {
        ProgressUpdate.SourceKind.DIPLOMATIC_NOTE: gettext(
            "Entered by the coordinators from a diplomatic note (%(reference)s, %(date)s)"
        ),
        ProgressUpdate.SourceKind.EMAIL: gettext(
            "Entered by the coordinators from an e-mail (%(reference)s, %(date)s)"
        ),
    }.get(
        source_kind,
        gettext("Entered by the coordinators from a written source (%(reference)s, %(date)s)"),
    )
    date = formats.date_format(source_date, "DATE_FORMAT") if source_date else ""
    return source % {"reference": source_reference, "date": date}


class ProgressUpdateManager(models.Manager.from_queryset(ProgressUpdateQuerySet)):
    def get_queryset(self):
        # The search vector is for the database's GIN index only: reading it back costs
        # more than the rest of a row (it is the whole narrative, parsed and positioned).
        return super().get_queryset().defer("search")


class ProgressUpdate(models.Model):
    """One country's account of its progress on one objective in one reporting period."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        PUBLISHED = "published", _("Published")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    class SourceKind(models.TextChoices):
        """How a country sent a report a coordinator entered on its behalf."""

        DIPLOMATIC_NOTE = "diplomatic_note", _("Diplomatic note")
        EMAIL = "email", _("E-mail")
        OTHER = "other", _("Other written source")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")
        COMPLETED = "completed", _("Completed")

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.PROTECT, related_name="updates"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="updates"
    )
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        related_name="updates",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status)
    narrative = models.TextField(_("narrative"), max_length=NARRATIVE_MAX_LENGTH)
    language = models.CharField(
        _("language of the narrative"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Narratives are shown in the language they were written in."),
    )
    evidence_links = ArrayField(
        models.URLField(max_length=500),
        verbose_name=_("evidence links"),
        size=MAX_EVIDENCE_LINKS,
        default=list,
        blank=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="progress_updates",
    )
    state = models.CharField(
        _("review state"), max_length=20, choices=State, default=State.DRAFT, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last edited"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    # When it was first handed in (submitted_at moves with each new submission after a
    # return): what timeliness compares with the period's deadline.
    first_submitted_at = models.DateTimeField(
        _("first submitted"), null=True, blank=True, editable=False
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_updates",
        editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # A report the country sent formally (a diplomatic note, an e-mail) and a coordinator
    # entered for it: ``author`` is then the coordinator who entered it. Set only by
    # services.enter_update_on_behalf, never from a form an official posts.
    entered_on_behalf = models.BooleanField(
        _("entered by the coordinators on the country's behalf"),
        default=False,
        db_default=False,
        editable=False,
    )
    source_kind = models.CharField(
        _("received as"),
        max_length=20,
        choices=SourceKind,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=SOURCE_REFERENCE_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text=_("The note's number, or the e-mail's sender and subject."),
    )
    source_date = models.DateField(_("source date"), null=True, blank=True, editable=False)
    # Written by the demo command: fictional text, marked as such wherever it shows.
    # Database defaults too: bulk loads that name their columns (generate_load_data's COPY)
    # leave these out.
    is_demo = models.BooleanField(
        _("fictional demo content"), default=False, db_default=False, editable=False
    )
    # The token of the form that created this update: a form posted twice creates one row.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    search = models.GeneratedField(
        expression=SearchVector("narrative", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ProgressUpdateManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [
            models.Index(
                "objective",
                "country",
                F("created_at").desc(),
                F("id").desc(),
                name="upd_cell_latest",
            ),
            # The included columns are what the lists filter on besides the index's own
            # (who may read it, its status): counting a filtered list's first thousand
            # matches then reads the index alone (9 ms -> 0.7 ms at a million updates).
            models.Index(
                "objective",
                F("created_at").desc(),
                F("id").desc(),
                name="upd_obj_latest",
                include=["state", "country"],
            ),
            models.Index(
                "country",
                F("created_at").desc(),
                F("id").desc(),
                name="upd_cty_latest",
                include=["status", "state"],
            ),
            # Each country's latest publication (the country list); drafts, the bulk of
            # the writes, are not in it.
            models.Index(
                "country",
                F("published_at").desc(),
                F("id").desc(),
                name="upd_cty_published",
                condition=Q(state="published"),
            ),
            # The dashboard's recent activity: the latest changes the reader may see.
            models.Index(
                F("updated_at").desc(),
                F("id").desc(),
                name="upd_last_changed",
                include=["state", "country"],
            ),
            models.Index(
                "author", F("created_at").desc(), F("id").desc(), name="upd_author_newest"
            ),
            # The updates list's filters, each with the newest-first order.
            models.Index("state", F("created_at").desc(), F("id").desc(), name="upd_state_latest"),
            models.Index(
                "period", F("created_at").desc(), F("id").desc(), name="upd_period_latest"
            ),
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                name="upd_latest",
                include=["state", "country", "status"],
            ),
            models.Index(
                "period",
                "objective",
                "country",
                F("created_at").desc(),
                F("id").desc(),
                name="upd_period_cell_latest",
            ),
            # Each cell's published updates in a period, newest first, with when each was
            # published: a cell's status as of a brief's cut-off or the meeting it
            # compares with (snapshots.LATEST_PUBLISHED_SQL) skips, in the index, what was
            # published after it, and drafts are not in it.
            models.Index(
                "period",
                "objective",
                "country",
                F("created_at").desc(),
                F("id").desc(),
                name="upd_period_cell_published",
                include=["published_at"],
                condition=Q(state="published"),
            ),
            # Each cell's first hand-in in a period (timeliness.py): one probe per cell.
            models.Index(
                "period",
                "objective",
                "country",
                "first_submitted_at",
                name="upd_period_cell_first_in",
                condition=Q(first_submitted_at__isnull=False),
            ),
            GinIndex(fields=["search"], name="upd_search"),
            models.Index(
                "submitted_at",
                "id",
                name="upd_review_queue",
                condition=Q(state="submitted"),
            ),
            # An official's drafts and returned updates: a few rows among a country's history.
            models.Index(
                "country",
                F("state").desc(),
                F("updated_at").desc(),
                name="upd_needing_action",
                condition=Q(state__in=["draft", "returned"]),
            ),
            # The same, one per cell: a country may hold many drafts, and its pages show
            # the one to act on in each (matrix.drafts_by_cell), read in this order.
            models.Index(
                "country",
                "objective",
                "period",
                F("state").desc(),
                F("updated_at").desc(),
                name="upd_needing_action_cell",
                condition=Q(state__in=["draft", "returned"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["not_started", "on_track", "at_risk", "off_track", "completed"]
                ),
                name="update_status_valid",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("narrative"), NARRATIVE_MAX_LENGTH),
                name="update_narrative_max_length",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="update_version_positive"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "published", "returned", "withdrawn"]),
                name="update_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="update_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="submitted") | Q(submitted_at__isnull=False),
                name="update_submitted_has_date",
            ),
            # A report entered on a country's behalf names its source; any other has none.
            models.CheckConstraint(
                condition=(
                    Q(
                        entered_on_behalf=True,
                        source_kind__in=["diplomatic_note", "email", "other"],
                        source_date__isnull=False,
                    )
                    & ~Q(source_reference="")
                )
                | Q(
                    entered_on_behalf=False,
                    source_kind="",
                    source_reference="",
                    source_date__isnull=True,
                ),
                name="update_on_behalf_has_source",
            ),
        ]

    def __str__(self):
        return f"{self.objective.title} · {self.country} · {self.period}"

    def get_absolute_url(self):
        return reverse("update_detail", args=[self.pk])

    # Django's generated get_FOO_display() normalises and hashes the field's choices on
    # every call; lists and the dashboard call these dozens of times per page.
    def get_status_display(self):
        return _choice_label(self.Status, self.status)

    def get_state_display(self):
        return _choice_label(self.State, self.state)

    @property
    def provenance(self):
        """For a report entered on the country's behalf, the sentence every page showing
        it says, in the active language ("Entered by the coordinators from a diplomatic
        note (No. 117, 3 March 2025)"); empty for one the country's officials wrote."""
        if not self.entered_on_behalf:
            return ""
        return provenance(self.source_kind, self.source_reference, self.source_date)

    def clean(self):
        if (
            self.objective_id
            and self.period_id
            and self.period.objective_set_id != self.objective.objective_set_id
        ):
            raise ValidationError(
                {"period": _("Choose a reporting period of this objective's year.")}
            )


class Comment(models.Model):
    """A message in an update's discussion between its country's officials and coordinators."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        RETURN_REASON = "return_reason", _("Reason for returning")

    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("progress update"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="update_comments",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.COMMENT)
    body = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index("update", "created_at", "id", name="comment_thread"),
            # Whether an update was returned before (the review queue marks
            # resubmissions, ProgressUpdateQuerySet.marking_resubmissions): probed per
            # row of the page; without it the planner hashed every return reason.
            models.Index(
                "update", name="comment_return_reasons", condition=Q(kind="return_reason")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), COMMENT_MAX_LENGTH)
                & GreaterThan(Length("body"), 0),
                name="comment_body_length",
            ),
        ]

    def __str__(self):
        return _("Comment by %(author)s on %(update)s") % {
            "author": self.author,
            "update": self.update_id,
        }
