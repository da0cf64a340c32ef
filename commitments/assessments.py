"""The secretariat's assessment: the scale and its definitions, writing, replying and making
final, and the compliance figures.

The scale is the G20 Research Group's compliance scale (docs/features.md): each member
country is rated on each objective of a set, at the interim and at the final review, as
full compliance (+1), partial compliance (0) or non-compliance (−1). A country's (or an
objective's) compliance figure is the average of its final ratings at one review, from
−1 to +1, also given as a percentage ((average + 1) / 2, so +1 is 100 % and −1 is 0 %),
as the Research Group reports it; its change is the final review's average less the
interim's.

The life of an assessment: a coordinator drafts it (rating, rationale, the reports and
files relied on) and may revise the draft; the assessed country's officials read the
draft and may reply in writing; a coordinator makes it final. A final assessment never
changes again (here, and a trigger refuses it in the database), and keeps the reply.
Each step is one transaction with its audit entry on the assessment.

The country's own status (its reports) and the assessment are shown side by side and
never merged: nothing here reads or changes a report's status.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import audit, policy
from commitments.models import Assessment, EvidenceFile, Objective, ProgressUpdate
from commitments.models.assessments import RATIONALE_MAX_LENGTH, REPLY_MAX_LENGTH

Rating = Assessment.Rating
Review = Assessment.Review
State = Assessment.State

# The published definitions of the scale, shown wherever ratings are.
DEFINITIONS = {
    Rating.FULL: gettext_lazy(
        "The country has done what the objective asks, or nearly all of it: the action is "
        "complete, or the work it commits to is in place and running."
    ),
    Rating.PARTIAL: gettext_lazy(
        "The country has taken real steps towards the objective (work under way, or done "
        "for part of what it asks), but not all it asks."
    ),
    Rating.NONE: gettext_lazy(
        "The country has taken no meaningful step towards the objective in the period, or "
        "has acted against it."
    ),
}
SIGNS = {Rating.FULL: "+1", Rating.PARTIAL: "0", Rating.NONE: "−1"}


def scale():
    """``[(score, label, definition)]`` from full compliance down, for the pages."""
    return [(SIGNS[rating], rating.label, DEFINITIONS[rating]) for rating in Rating]


def sign(rating):
    return SIGNS.get(Rating(rating), "")


class AssessmentRefused(Exception):
    """The step does not fit the assessment's state or version; nothing changed."""

    def __init__(self, current, message):
        super().__init__(message)
        self.current = current
        self.message = message


FIELDS = ("rating", "rationale")


def _value(name, value):
    if name == "rating":
        return sign(value)
    return value


def _evidence_names(updates, files):
    return [str(update.period) for update in updates] + [f.name for f in files]


def _locked(assessment):
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("objective__objective_set", "country")
        .get(pk=assessment.pk)
    )


