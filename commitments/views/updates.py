"""Progress updates: the list and its exports, each update's page, writing and editing,
the workflow's steps, the discussion and the history."""

import contextlib
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commitments import evidence, figures, history, jobs, kept_forms, policy, services
from commitments.filters import ProgressUpdateFilter
from commitments.forms import (
    BatchForm,
    CommentForm,
    OnBehalfForm,
    OnBehalfSubjectForm,
    ProgressUpdateForm,
    ReturnForm,
    VersionForm,
)
from commitments.models import (
    AuditEntry,
    Comment,
    Job,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.pagination import PAGE_SIZE, page_of_rows
from commitments.pagination import CappedPaginator as Paginator
from commitments.uploads import accepts_files
from commitments.views import jobs as job_views


def listed_updates(user):
    """The updates this user may read, newest first, with what a list row shows."""
    return (
        policy.readable_updates(user)
        .newest_first()
        .select_related("objective__objective_set", "country", "period", "author")
    )


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_list(request):
    # The page reads ids and versions only; rows whose drawing is cached are not read
    # again (page_of_rows).
    updates = policy.readable_updates(request.user).newest_first().only("pk")
    filterset = ProgressUpdateFilter(request.GET, queryset=updates, request=request)
    valid = filterset.is_valid()
    results = filterset.qs if valid else updates.none()
    searching = valid and filterset.form.cleaned_data.get("q")
    page = page_of_rows(
        request,
        results,
        "update-row",
        listed_updates(request.user),
        count_list=results.order_by() if searching else None,
        search=bool(searching),
    )
    return render_update_list(request, filterset, page, status=200 if valid else 400)


def render_update_list(request, filterset, page, status):
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        # The filters as given: the pages' links keep them.
        "query": query.urlencode(),
    }
    return render(request, "commitments/update_list.html", context, status=status)


@policy.asks_for_a_file
def update_export(request, fmt):
    """The filtered updates list as a file, under the same filters and access rules:
    prepared by a background job (asked for with a POST; the filters stay in the
    address), whose page this sends the reader to."""
    updates = listed_updates(request.user)
    filterset = ProgressUpdateFilter(request.GET, queryset=updates, request=request)
    if not filterset.is_valid():
        page = Paginator(updates.none(), PAGE_SIZE).get_page(1)
        return render_update_list(request, filterset, page, status=400)
    kind = Job.Kind.EXPORT_CSV if fmt == "csv" else Job.Kind.EXPORT_XLSX
    return job_views.start_export(request, kind, query=jobs.filters_of(request.GET))


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_detail(request, pk):
    update = policy.get_update(request, pk)
    # A comment posted after the session ended, kept for its author (kept_forms.py).
    kept = kept_forms.take(request)
    forms = {"comment_form": CommentForm(initial=kept)} if kept else {}
    return render(
        request, "commitments/update_detail.html", detail_context(request, update, **forms)
    )


def detail_context(request, update, **forms):
    """What the update page shows, and which actions it offers this user."""
    actions = policy.actions_on(request.user, update)
    # The discussion (comments, reasons for returning) and the history that records
    # it are not read at all for a reader outside the conversation.
    comments = list(update.comments.select_related("author")) if actions.read_discussion else []
    return {
        "update": update,
        "actions": actions,
        "figures": figures.of_update(update),
        "comments": comments,
        "return_reason": return_reason_of(update, comments),
        "return_form": forms.get("return_form") or ReturnForm(initial={"version": update.version}),
        "comment_form": forms.get("comment_form") or CommentForm(),
        # A resubmission after a return: what changed since, for the coordinator reviewing it.
        "since_return": (
            history.since_return(update) if actions.publish or actions.return_for_changes else None
        ),
        "evidence_files": evidence.current_files(update),
    }


def return_reason_of(update, comments):
    """The reason a coordinator gave for returning ``update``, while it is returned: the
    newest of ``comments`` (its discussion, as the reader may read it) of that kind, shown
    where its officials act on it (the top of its page, its edit form)."""
    if update.state != ProgressUpdate.State.RETURNED:
        return None
    reasons = [c for c in comments if c.kind == Comment.Kind.RETURN_REASON]
    return reasons[-1] if reasons else None


