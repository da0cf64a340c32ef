"""Reference data: countries, meetings, objective sets, objectives and reporting periods,
in English with Spanish and French versions."""

import datetime
import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


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
        return {"es": spanish, "fr": french}.get(_active_language()) or english

    @staticmethod
    def in_active_language_expression(field):
        """``in_active_language`` as an expression the database evaluates, for a query
        reading plain values (the exports): ``field`` (a lookup, such as
        "objective__title") in the active language, English where that is empty."""
        language = _active_language()
        if language not in ("es", "fr"):
            return F(field)
        return Coalesce(NullIf(F(f"{field}_{language}"), Value("")), F(field))


def _active_language():
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


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
    languages = ArrayField(
        models.CharField(max_length=8, choices=settings.LANGUAGES),
        verbose_name=_("languages its officials write in"),
        default=list,
        blank=True,
        help_text=_(
            "Of the site's languages, those the country's reports are written in, the usual "
            "one first: a new update's narrative starts in the official's own language when "
            "it is one of these, otherwise in the first."
        ),
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

    def writing_language(self, preferred):
        """The language a new narrative of this country starts in: ``preferred`` (the
        official's own) when the country writes in it, else the country's usual one (for
        Mexico, Spanish whatever the pages are shown in), else ``preferred``."""
        preferred = (preferred or settings.LANGUAGE_CODE)[:2]
        if not self.languages or preferred in self.languages:
            return preferred
        return self.languages[0]

    @property
    def local_name(self):
        return self.localized("name")


class MeetingQuerySet(models.QuerySet):
    def earlier_than(self, meeting):
        """The meetings held before ``meeting`` (with known dates); for a meeting whose
        dates are still to be confirmed, every dated meeting."""
        dated = self.filter(start_date__isnull=False).exclude(pk=meeting.pk)
        if meeting.start_date is None:
            return dated
        return dated.filter(start_date__lt=meeting.start_date)

    def default_comparison_for(self, meeting):
        """The brief's suggested comparison: the last plenary dialogue before ``meeting``."""
        return (
            self.earlier_than(meeting)
            .filter(kind=Meeting.Kind.PLENARY)
            .order_by("-start_date", "-pk")
            .first()
        )


class Meeting(Translated, models.Model):
    """A meeting of the dialogue: a plenary round (the NADD itself), a senior officials'
    meeting, a working group or a summit; its dates may be still to be confirmed."""

    class Kind(models.TextChoices):
        PLENARY = "plenary", _("Plenary dialogue")
        SENIOR_OFFICIALS = "senior_officials", _("Senior officials' meeting")
        WORKING_GROUP = "working_group", _("Working group")
        SUMMIT = "summit", _("Summit")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    ordinal = models.PositiveSmallIntegerField(
        _("ordinal"), null=True, blank=True, help_text=_("8 for the 8th NADD; empty otherwise.")
    )
    name = models.CharField(_("name"), max_length=200)
    name_es = models.CharField(_("name in Spanish"), max_length=200, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)

    class DatePrecision(models.TextChoices):
        DAY = "day", _("Exact dates")
        MONTH = "month", _("Month only")
        TO_BE_CONFIRMED = "tbc", _("To be confirmed")

    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_(
            "Month only when the public record gives just the month; to be confirmed when "
            "the dates are not fixed yet (the dates may then be empty, or tentative)."
        ),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    place_es = models.CharField(_("place in Spanish"), max_length=200, blank=True)
    place_fr = models.CharField(_("place in French"), max_length=200, blank=True)
    host = models.ForeignKey(
        Country,
        verbose_name=_("host country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings_hosted",
    )
    participants = models.ManyToManyField(
        Country, verbose_name=_("participating countries"), related_name="meetings", blank=True
    )
    summary = models.TextField(_("summary"), blank=True, max_length=5000)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = [F("start_date").desc(nulls_first=True), "name"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True, end_date__isnull=True)
                | Q(start_date__isnull=False, end_date__isnull=False),
                name="meeting_dates_together",
            ),
            models.CheckConstraint(
                condition=Q(date_precision="tbc") | Q(start_date__isnull=False),
                name="meeting_dated_unless_tbc",
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=["day", "month", "tbc"]),
                name="meeting_date_precision_valid",
            ),
            models.UniqueConstraint(fields=["kind", "ordinal"], name="meeting_kind_ordinal_unique"),
        ]

    def __str__(self):
        return self.local_name

    def get_absolute_url(self):
        return reverse("meeting_detail", args=[self.pk])

    def clean(self):
        if (self.start_date is None) != (self.end_date is None):
            raise ValidationError(
                {"end_date": _("Give both dates, or neither while they are to be confirmed.")}
            )
        if self.start_date is None and self.date_precision != self.DatePrecision.TO_BE_CONFIRMED:
            raise ValidationError(
                {"start_date": _("Give the dates, or mark them as to be confirmed.")}
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("A meeting cannot end before it starts.")})

    @property
    def local_name(self):
        return self.localized("name")

    @property
    def local_place(self):
        return self.localized("place")

    @property
    def dates_to_be_confirmed(self):
        return self.date_precision == self.DatePrecision.TO_BE_CONFIRMED

    def is_after(self, other):
        """Whether ``other`` was held before this meeting (``earlier_than`` for one row)."""
        if other.pk == self.pk or other.start_date is None:
            return False
        return self.start_date is None or other.start_date < self.start_date