@transaction.atomic
def save_draft(
    *,
    actor,
    objective,
    country,
    review,
    rating,
    rationale,
    evidence_updates=(),
    evidence_files=(),
    loaded_version=None,
):
    """A coordinator writes (or revises) the draft assessment of ``country`` on
    ``objective`` at ``review``. Revising needs the version the coordinator saw; a final
    assessment is refused."""
    policy.may_assess.check(actor)
    existing = Assessment.objects.filter(objective=objective, country=country, review=review)
    current = existing.select_for_update().first()
    evidence_updates, evidence_files = list(evidence_updates), list(evidence_files)
    evidence = _evidence_names(evidence_updates, evidence_files)
    if current is None:
        current = Assessment(
            objective=objective,
            country=country,
            review=review,
            rating=rating,
            rationale=rationale,
            author=actor,
        )
        # The database checks the constraints in the INSERT itself.
        current.full_clean(
            exclude=["objective", "country", "author"],
            validate_unique=False,
            validate_constraints=False,
        )
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            other = existing.first()
            if other is None:
                raise
            # Another coordinator wrote this cell's first draft at the same moment.
            raise AssessmentRefused(
                other, _("Someone changed this assessment since you loaded it; reload it.")
            ) from None
        current.evidence_updates.set(evidence_updates)
        current.evidence_files.set(evidence_files)
        changes = {name: [None, _value(name, getattr(current, name))] for name in FIELDS}
        changes["evidence"] = [None, evidence]
        audit.record(
            actor=actor, action=audit.Action.ASSESSMENT_DRAFTED, target=current, changes=changes
        )
        return current
    if current.state == State.FINAL:
        raise AssessmentRefused(current, _("This assessment is final; it can no longer change."))
    if loaded_version is None or current.version != loaded_version:
        raise AssessmentRefused(
            current, _("Someone changed this assessment since you loaded it; reload it.")
        )
    before = {name: _value(name, getattr(current, name)) for name in FIELDS}
    before["evidence"] = _evidence_names(
        current.evidence_updates.order_by("period__starts_on", "pk"),
        current.evidence_files.order_by("uploaded_at", "pk"),
    )
    current.rating, current.rationale = rating, rationale
    current.full_clean(exclude=["objective", "country", "author"], validate_constraints=False)
    current.updated_at = timezone.now()
    current.version = F("version") + 1
    current.save(update_fields=["rating", "rationale", "updated_at", "version"])
    current.refresh_from_db()
    current.evidence_updates.set(evidence_updates)
    current.evidence_files.set(evidence_files)
    after = {name: _value(name, getattr(current, name)) for name in FIELDS} | {"evidence": evidence}
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    audit.record(
        actor=actor, action=audit.Action.ASSESSMENT_EDITED, target=current, changes=changes
    )
    return current


@transaction.atomic
def reply(*, actor, assessment, text, loaded_version):
    """The assessed country's official replies in writing to the draft (or revises the
    reply); the reply stays attached once the assessment is final."""
    policy.may_reply_to_assessment.check(actor, assessment)
    current = _locked(assessment)
    if current.state == State.FINAL:
        raise AssessmentRefused(
            current, _("This assessment is final; the reply can no longer change.")
        )
    if current.version != loaded_version:
        raise AssessmentRefused(
            current, _("The assessment changed since you loaded it; read it again and reply.")
        )
    before = current.reply
    current.reply = text
    current.replied_by = actor
    current.replied_at = timezone.now()
    current.full_clean(exclude=["objective", "country", "author"], validate_constraints=False)
    current.version = F("version") + 1
    current.save(update_fields=["reply", "replied_by", "replied_at", "version"])
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action=audit.Action.ASSESSMENT_REPLIED,
        target=current,
        changes={"reply": [before or None, text]},
    )
    return current


@transaction.atomic
def finalise(*, actor, assessment, loaded_version):
    """A coordinator makes the assessment final: every reader may read it from then on,
    and it never changes again."""
    policy.may_assess.check(actor)
    current = _locked(assessment)
    if current.state == State.FINAL:
        raise AssessmentRefused(current, _("This assessment is already final."))
    if current.version != loaded_version:
        raise AssessmentRefused(
            current,
            _("The assessment or the country's reply changed since you loaded it; read it again."),
        )
    now = timezone.now()
    Assessment.objects.filter(pk=current.pk).update(
        state=State.FINAL,
        finalised_at=now,
        finalised_by=actor,
        updated_at=now,
        version=F("version") + 1,
    )
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action=audit.Action.ASSESSMENT_FINALISED,
        target=current,
        changes={"state": [State.DRAFT.value, State.FINAL.value]},
    )
    return current


# --- Forms ----------------------------------------------------------------------------------


class UpdateChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.period.name} · {obj.get_status_display()}"


class FileChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.description} · {obj.update.period.name}"