@accepts_files(evidence.UPLOAD_MAX_BYTES)
@policy.keeps_form(ProgressUpdateForm)
@policy.rate_limit("update_create", 60, 60 * 60, per="user")
@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def update_create(request, pk):
    objective = policy.get_objective_to_write_for(request, pk)
    membership = request.user.membership  # an official's (required above), read already
    initial, start_from, started_from = {}, None, None
    if request.method == "GET":  # a posted form names its period
        # The dashboard's missing list names the period owed (``?period=``); a period of
        # another set, or no period, falls back to the current one.
        asked = request.GET.get("period", "")
        period = (
            asked.isascii()
            and asked.isdigit()
            and objective.objective_set.periods.filter(pk=asked).first()
        ) or ReportingPeriod.objects.current_for(objective.objective_set)
        started_from = started_from_update(request, objective)
        if started_from is not None:
            initial = prefilled_from(started_from)
            period = period_after(started_from.period) or period
        elif period is not None:
            start_from = policy.own_country_updates(request.user).start_from(
                objective=objective, country=membership.country, period=period
            )
        initial["period"] = period
        # The narrative starts in the official's language when their country writes in
        # it, otherwise in the country's usual one (Mexico's: Spanish).
        initial.setdefault(
            "language", membership.country.writing_language(translation.get_language())
        )
        # What was typed before the session ended, kept for its author (kept_forms.py).
        initial = kept_forms.take(request) or initial
    form = ProgressUpdateForm(
        request.POST or None, objective=objective, initial=initial, country=membership.country
    )
    files = evidence.EvidenceFilesForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and all([form.is_valid(), files.is_valid()]):
        attach = files.cleaned_data["files"]
        try:
            # The update and its files, or nothing (without files, the service's own
            # transaction is the whole of it).
            with transaction.atomic() if attach else contextlib.nullcontext():
                update = services.create_update(
                    actor=request.user,
                    membership=membership,
                    objective=objective,
                    token=form.cleaned_data["token"],
                    figures=figures.from_form(form),
                    **{name: form.cleaned_data[name] for name in services.EDITABLE_UPDATE_FIELDS},
                )
                # The same form posted again finds its update with the files it brought.
                if attach and not evidence.current_files(update).exists():
                    evidence.change_files(actor=request.user, update=update, attach=attach)
        except services.ReusedForm:
            # Keep the typed text, with a fresh token for the next attempt.
            data = request.POST.copy()
            data["token"] = str(uuid.uuid4())
            form = ProgressUpdateForm(data, objective=objective, country=membership.country)
            form.is_valid()
            form.add_error(None, _("This form was already used. Check the text and save again."))
            status = 409
        except ValidationError as error:  # the model's own checks: nothing was saved
            form.add_model_errors(error)
        else:
            messages.success(
                request, _("Your draft was saved. Submit it for review when it is ready.")
            )
            return redirect(update)
    if request.method == "POST" and files.errors and status == 200:
        status = 400
    context = {
        "form": form,
        "evidence_form": files,
        "objective": objective,
        "country": membership.country,
        "start_from": start_from,
        "started_from": started_from,
    }
    return render(request, "commitments/update_form.html", context, status=status)


def started_from_update(request, objective):
    """The update named by ``?start_from=`` that a new update of ``objective`` starts from:
    one of the official's own country's on the same objective, or 404."""
    given = request.GET.get("start_from")
    if given is None:
        return None
    if not given.isdigit():
        raise Http404()
    update = (
        policy.own_country_updates(request.user)
        .filter(objective=objective, pk=int(given))
        .exclude(state=ProgressUpdate.State.WITHDRAWN)
        .select_related("period")
        .first()
    )
    if update is None:
        raise Http404()
    return update


def period_after(period):
    """The next reporting period of the same set, or None after its last."""
    return (
        ReportingPeriod.objects.filter(
            objective_set_id=period.objective_set_id, starts_on__gt=period.starts_on
        )
        .order_by("starts_on")
        .first()
    )


def prefilled_from(update):
    """A new update's first values, copied from an earlier report to be revised: its
    text, and its figures (``figures.initial_from``)."""
    return {
        "status": update.status,
        "narrative": update.narrative,
        "language": update.language,
        "evidence_links": update.evidence_links,
    } | figures.initial_from(update)


