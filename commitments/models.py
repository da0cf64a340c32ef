"""The nouns of the dialogue: countries, meetings, objectives, periods and progress updates."""

import hashlib
import secrets
from contextlib import contextmanager

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

NARRATIVE_MAX_LENGTH = 10_000
COMMENT_MAX_LENGTH = 5_000
MAX_EVIDENCE_LINKS = 10


class Translated:
    """Reference data in English with Spanish and French versions (``<field>_es``,
    ``<field>_fr``); ``localized`` picks the active language's, falling back to English."""

    def localized(self, field):
        return self.in_active_language(
            getattr(self, field), getattr(self, f"{field}_es"), getattr(self, f"{field}_fr")
        )

    @staticmethod
    def in_active_language(english, spanish, french):
        """The active language's version of a text, English when it has none (also for
        rows read as plain values, such as the filters' option lists)."""
        language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        return {"es": spanish, "fr": french}.get(language) or english


class CountryQuerySet(models.QuerySet):
    def members(self):
        """The countries whose officials report progress (not invited partners)."""
        return self.filter(membership=Country.Membership.MEMBER)


class Country(Translated, models.Model):
    class Membership(models.TextChoices):
        MEMBER = "member", _("Member")
        PARTNER = "partner", _("Partner")

    code = models.CharField(
        _("ISO code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO code in capitals."))],
        help_text=_("ISO 3166-1 alpha-2, for example MX."),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=100, blank=True)
    membership = models.CharField(
        _("membership"), max_length=10, choices=Membership, default=Membership.MEMBER
    )

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["membership", "name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso"),
            models.CheckConstraint(
                condition=Q(membership__in=["member", "partner"]), name="country_membership_valid"
            ),
        ]

    def __str__(self):
        return self.local_name

    def get_absolute_url(self):
        return reverse("country_detail", args=[self.code.lower()])

    @property
    def local_name(self):
        return self.localized("name")


class Meeting(Translated, models.Model):
    class Kind(models.TextChoices):
        DIALOGUE = "nadd", _("North American Drug Dialogue")
        HEALTH_SUMMIT = "health_summit", _("NADD Public Health Summit")
        LEADERS_SUMMIT = "leaders_summit", _("North American Leaders' Summit")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    ordinal = models.PositiveSmallIntegerField(
        _("ordinal"), null=True, blank=True, help_text=_("7 for the 7th NADD; empty otherwise.")
    )
    name = models.CharField(_("name"), max_length=200)
    name_es = models.CharField(_("name in Spanish"), max_length=200, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)

    class DatePrecision(models.TextChoices):
        DAY = "day", _("Exact dates")
        MONTH = "month", _("Month only")

    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    date_precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_("Month only when the public record gives just the month."),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    place_es = models.CharField(_("place in Spanish"), max_length=200, blank=True)
    place_fr = models.CharField(_("place in French"), max_length=200, blank=True)
    participants = models.ManyToManyField(
        Country, verbose_name=_("participating countries"), related_name="meetings", blank=True
    )
    summary = models.TextField(_("summary"), blank=True, max_length=5000)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="meeting_ends_after_start"
            ),
            models.UniqueConstraint(fields=["kind", "ordinal"], name="meeting_kind_ordinal_unique"),
        ]

    def __str__(self):
        return self.local_name

    def get_absolute_url(self):
        return reverse("meeting_detail", args=[self.pk])

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("A meeting cannot end before it starts.")})

    @property
    def local_name(self):
        return self.localized("name")

    @property
    def local_place(self):
        return self.localized("place")


class ObjectiveSetQuerySet(models.QuerySet):
    def newest_active(self):
        """Sets with active objectives, newest first."""
        return self.filter(objectives__is_active=True).order_by("-year")

    def current(self):
        """The newest set that still has active objectives, or None."""
        return self.newest_active().select_related("adopted_at").first()