class AssessmentForm(forms.Form):
    """What a coordinator writes: the rating, the rationale, and the evidence relied on
    among the country's published reports on the objective and their files."""

    rating = forms.TypedChoiceField(
        label=gettext_lazy("Rating"),
        choices=Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose a rating on the scale."),
            "invalid_choice": gettext_lazy("Choose one of the ratings listed."),
        },
    )
    rationale = forms.CharField(
        label=gettext_lazy("Rationale"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=RATIONALE_MAX_LENGTH,
        help_text=gettext_lazy("Why this rating, against the scale's definitions. Required."),
        error_messages={"required": gettext_lazy("Write the rationale for the rating.")},
    )
    evidence_updates = UpdateChoiceField(
        label=gettext_lazy("Reports relied on"),
        queryset=ProgressUpdate.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Choose among the country's published reports.")
        },
    )
    evidence_files = FileChoiceField(
        label=gettext_lazy("Evidence files relied on"),
        queryset=EvidenceFile.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose among the files of those reports.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, objective, country, assessment=None, **kwargs):
        if assessment is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "rating": assessment.rating,
                "rationale": assessment.rationale,
                "evidence_updates": [u.pk for u in assessment.evidence_updates.all()],
                "evidence_files": [f.pk for f in assessment.evidence_files.all()],
                "version": assessment.version,
            }
        super().__init__(*args, **kwargs)
        reports = evidence_reports(objective, country)
        self.fields["evidence_updates"].queryset = reports
        files = EvidenceFile.objects.filter(
            update__in=reports, removed_at__isnull=True
        ).select_related("update__period")
        self.fields["evidence_files"].queryset = files
        if not files.exists():
            del self.fields["evidence_files"]

    def save_values(self):
        data = self.cleaned_data
        return {
            "rating": data["rating"],
            "rationale": data["rationale"],
            "evidence_updates": data.get("evidence_updates") or [],
            "evidence_files": data.get("evidence_files") or [],
            "loaded_version": data.get("version"),
        }