@policy.keeps_form(OnBehalfForm)
@policy.coordinators_may_post
@policy.rate_limit("update_create", 60, 60 * 60, per="user")
@policy.requires(policy.may_enter_on_behalf)
@policy.methods("GET", "POST")
def update_on_behalf(request):
    """A coordinator enters a report a country sent by diplomatic note or e-mail; it is
    published at once, marked as entered on the country's behalf, with its source. The
    country and objective are chosen first (``on_behalf_form``), then the report with its
    figures: that objective's indicator values and that country's milestones met."""
    if request.method == "GET":
        return on_behalf_form(request)
    form = OnBehalfForm(request.POST)
    status = 200
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in ON_BEHALF_FIELDS}
        try:
            update = services.enter_update_on_behalf(
                actor=request.user, figures=figures.from_form(form), **values
            )
        except services.ReusedForm:
            data = request.POST.copy()
            data["token"] = str(uuid.uuid4())
            form = OnBehalfForm(data)
            form.is_valid()
            form.add_error(None, _("This form was already used. Check the text and save again."))
            status = 409
        except ValidationError as error:  # the model's own checks: nothing was saved
            form.add_model_errors(error)
        else:
            messages.success(
                request,
                _("The report was published as entered on %(country)s's behalf.")
                % {"country": update.country},
            )
            return redirect(update)
    if form.errors and status == 200:
        status = 400
    return on_behalf_page(request, form=form, status=status)


def on_behalf_form(request):
    """The report's form once its country and objective are known (``?country=`` and
    ``?objective=``, or a form kept when the session ended); otherwise, or with
    ``?change``, the first step choosing them (400 when what was given is not valid)."""
    kept = kept_forms.take(request)
    if "change" in request.GET:
        return on_behalf_page(request, chooser=OnBehalfSubjectForm(initial=request.GET.dict()))
    chooser = OnBehalfSubjectForm(kept or request.GET or None)
    if not chooser.is_bound or not chooser.is_valid():
        return on_behalf_page(request, chooser=chooser, status=400 if chooser.is_bound else 200)
    return on_behalf_page(request, form=OnBehalfForm(initial=kept, **chooser.cleaned_data))


def on_behalf_page(request, *, chooser=None, form=None, status=200):
    """The page of a report entered on a country's behalf: the first step's ``chooser``,
    or the report's ``form`` under the country and objective it is for."""
    if form is None:
        context = {"form": chooser, "choosing": True}
    else:
        context = {"form": form, "objective": form.objective, "country": form.country}
    return render(request, "commitments/update_on_behalf.html", context, status=status)


ON_BEHALF_FIELDS = (
    "country",
    "objective",
    "period",
    "status",
    "narrative",
    "language",
    "evidence_links",
    "source_kind",
    "source_reference",
    "source_date",
    "token",
)


def batch_step(request, *, updates, step, done_message, refused_heading, back):
    """Take ``step`` (``services.submit_updates`` or ``publish_updates``) on the updates
    chosen with checkboxes, all or nothing. ``updates`` is the reader's scope for the step:
    an id outside it answers 404 for the whole batch, as it would alone. A bad form
    answers 400 and a refused update 409, each saying what happened; nothing changes."""
    form = BatchForm(request.POST)
    context = {"refused_heading": refused_heading, "back": back, "form": form, "failures": ()}
    if not form.is_valid():
        return render(request, "commitments/update_batch.html", context, status=400)
    versions = form.cleaned_data["versions"]
    chosen = updates.filter(pk__in=list(versions)).select_related(*policy.UPDATE_PAGE_RELATED)
    chosen = {update.pk: update for update in chosen}
    if len(chosen) != len(versions):
        raise Http404()
    try:
        done = step(
            actor=request.user, items=[(chosen[pk], version) for pk, version in versions.items()]
        )
    except services.BatchRefused as error:
        context["failures"] = error.failures
        return render(request, "commitments/update_batch.html", context, status=409)
    messages.success(request, done_message(len(done)))
    return redirect(back)