class ObjectiveSet(models.Model):
    """The objectives adopted at one dialogue for one year, reviewed at the next."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    adopted_at = models.ForeignKey(
        Meeting,
        verbose_name=_("adopted at"),
        on_delete=models.PROTECT,
        related_name="objective_sets_adopted",
    )
    reviewed_at = models.ForeignKey(
        Meeting,
        verbose_name=_("reviewed at"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objective_sets_reviewed",
    )

    objects = ObjectiveSetQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("objective set")
        verbose_name_plural = _("objective sets")

    def __str__(self):
        return _("Objectives for %(year)s") % {"year": self.year}


class Objective(Translated, models.Model):
    class Theme(models.TextChoices):
        SYNTHETIC_DRUGS = "synthetic_drugs", _("Current and emerging synthetic drugs")
        PUBLIC_HEALTH = "public_health", _("Drug demand and public health")
        TRAFFICKING = "trafficking", _("Modes and methods of drug trafficking")
        ILLICIT_FINANCE = "illicit_finance", _("Illicit finance")
        FIREARMS = "firearms", _("Firearms and drug trafficking")
        PARTNERSHIPS = "partnerships", _("International partnerships")

    objective_set = models.ForeignKey(
        ObjectiveSet,
        verbose_name=_("objective set"),
        on_delete=models.PROTECT,
        related_name="objectives",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("short title"), max_length=120)
    title_es = models.CharField(_("short title in Spanish"), max_length=120, blank=True)
    title_fr = models.CharField(_("short title in French"), max_length=120, blank=True)
    text = models.TextField(_("full text"), max_length=2000)
    text_es = models.TextField(_("full text in Spanish"), max_length=2000, blank=True)
    text_fr = models.TextField(_("full text in French"), max_length=2000, blank=True)
    translations_official = models.BooleanField(
        _("official translations"),
        default=False,
        help_text=_(
            "Tick when the Spanish and French texts are the governments' official versions; "
            "until then pages mark them as unofficial translations."
        ),
    )
    theme = models.CharField(_("theme"), max_length=30, choices=Theme)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired objectives take no new updates.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["objective_set__year", "number"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.UniqueConstraint(
                fields=["objective_set", "number"], name="objective_number_unique_in_set"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="objective_number_positive"),
        ]

    def __str__(self):
        return f"{self.number}. {self.local_title}"

    def get_absolute_url(self):
        return reverse("objective_detail", args=[self.pk])

    @property
    def local_title(self):
        return self.localized("title")

    @property
    def local_text(self):
        return self.localized("text")

    @property
    def text_is_unofficial_translation(self):
        """True when the text shown is a translation not yet confirmed as official."""
        return not self.translations_official and self.local_text != self.text


class ReportingPeriodQuerySet(models.QuerySet):
    def current_for(self, objective_set, today=None):
        """The period of the set that contains today; before the set, its first; after, its last."""
        if objective_set is None:
            return None
        today = today or timezone.localdate()
        # One query: the period containing today, else the latest past one, else the first.
        past = Q(ends_on__lt=today)
        return (
            self.filter(objective_set=objective_set)
            .annotate(
                rank=models.Case(
                    models.When(starts_on__lte=today, ends_on__gte=today, then=0),
                    models.When(past, then=1),
                    default=2,
                )
            )
            .order_by(
                "rank",
                models.Case(models.When(past, then=F("ends_on"))).desc(nulls_last=True),
                "starts_on",
            )
            .first()
        )


class ReportingPeriod(models.Model):
    objective_set = models.ForeignKey(
        ObjectiveSet,
        verbose_name=_("objective set"),
        on_delete=models.PROTECT,
        related_name="periods",
    )
    name = models.CharField(_("name"), max_length=40, help_text=_("For example 2024 Q1."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    deadline = models.DateField(_("deadline for updates"))

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(
                fields=["objective_set", "name"], name="period_name_unique_in_set"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("starts_on")), name="period_deadline_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A period cannot end before it starts.")})
        if self.starts_on and self.deadline and self.deadline < self.starts_on:
            raise ValidationError({"deadline": _("The deadline cannot precede the period.")})


class Membership(models.Model):
    """A user's role in the application, and the country an official acts for."""

    class Role(models.TextChoices):
        OFFICIAL = "official", _("Official")
        COORDINATOR = "coordinator", _("Coordinator")
        ADMIN = "admin", _("Administrator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("The country an official reports for. Empty for other roles."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_(
            "The language of the pages and e-mails this user gets. Empty: the browser's "
            "preference (and English for e-mails) until they choose one."
        ),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="official", country__isnull=False) | ~Q(role="official"))
                & (Q(role="official") | Q(country__isnull=True)),
                name="membership_country_iff_official",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["official", "coordinator", "admin"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self):
        if self.country_id:
            return f"{self.user} ({self.get_role_display()}, {self.country})"
        return f"{self.user} ({self.get_role_display()})"

    def clean(self):
        if self.role == self.Role.OFFICIAL and not self.country_id:
            raise ValidationError({"country": _("An official must act for a country.")})
        if self.role != self.Role.OFFICIAL and self.country_id:
            raise ValidationError({"country": _("Only officials act for a country.")})