def evidence_reports(objective, country):
    """What an assessment may rely on: the country's published reports on the objective,
    latest period first (every reader may read them, so a final assessment links only
    to what all its readers can open)."""
    return (
        ProgressUpdate.objects.published()
        .filter(objective=objective, country=country)
        .select_related("period")
        .order_by("-period__starts_on", "-created_at", "-id")
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Your country's reply"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REPLY_MAX_LENGTH,
        help_text=gettext_lazy(
            "Your written answer to the draft assessment. It stays attached to the "
            "assessment once it is final."
        ),
        error_messages={"required": gettext_lazy("Write your reply before sending it.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FinaliseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- Compliance figures ---------------------------------------------------------------------

HUNDRED = Decimal(100)


@dataclass
class Figure:
    """The average of some final ratings (None without any), with how many there are."""

    total: int = 0
    count: int = 0

    def add(self, rating):
        self.total += rating
        self.count += 1

    @property
    def score(self):
        if not self.count:
            return None
        return (Decimal(self.total) / self.count).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def score_text(self):
        score = self.score
        if score is None:
            return ""
        return f"+{score}" if score > 0 else str(score).replace("-", "−")

    @property
    def percent(self):
        if not self.count:
            return None
        value = (Decimal(self.total) / self.count + 1) / 2 * HUNDRED
        return int(value.quantize(Decimal("1"), ROUND_HALF_UP))

    @property
    def level(self):
        """A band for the heat map's shading (the text in the cell says the figure)."""
        score = self.score
        if score is None:
            return "none"
        if score >= Decimal("0.5"):
            return "high"
        if score > Decimal("-0.5"):
            return "mid"
        return "low"


def change_between(interim, final):
    """The final review's average less the interim's, as text ("+0.33"); empty unless
    both have ratings."""
    if interim.score is None or final.score is None:
        return ""
    difference = final.score - interim.score
    if difference > 0:
        return f"+{difference}"
    return str(difference).replace("-", "−")


@dataclass
class Cell:
    country: object
    interim: Assessment | None = None
    final: Assessment | None = None


@dataclass
class Line:
    """A country's or an objective's figures at the two reviews, and the change."""

    subject: object
    interim: Figure = field(default_factory=Figure)
    final: Figure = field(default_factory=Figure)

    @property
    def change(self):
        return change_between(self.interim, self.final)


@dataclass
class Compliance:
    """A set's assessments as the heat map and the tables show them: one row per
    objective with a cell per country (its interim and final rating), the figures per
    country and per objective, and the whole set's."""

    objective_set: object
    countries: list
    rows: list  # (objective, [Cell]) in statement order
    by_country: list  # [Line]
    by_objective: list  # [Line]
    overall: Line

    @property
    def has_any(self):
        return bool(self.overall.interim.count or self.overall.final.count)


def compliance(objective_set, objectives, countries, assessments):
    """The ``Compliance`` of ``objectives`` (of ``objective_set``) and ``countries`` from
    ``assessments`` (a queryset: the reader's, or only final ones for shared views). The
    figures count final assessments only. One query."""
    found = {}
    for each in assessments.filter(objective__in=objectives, country__in=countries):
        found[(each.objective_id, each.country_id, each.review)] = each
    by_country = {country.pk: Line(country) for country in countries}
    by_objective = {objective.pk: Line(objective) for objective in objectives}
    overall = Line(objective_set)
    rows = []
    for objective in objectives:
        cells = []
        for country in countries:
            cell = Cell(country)
            for review in Review:
                assessment = found.get((objective.pk, country.pk, review.value))
                if assessment is not None:  # what the pages name it by, without a query
                    assessment.objective, assessment.country = objective, country
                setattr(cell, review.value, assessment)
                if assessment is not None and assessment.state == State.FINAL:
                    for line in (by_country[country.pk], by_objective[objective.pk], overall):
                        getattr(line, review.value).add(assessment.rating)
            cells.append(cell)
        rows.append((objective, cells))
    return Compliance(
        objective_set=objective_set,
        countries=countries,
        rows=rows,
        by_country=list(by_country.values()),
        by_objective=list(by_objective.values()),
        overall=overall,
    )


def published_compliance(objective_set, objectives, countries):
    """The compliance of a set as every reader may see it: final assessments only (the
    dashboard, the brief, the exports, the feed)."""
    return compliance(objective_set, objectives, countries, Assessment.objects.final())


# --- The set's assessments as a file ----------------------------------------------------------


def export_table(objective_set, objectives, countries, readable):
    """The header and one row per assessment of ``readable`` (the reader's) on the set:
    its score as a number, its words, the rationale, the evidence, the reply, the day it
    was made final, and beside it (never merged) the country's own latest published
    status. Four queries."""
    found = (
        readable.filter(objective__in=objectives, country__in=countries)
        .select_related("objective", "country")
        .prefetch_related("evidence_updates__period", "evidence_files")
        .order_by("objective__number", "country__name", "review")
    )
    own = {
        (objective.pk, country.pk): latest
        for objective, cells in ProgressUpdate.objects.published().matrix(
            Objective.objects.filter(pk__in=[o.pk for o in objectives]), countries
        )
        for country, latest, _reported in cells
    }
    header = [
        _("Year"),
        _("Objective number"),
        _("Objective"),
        _("Country code"),
        _("Country"),
        _("Review"),
        _("Score (+1, 0, −1)"),
        _("Rating"),
        _("State"),
        _("Rationale"),
        _("Evidence relied on"),
        _("The country's reply"),
        _("Made final (UTC)"),
        _("The country's own latest status"),
        _("Fictional demo text"),
    ]
    table = []
    for each in found:
        latest = own.get((each.objective_id, each.country_id))
        evidence = [str(update.period) for update in each.evidence_updates.all()]
        evidence += [file.name for file in each.evidence_files.all()]
        table.append(
            [
                objective_set.year,
                each.objective.number,
                each.objective.local_title,
                each.country.code,
                each.country.local_name,
                str(each.get_review_display()),
                each.rating,
                str(each.get_rating_display()),
                str(each.get_state_display()),
                each.rationale,
                "\n".join(evidence),
                each.reply,
                each.finalised_at.astimezone(datetime.UTC).date() if each.finalised_at else "",
                f"{latest.get_status_display()} ({latest.period.name})" if latest else "",
                _("Yes") if each.is_demo else "",
            ]
        )
    return header, table