class ObjectiveSetQuerySet(models.QuerySet):
    def newest_active(self):
        """Sets with active objectives, newest first."""
        return self.filter(objectives__is_active=True).order_by("-year")

    def open(self):
        """Sets open for reporting and review: those with active objectives (an admin
        retires a set's objectives once its last period is closed), newest first."""
        return self.filter(
            Exists(Objective.objects.filter(objective_set=OuterRef("pk"), is_active=True))
        ).order_by("-year")

    def current(self):
        """The set the dashboard opens on: the one a coordinator or admin chose
        (``opens_dashboard``); while none is chosen, the newest open set. Adding a set
        never moves it by itself. None when there is no set."""
        chosen = self.filter(opens_dashboard=True).select_related("adopted_at").first()
        return chosen or self.open().select_related("adopted_at").first()

    def for_year(self, year):
        """The set of ``year`` (any text from a URL), or None."""
        try:
            year = int(year)
        except (TypeError, ValueError):
            return None
        if not 1 <= year <= 32767:
            return None
        return self.select_related("adopted_at").filter(year=year).first()


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
    opens_dashboard = models.BooleanField(
        _("dashboard opens on it"),
        default=False,
        editable=False,
        help_text=_(
            "The set every page shows unless the reader picks another year. Moved with the "
            'admin action "Open the dashboard on this set"; adding a set does not move it.'
        ),
    )

    objects = ObjectiveSetQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("objective set")
        verbose_name_plural = _("objective sets")
        constraints = [
            models.UniqueConstraint(
                fields=["opens_dashboard"],
                condition=Q(opens_dashboard=True),
                name="one_set_opens_dashboard",
            ),
        ]

    def __str__(self):
        return _("Objectives for %(year)s") % {"year": self.year}


class Objective(Translated, models.Model):
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
    area = models.ForeignKey(
        "PriorityArea",
        verbose_name=_("priority area"),
        on_delete=models.PROTECT,
        related_name="objectives",
        null=True,
        blank=True,
        help_text=_("One of the priority areas of the objective's set."),
    )
    partners = models.ManyToManyField(
        Country,
        verbose_name=_("partner countries"),
        related_name="partner_objectives",
        blank=True,
        limit_choices_to={"membership": "partner"},
        help_text=_(
            "Partner countries named on this objective: they may contribute to it, and to "
            "no other objective."
        ),
    )
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

    def clean(self):
        if (
            self.area_id
            and self.objective_set_id
            and self.area.objective_set_id != self.objective_set_id
        ):
            raise ValidationError({"area": _("Choose a priority area of the objective's own set.")})

    @property
    def text_is_unofficial_translation(self):
        """True when the text shown is a translation not yet confirmed as official."""
        return not self.translations_official and self.local_text != self.text


class PriorityArea(Translated, models.Model):
    """One of the priority areas a dialogue adopts with a set ("Synthetic drugs"), under
    which the set's objectives are grouped."""

    objective_set = models.ForeignKey(
        ObjectiveSet,
        verbose_name=_("objective set"),
        on_delete=models.CASCADE,
        related_name="areas",
    )
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("Its order in the set."))
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=120, blank=True)

    class Meta:
        ordering = ["objective_set__year", "number"]
        verbose_name = _("priority area")
        verbose_name_plural = _("priority areas")
        constraints = [
            models.UniqueConstraint(
                fields=["objective_set", "number"], name="area_number_unique_in_set"
            ),
            models.UniqueConstraint(
                fields=["objective_set", "name"], name="area_name_unique_in_set"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="area_number_positive"),
        ]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self):
        return self.localized("name")


