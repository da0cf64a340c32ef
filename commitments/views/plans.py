"""A country's plans for an objective, kept by its own officials: each indicator's
baseline, target and national definition note, and its milestones (added and changed
here; marked met in an update). Coordinators and administrators read them on the
objective's page and never change them (policy.may_plan_for)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from commitments import indicators, milestones, policy
from commitments.models import IndicatorTarget, Milestone, Objective
from commitments.plan_forms import MilestoneForm, TargetForm


def _objective_to_plan(request, pk):
    """The objective, if the official's country may keep plans on it (403 otherwise)."""
    objective = get_object_or_404(Objective.objects.select_related("objective_set"), pk=pk)
    country = request.user.membership.country
    policy.may_plan_for.check(request.user, objective, country)
    return objective, country


class _Refused(Exception):
    pass


@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def objective_plan(request, pk):
    objective, country = _objective_to_plan(request, pk)
    indicator_list = list(objective.indicators.order_by("number"))
    targets = {
        target.indicator_id: target
        for target in IndicatorTarget.objects.filter(indicator__in=indicator_list, country=country)
    }
    data = request.POST if request.method == "POST" else None
    forms = [
        TargetForm(data, indicator=indicator, target=targets.get(indicator.pk))
        for indicator in indicator_list
    ]
    status = 200
    if data is not None:
        if all(form.is_valid() for form in forms):
            try:
                # All of them or none: a refused one leaves every target as it was.
                with transaction.atomic():
                    refused = False
                    for form in forms:
                        if not form.has_changed():
                            continue
                        try:
                            indicators.set_target(
                                actor=request.user,
                                indicator=form.indicator,
                                country=country,
                                **form.cleaned_data,
                            )
                        except ValidationError as error:
                            form.add_model_errors(error)
                            refused = True
                    if refused:
                        raise _Refused
            except _Refused:
                status = 400
            else:
                messages.success(request, _("Your country's baselines and targets were saved."))
                return redirect("objective_plan", pk=objective.pk)
        else:
            status = 400
    context = {
        "objective": objective,
        "country": country,
        "forms": forms,
        "milestones": milestones.of_objective(objective, [country]),
        "milestone_form": MilestoneForm(),
    }
    return render(request, "commitments/objective_plan.html", context, status=status)


@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def milestone_add(request, pk):
    objective, country = _objective_to_plan(request, pk)
    form = MilestoneForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                milestones.add(
                    actor=request.user, objective=objective, country=country, **form.cleaned_data
                )
            except milestones.DuplicateTitle as error:
                form.add_error("title", str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The milestone was added."))
                return redirect("objective_plan", pk=objective.pk)
    context = {"objective": objective, "country": country, "form": form}
    return render(request, "commitments/milestone_form.html", context, status=status)


@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def milestone_edit(request, pk):
    milestone = get_object_or_404(
        Milestone.objects.select_related("objective__objective_set", "country"), pk=pk
    )
    policy.may_plan_for.check(request.user, milestone.objective, milestone.country)
    form = MilestoneForm(request.POST or None, instance=milestone)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                milestones.change(actor=request.user, milestone=milestone, **form.cleaned_data)
            except milestones.DuplicateTitle as error:
                form.add_error("title", str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The milestone was changed."))
                return redirect("objective_plan", pk=milestone.objective_id)
    context = {
        "objective": milestone.objective,
        "country": milestone.country,
        "form": form,
        "milestone": milestone,
    }
    return render(request, "commitments/milestone_form.html", context, status=status)