def _join_order_as_written(execute, sql, params, many, context):
    # SET LOCAL in the same message as the query: PostgreSQL runs the two as one implicit
    # transaction, so the setting holds for this query only, at no extra round trip.
    # Inside a transaction it would outlast the query: there the planner searches as usual.
    if many or context["connection"].in_atomic_block:
        return execute(sql, params, many, context)
    return execute(f"SET LOCAL join_collapse_limit = 1; {sql}", params, many, context)


@contextmanager
def joins_as_written(using=DEFAULT_DB_ALIAS):
    """Run the queries of the block with their joins in the order they name them,
    without the planner's join-order search.

    A list page reads its newest updates through an index and joins each one's
    objective, set, country, period and author: with six tables PostgreSQL spends about
    2 ms choosing a join order and 0.2 ms running the query, and the order written
    (updates first) is the one it would choose. Only for queries whose filters are all
    on the update table itself: evaluate them inside the block (``list()``,
    ``in_bulk()``).
    """
    with connections[using].execute_wrapper(_join_order_as_written):
        yield


# A reader's scope that takes in every country's unpublished updates (the value of
# ``policy.unpublished_scope`` for coordinators and administrators).
ALL_COUNTRIES = "all"

# The dashboard's matrix in one statement: for each (objective, country) cell, the newest
# published update (an index probe on upd_cell_latest) and whether the reader can see an
# update handed in for the period (a probe on upd_period_cell_latest): a published one,
# or a submitted one of a country in the reader's scope (``%(all)s`` and ``%(own)s``, from
# the ``scope`` argument, which policy.unpublished_scope gives). Plain SQL because the ORM
# builds the same correlated subqueries one expression per country, and compiling them
# cost more than running them.
PUBLISHED_MATRIX_SQL = """
SELECT cell.position, latest.id, latest.status, latest.period_id, latest.period_name,
    EXISTS (SELECT 1 FROM commitments_progressupdate u
     WHERE u.period_id = %(period)s
       AND u.objective_id = cell.objective_id AND u.country_id = cell.country_id
       AND (u.state = 'published'
            OR (u.state = 'submitted' AND (%(all)s OR u.country_id = %(own)s))))
FROM unnest(%(objectives)s::bigint[], %(countries)s::bigint[])
    WITH ORDINALITY AS cell (objective_id, country_id, position)
LEFT JOIN LATERAL (
    SELECT u.id, u.status, u.period_id, p.name AS period_name
    FROM commitments_progressupdate u
    JOIN commitments_reportingperiod p ON p.id = u.period_id
    WHERE u.objective_id = cell.objective_id AND u.country_id = cell.country_id
      AND u.state = 'published'
    ORDER BY u.created_at DESC, u.id DESC LIMIT 1
) latest ON TRUE
"""