@accepts_files(evidence.UPLOAD_MAX_BYTES)
@policy.keeps_form(ProgressUpdateForm)
@policy.requires(policy.may_write_updates)
@policy.methods("GET", "POST")
def update_edit(request, pk):
    update = policy.get_update_to_edit(request, pk)
    if update.state not in ProgressUpdate.EDITABLE_STATES:
        return conflict(
            request, update, _("Only drafts and returned updates can be edited."), status=409
        )
    # Typed before the session ended, with the version it was typed on: saving it over a
    # newer version is a conflict like any other (kept_forms.py).
    kept = kept_forms.take(request) if request.method == "GET" else None
    form = ProgressUpdateForm(
        request.POST or None, update=update, objective=update.objective, initial=kept
    )
    files = evidence.EvidenceFilesForm(request.POST or None, request.FILES or None, update=update)
    current = None
    if request.method == "POST" and all([form.is_valid(), files.is_valid()]):
        try:
            with transaction.atomic():  # the update and its files, or nothing
                edited = services.edit_update(
                    actor=request.user,
                    update=update,
                    loaded_version=form.cleaned_data["version"],
                    figures=figures.from_form(form),
                    **{name: form.cleaned_data[name] for name in services.EDITABLE_UPDATE_FIELDS},
                )
                evidence.change_files(
                    actor=request.user,
                    update=edited,
                    attach=files.cleaned_data["files"],
                    remove=files.cleaned_data.get("remove") or [],
                )
        except services.EditConflict as error:
            current = error.current
            # Keep what the user typed; the next save is made against the version shown.
            data = request.POST.copy()
            data["version"] = current.version
            form = ProgressUpdateForm(data, update=update, objective=update.objective)
            form.is_valid()
            if files.changes_anything:
                files.add_error(
                    "files", _("Nothing was attached or removed: choose the files again.")
                )
        except services.StaleState as error:
            return conflict(request, error.current, error.message)
        except ValidationError as error:  # the model's own checks: nothing was saved
            form.add_model_errors(error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(update)
    reasons = (
        update.comments.filter(kind=Comment.Kind.RETURN_REASON).select_related("author")
        if policy.may_read_discussion(request.user, update)
        else []
    )
    context = {
        "form": form,
        "evidence_form": files,
        "objective": update.objective,
        "country": update.country,
        "update": update,
        "conflict": current,
        "return_reason": return_reason_of(update, reasons),
    }
    status = 409 if current else 400 if request.method == "POST" and files.errors else 200
    return render(request, "commitments/update_form.html", context, status=status)


def conflict(request, update, message, status=409):
    """The action no longer fits the update: say why and link back to its current state."""
    return render(
        request,
        "commitments/update_conflict.html",
        {"update": update, "message": message},
        status=status,
    )


def transition_view(action, success_message, rule=None):
    """A POST-only view moving an update along its workflow with ``action``; ``rule``
    refuses (403) a reader of the update who may not act on it, before the form is read."""

    @policy.methods("POST")
    def view(request, pk):
        update = policy.get_update(request, pk, rule)
        form = VersionForm(request.POST)
        if not form.is_valid():
            return conflict(request, update, _("The form was incomplete; reload the page."), 400)
        try:
            action(actor=request.user, update=update, loaded_version=form.cleaned_data["version"])
        except services.StaleState as error:
            return conflict(request, error.current, error.message)
        messages.success(request, success_message)
        return redirect(update)

    return view


# An official acts for their own country only: another country's update, readable once
# published, is refused when fetched (policy.may_submit, policy.may_withdraw).
update_submit = policy.requires(policy.may_write_updates)(
    transition_view(
        services.submit_update,
        gettext_lazy("Submitted for review. A coordinator will publish or return it."),
        policy.may_submit,
    )
)


update_withdraw = policy.requires(policy.may_write_updates)(
    transition_view(
        services.withdraw_update,
        gettext_lazy("The update was withdrawn. It stays in the history."),
        policy.may_withdraw,
    )
)


@policy.requires(policy.may_write_updates)
@policy.methods("POST")
def update_submit_batch(request):
    """An official submits several of their country's drafts and returned updates at once,
    from "My country"."""
    return batch_step(
        request,
        updates=policy.own_country_updates(request.user),
        step=services.submit_updates,
        done_message=lambda count: (
            ngettext(
                "%(count)d update was submitted for review.",
                "%(count)d updates were submitted for review.",
                count,
            )
            % {"count": count}
        ),
        refused_heading=_("Nothing was submitted"),
        back=request.user.membership.country.get_absolute_url(),
    )


def confirmation(request, update, *, step, state_fits, stale_message):
    """The page asking to confirm ``step`` ("publish" or "withdraw") on ``update``: its
    form posts to the action's own view with the version shown, so a second click, or a
    page left open while the update changed, takes nothing further (409, saying why)."""
    if not state_fits:
        return conflict(request, update, stale_message)
    return render(request, "commitments/update_confirm.html", {"update": update, "step": step})


@policy.requires(policy.may_write_updates)
@policy.methods("GET")
def update_withdraw_confirm(request, pk):
    """An official confirms withdrawing a draft or returned update of their country."""
    update = policy.get_update(request, pk, policy.may_withdraw)
    return confirmation(
        request,
        update,
        step="withdraw",
        state_fits=update.state in ProgressUpdate.EDITABLE_STATES,
        stale_message=_("Only a draft or returned update can be withdrawn."),
    )


@policy.requires(policy.may_review)
@policy.methods("GET")
def update_publish_confirm(request, pk):
    """A coordinator confirms publishing a submitted update."""
    update = policy.get_update(request, pk, policy.may_publish)
    return confirmation(
        request,
        update,
        step="publish",
        state_fits=update.state == ProgressUpdate.State.SUBMITTED,
        stale_message=_("This update is no longer awaiting review."),
    )


def described(update):
    """An update named in a message: its objective, country and period."""
    return _("%(number)s. %(objective)s, %(country)s, %(period)s") % {
        "number": update.objective.number,
        "objective": update.objective.local_title,
        "country": update.country.local_name,
        "period": update.period.local_name,
    }


def next_in_queue(request):
    """After a review, the oldest update still awaiting one, or the queue when none is left."""
    following = policy.readable_updates(request.user).review_queue().only("pk").first()
    if following is None:
        messages.info(request, _("Nothing else awaits review."))
        return redirect("review_queue")
    messages.info(request, _("This is the next update in the review queue."))
    return redirect(following)


def reviewed(request, error, *, done_state, done_message):
    """A review step refused as stale: when this coordinator's own step already took
    (the same form sent twice), say so and go on; otherwise the conflict page."""
    current = error.current
    if current.state == done_state and current.reviewed_by_id == request.user.pk:
        messages.info(request, done_message % {"update": described(current)})
        return next_in_queue(request)
    return conflict(request, current, error.message)


# Any coordinator reviews any update they read: the role is the whole rule.
@policy.coordinators_may_post
@policy.requires(policy.may_review)
@policy.methods("POST")
def update_publish(request, pk):
    update = policy.get_update(request, pk, policy.may_publish)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return conflict(request, update, _("The form was incomplete; reload the page."), 400)
    try:
        services.publish_update(
            actor=request.user, update=update, loaded_version=form.cleaned_data["version"]
        )
    except services.StaleState as error:
        return reviewed(
            request,
            error,
            done_state=ProgressUpdate.State.PUBLISHED,
            done_message=_("“%(update)s” was already published; nothing more was done."),
        )
    messages.success(
        request,
        _("Published: “%(update)s”. Every signed-in user can now read it.")
        % {"update": described(update)},
    )
    return next_in_queue(request)


@policy.coordinators_may_post
@policy.requires(policy.may_review)
@policy.methods("POST")
def update_return(request, pk):
    update = policy.get_update(request, pk, policy.may_return)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "commitments/update_detail.html",
            detail_context(request, update, return_form=form),
            status=400,
        )
    try:
        services.return_update(
            actor=request.user,
            update=update,
            loaded_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except services.StaleState as error:
        return reviewed(
            request,
            error,
            done_state=ProgressUpdate.State.RETURNED,
            done_message=_("“%(update)s” was already returned; nothing more was done."),
        )
    messages.success(
        request,
        _("Returned to %(country)s with your reason: “%(update)s”.")
        % {"country": update.country.local_name, "update": described(update)},
    )
    return next_in_queue(request)


@policy.keeps_form(CommentForm, back="update_detail")
@policy.coordinators_may_post
@policy.requires(policy.has_role)
@policy.methods("POST")
def update_comment(request, pk):
    update = policy.get_update(request, pk, policy.may_comment)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "commitments/update_detail.html",
            detail_context(request, update, comment_form=form),
            status=400,
        )
    try:
        services.add_comment(
            actor=request.user,
            update=update,
            body=form.cleaned_data["body"],
            token=form.cleaned_data["token"],
        )
    except services.ReusedForm:
        # Keep the typed text, with a fresh token for the next attempt.
        data = request.POST.copy()
        data["token"] = str(uuid.uuid4())
        form = CommentForm(data)
        form.is_valid()
        form.add_error(
            None, _("This comment form was already used. Check the text and send it again.")
        )
        return render(
            request,
            "commitments/update_detail.html",
            detail_context(request, update, comment_form=form),
            status=409,
        )
    messages.success(request, _("Your comment was added."))
    return redirect(f"{update.get_absolute_url()}#comments")


@policy.requires(policy.has_role)
@policy.methods("GET")
def update_history(request, pk):
    update = policy.get_update(request, pk, policy.may_read_history)
    entries = AuditEntry.objects.for_object(update).select_related("actor").reverse()
    context = {
        "update": update,
        "entries": history.with_languages(update, history.describe_all(entries)),
    }
    return render(request, "commitments/update_history.html", context)