class ObjectiveLink(models.Model):
    """That an objective continues (replaces, splits from, merges) an objective of an
    earlier set: the record that runs across years."""

    class Kind(models.TextChoices):
        CONTINUES = "continues", _("continues")
        REPLACES = "replaces", _("replaces")
        SPLITS_FROM = "splits_from", _("splits from")
        MERGES = "merges", _("merges")

    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        on_delete=models.CASCADE,
        related_name="links_to_earlier",
    )
    earlier = models.ForeignKey(
        Objective,
        verbose_name=_("earlier objective"),
        on_delete=models.PROTECT,
        related_name="links_to_later",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CONTINUES)

    class Meta:
        ordering = ["objective", "earlier__objective_set__year", "earlier__number"]
        verbose_name = _("link to an earlier objective")
        verbose_name_plural = _("links to earlier objectives")
        constraints = [
            models.UniqueConstraint(fields=["objective", "earlier"], name="objective_link_unique"),
            models.CheckConstraint(
                condition=~Q(objective=F("earlier")), name="objective_link_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["continues", "replaces", "splits_from", "merges"]),
                name="objective_link_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.objective} {self.get_kind_display()} {self.earlier_reference}"

    @property
    def earlier_reference(self):
        return f"{self.earlier.objective_set.year}/{self.earlier.number}"

    def clean(self):
        # A link always points to a strictly earlier year, so no chain of links can
        # come back to where it started: no cycles, without walking the chain.
        # Read through the relations: a new objective's links are checked before it has
        # an id (the admin's rows), with the objective and its set already chosen.
        objective = (
            getattr(self, "objective", None) if self.objective_id is None else self.objective
        )
        earlier = self.earlier if self.earlier_id else None
        if objective is not None and objective.objective_set_id and earlier is not None:
            later_year = objective.objective_set.year
            earlier_year = earlier.objective_set.year
            if earlier_year >= later_year:
                raise ValidationError(
                    {
                        "earlier": _(
                            "An objective can only continue an objective of an earlier "
                            "year's set (this one is of %(year)s)."
                        )
                        % {"year": earlier_year}
                    }
                )


PERIOD_NAME = re.compile(r"(?P<year>[0-9]{4}) (?P<kind>[QH])(?P<number>[1-4])")


def period_label(name):
    """A period's name in the reader's language: "2024 Q4" is "T4 2024" in Spanish and
    French, "2024 H1" is "S1 2024"; a name of another shape is shown as it was given."""
    match = PERIOD_NAME.fullmatch(name)
    if match is None or (match["kind"] == "H" and match["number"] not in "12"):
        return name
    values = {"year": match["year"], "number": match["number"]}
    if match["kind"] == "Q":
        return _("%(year)s Q%(number)s") % values
    return _("%(year)s H%(number)s") % values


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
    class Kind(models.TextChoices):
        """What a period is, from its dates: whole calendar months, by their number."""

        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        HALF_YEAR = "half_year", _("half-year")
        YEAR = "year", _("year")

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
        # A set's periods, latest first: the matrix walks them to find each cell's
        # latest reported period (matrix.PUBLISHED_MATRIX_SQL).
        indexes = [
            models.Index(
                "objective_set", F("starts_on").desc(), F("id").desc(), name="period_set_latest"
            ),
        ]
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
        return self.local_name

    @property
    def local_name(self):
        return period_label(self.name)

    @property
    def kind(self):
        """``Kind`` when the period is 1, 3, 6 or 12 whole calendar months (the first of a
        month to the last day of another); None otherwise."""
        if not (self.starts_on and self.ends_on) or self.starts_on.day != 1:
            return None
        if (self.ends_on + datetime.timedelta(days=1)).day != 1:
            return None
        months = (self.ends_on.year - self.starts_on.year) * 12
        months += self.ends_on.month - self.starts_on.month + 1
        return {1: self.Kind.MONTH, 3: self.Kind.QUARTER, 6: self.Kind.HALF_YEAR}.get(
            months, self.Kind.YEAR if months == 12 else None
        )

    @classmethod
    def kind_of(cls, periods):
        """The ``kind`` all of ``periods`` share, or None (none, or of several kinds)."""
        kinds = {period.kind for period in periods}
        return kinds.pop() if len(kinds) == 1 else None

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A period cannot end before it starts.")})
        if self.starts_on and self.deadline and self.deadline < self.starts_on:
            raise ValidationError({"deadline": _("The deadline cannot precede the period.")})