class ProgressUpdateQuerySet(models.QuerySet):
    def published(self):
        """The updates every signed-in user may read: the record of each country."""
        return self.filter(state=ProgressUpdate.State.PUBLISHED)

    def reported(self):
        """Updates handed in for a period: submitted for review or already published."""
        return self.filter(
            state__in=[ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.PUBLISHED]
        )

    def review_queue(self):
        """Submitted updates awaiting a coordinator, oldest submission first."""
        return self.filter(state=ProgressUpdate.State.SUBMITTED).order_by("submitted_at", "id")

    def returned_first(self):
        """Returned updates before drafts, each newest edit first: what an official's
        country needs to act on (``policy.editable_updates``), in the order of the
        upd_needing_action index."""
        # Of the two states, "returned" sorts after "draft": descending puts it first.
        return self.order_by("-state", "-updated_at")

    def newest_first(self):
        """Newest first, with a tie-break so pages never shuffle."""
        return self.order_by("-created_at", "-id")

    def published_matrix(self, objectives, countries, period, scope):
        """``published().matrix(objectives, countries, period, reported=readable.reported())``
        in one query that costs no more to build than to run: the dashboard's and the
        country page's matrix, for a reader whose ``policy.unpublished_scope`` is
        ``scope`` (``ALL_COUNTRIES``, one country's id, or None: nothing counts as
        reported) and whose readable updates are ``readable``. Each cell's update holds
        its status and period; its other fields load if asked for. ``matrix`` stays the
        reference (tests compare the two) and serves the briefs' dates in the past."""
        objectives = list(objectives)
        params = {  # one entry per cell, row by row
            "objectives": [objective.pk for objective in objectives for _ in countries],
            "countries": [country.pk for _ in objectives for country in countries],
            "period": period.pk if period else None,
            "all": scope is ALL_COUNTRIES,
            "own": scope if isinstance(scope, int) else None,
        }
        with connections[self.db].cursor() as cursor:
            cursor.execute(PUBLISHED_MATRIX_SQL, params)
            # In cell order; sorted here, not in SQL, where the Sort would sit above the
            # update probes and hide them from the query-plan test.
            cells = iter(row[1:] for row in sorted(cursor.fetchall()))
        rows = []
        for objective in objectives:
            row = []
            for country, (pk, status, period_id, period_name, reported) in zip(
                countries, cells, strict=False
            ):
                latest = None
                if pk is not None:
                    latest = self._loaded(
                        id=pk,
                        objective_id=objective.pk,
                        country_id=country.pk,
                        period_id=period_id,
                        status=status,
                        state=ProgressUpdate.State.PUBLISHED,
                    )
                    latest.period = ReportingPeriod.from_db(
                        self.db, ["id", "name"], [period_id, period_name]
                    )
                row.append((country, latest, scope is not None and reported))
            rows.append((objective, row))
        return rows

    def _loaded(self, **values):
        """An update as the ORM builds it from a row holding these fields only (the
        rest deferred: read from the database if asked for)."""
        names = [f.attname for f in self.model._meta.concrete_fields if f.attname in values]
        return self.model.from_db(self.db, names, [values[name] for name in names])

    def matrix(self, objectives, countries, period=None, reported=None):
        """Each objective's row of cells, one per country: ``(country, latest, reported)``.

        ``latest`` is the cell's newest update in this queryset (or None) and ``reported``
        whether the cell has an update of ``reported`` (default: this queryset) in
        ``period``. Two queries whatever the history: one index probe per cell for the
        newest id, then the updates themselves.
        """
        reported = self if reported is None else reported
        annotations = {}
        for country in countries:
            cell = self.filter(objective=OuterRef("pk"), country=country)
            annotations[f"latest_{country.pk}"] = Subquery(cell.newest_first().values("pk")[:1])
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
            # Each country's newest published update (the country list); drafts, the bulk
            # of the writes, are not in it.
            models.Index(
                "country",
                F("created_at").desc(),
                F("id").desc(),
                name="upd_cty_published",
                condition=Q(state="published"),
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
        indexes = [models.Index("update", "created_at", "id", name="comment_thread")]
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


class ReminderLog(models.Model):
    """One reminder sent to one person on one day, so a second run sends nothing twice."""

    class Kind(models.TextChoices):
        UPDATE_DUE = "update_due", _("Updates due")
        REVIEW_DIGEST = "review_digest", _("Review queue digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    sent_on = models.DateField(_("sent on"))
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "sent_on"], name="one_reminder_per_kind_per_day"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.sent_on})"


class ApiToken(models.Model):
    """A key for the read-only JSON feed, created by an admin for one user.

    Only a hash of the key is stored; the key itself is shown once, when it is created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key):
        return hashlib.sha256(key.encode()).hexdigest()

    def issue(self):
        """Give the token a new random key; returns the key, which is never stored."""
        key = secrets.token_urlsafe(32)
        self.key_hash = self.hash(key)
        self.prefix = key[:8]
        return key


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")

    def for_object(self, obj):
        """The entries about one object, newest first."""
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        ).order_by("-created_at", "-id")


class AuditEntry(models.Model):
    """An append-only record of who did what to which object, and what changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        related_name="audit_entries",
    )
    action = models.CharField(
        _("action"), max_length=60, help_text=_("For example update.created.")
    )
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT
    )
    target_id = models.CharField(_("object id"), max_length=40)
    target_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Field: [old value, new value].")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    request_id = models.CharField(
        _("request id"),
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text=_("The X-Request-ID of the request that made the change, to match the logs."),
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index("target_type", "target_id", F("created_at").desc(), name="audit_target"),
            models.Index(F("created_at").desc(), name="audit_latest"),
        ]

    def __str__(self):
        from commitments import audit  # noqa: PLC0415 - audit.py looks the models up at run time

        return f"{self.created_at:%Y-%m-%d %H:%M} {audit.label(self.action)} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        if not self.request_id:
            from commitments import request_id  # noqa: PLC0415

            self.request_id = "" if request_id.current() == "-" else request_id.current()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")


# Security models live in their own modules; importing them here registers them.
from commitments.mfa import RecoveryCode, RecoveryCodeDevice  # noqa: E402, F401
from commitments.sessions import UserSession  # noqa: E402, F401
