"""Who may do what: the one place that answers it.

Everything else asks here: views (through the declarations below and the fetch helpers),
services (``rule.check``, which raises PermissionDenied with the rule's message),
templates (the ``actions`` and ``may`` summaries they are given, never a role), the
JSON feed, the dashboard's SQL (``unpublished_scope``) and the middlewares, which read
each view's declaration and keep no list of URL names.

The roles: an official writes, submits and withdraws their own country's updates and
discusses them with the coordinators; a coordinator reads everything and reviews
(publishes, or returns with a reason), and enters the reports a country sends formally
(by diplomatic note or e-mail) on its behalf; an administrator reads everything, the
discussions included, and keeps the reference data in the Django admin. A published
update is read by every signed-in user who has a role; its discussion and history never
leave the conversation between its country and the coordinators (and the administrators,
who keep the audit log). An account without a role reads nothing.

Outside a reader's scope an object answers 404, so its existence is not revealed; in
scope but not allowed, 403, with the rule's message. Roles are read from the database
once per request.
"""

import functools
import re
import types
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from commitments.models import (
    ALL_COUNTRIES,
    Assessment,
    Country,
    Job,
    Membership,
    Objective,
    ProgressUpdate,
)

Role = Membership.Role
State = ProgressUpdate.State

# --- The reader ----------------------------------------------------------------------------


def membership_of(user):
    """The user's membership row, or None (anonymous users and users without a role).

    Read once per request: one query for the membership and its country, which every
    page header shows, kept on the user object."""
    if not user.is_authenticated or not user.is_active:
        return None
    relation = Membership._meta.get_field("user").remote_field
    if not relation.is_cached(user):
        # The handling marking, which every page shows, rides along (handling.py).
        from commitments.handling import with_marking  # noqa: PLC0415 - it imports us

        relation.set_cached_value(
            user,
            with_marking(Membership.objects.select_related("country")).filter(user=user).first(),
        )
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def role_of(user):
    """The user's role; a superuser without a membership row counts as an administrator."""
    membership = membership_of(user)
    if membership is not None:
        return membership.role
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Role.ADMIN
    return None


def _country_acted_for(user):
    """The id of the country whose updates the user writes (an official's), or None."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.OFFICIAL:
        return None
    return membership.country_id


def _acts_for(user, country_id):
    return country_id is not None and _country_acted_for(user) == country_id


# --- Rules ---------------------------------------------------------------------------------


class Rule:
    """One question the policy answers: whether ``user`` may do something (to an object),
    and the message a refusal gives. A rule without a message guards what is out of the
    reader's scope: its refusal is a 404, which does not reveal that the object exists.

    ``rule(user, *objects)`` answers; ``rule.check(user, *objects)`` raises the refusal.
    """

    def __init__(self, test, refusal=None):
        self.test = test
        self.refusal = refusal
        functools.update_wrapper(self, test)

    def __call__(self, user, *objects):
        return self.test(user, *objects)

    def __repr__(self):
        return f"<Rule {self.__name__}>"

    def check(self, user, *objects):
        if not self.test(user, *objects):
            raise self.denial()

    def denial(self):
        if self.refusal is None:
            return Http404()
        return PermissionDenied(str(self.refusal))


def rule(refusal=None):
    """Make the decorated predicate a Rule refused with ``refusal`` (None: a 404)."""

    def make(test):
        return Rule(test, refusal)

    return make


# About the user alone: what a view may require of every request (``@requires``).


@rule(_("Your account has no role yet. Ask an administrator to give you one."))
def has_role(user):
    """Every signed-in account with a role reads the site; an account without one, nothing."""
    return role_of(user) is not None


@rule(_("Only a country's officials can write progress updates."))
def may_write_updates(user):
    """Officials write (and submit, withdraw) updates, for their own country only."""
    return role_of(user) == Role.OFFICIAL


@rule(_("Only coordinators review updates."))
def may_review(user):
    """Coordinators review: they publish submitted updates or return them with a reason."""
    return role_of(user) == Role.COORDINATOR


@rule(_("Only coordinators enter reports on a country's behalf."))
def may_enter_on_behalf(user):
    """Coordinators enter (and so publish) a report a country sent formally, by diplomatic
    note or e-mail, with the figures it gives (its indicator values, its milestones met),
    which belong to that report and are marked as entered on the country's behalf with it;
    officials write their own country's reports themselves and administrators write
    none."""
    return role_of(user) == Role.COORDINATOR


@rule(_("Only coordinators and administrators compare years and follow timeliness."))
def may_oversee_the_cycle(user):
    """Coordinators and administrators compare two years' matrices and read every
    country's timeliness on one page; officials see their own on their pages."""
    return role_of(user) in (Role.COORDINATOR, Role.ADMIN)


@rule(_("Only a country's officials get e-mails about its updates."))
def may_choose_update_emails(user):
    """Officials are told by e-mail when their country's updates are returned, commented
    on or published (notifications.py), and choose which of these e-mails they get."""
    return role_of(user) == Role.OFFICIAL


@rule(
    _(
        "The administration pages are where administrators keep the objectives, meetings, "
        "countries and accounts. Your role does not use them."
    )
)
def may_administer(user):
    """Administrators (and a superuser without a role) use the Django admin; the admin
    site asks here (``AuditedAdminSite.has_permission``), and an account's staff flags
    follow its role (``staff_flags``)."""
    return role_of(user) == Role.ADMIN


def staff_flags(role):
    """The Django flags an account with ``role`` carries: an administrator is staff and
    superuser (every model of the admin), anyone else neither. The one place they are
    decided: set when a membership is saved or deleted (signals.py), never by hand."""
    admin = role == Role.ADMIN
    return {"is_staff": admin, "is_superuser": admin}


@rule(_("Only coordinators take a meeting's snapshot."))
def may_take_snapshot(user):
    """Coordinators freeze, at a meeting, the record presented there (once per meeting)."""
    return role_of(user) == Role.COORDINATOR


# About one update, objective or country.


@rule()
def may_read(user, update):
    """Coordinators and administrators read every update; officials every published one
    and every update of their own country; accounts without a role none
    (``readable_updates`` is the same rule as a query)."""
    scope = unpublished_scope(user)
    if scope is None:
        return False
    return scope is ALL_COUNTRIES or update.state == State.PUBLISHED or update.country_id == scope


@rule(_("Only the country's officials can edit its updates."))
def may_edit(user, update):
    return _acts_for(user, update.country_id)


@rule(_("Only the country's officials can submit its updates."))
def may_submit(user, update):
    return _acts_for(user, update.country_id)


@rule(_("Only the country's officials can withdraw its updates."))
def may_withdraw(user, update):
    return _acts_for(user, update.country_id)


@rule(_("Only coordinators publish updates."))
def may_publish(user, update):
    return may_review(user)


@rule(_("Only coordinators return updates."))
def may_return(user, update):
    return may_review(user)


@rule(_("Only coordinators and the country's officials can comment on this update."))
def may_comment(user, update):
    """Coordinators and the update's own country's officials post into its discussion;
    administrators read it but never post."""
    return may_review(user) or _acts_for(user, update.country_id)


@rule()
def may_read_discussion(user, update):
    """Whether the user may read the update's discussion: its comments and the reasons a
    coordinator gave for returning it (and so its history, which records them).

    The discussion is a conversation between the update's own country's officials and the
    coordinators; administrators read it too, as they keep the audit log, which records
    every change. Publication makes the update readable by every signed-in user, never
    its discussion: another country's officials and accounts without a role never read it.
    """
    if role_of(user) in (Role.COORDINATOR, Role.ADMIN):
        return True
    return _acts_for(user, update.country_id)


@rule()
def may_read_history(user, update):
    """An update's history holds its earlier drafts, the reasons it was returned and its
    comments: it is read by whoever may read its discussion, and is out of scope (404)
    for anyone else, even once the update is published."""
    return may_read(user, update) and may_read_discussion(user, update)


@rule(_("Only the country's officials attach or remove its updates' files."))
def may_change_evidence(user, update):
    """Evidence files are part of the update: its country's officials attach and remove
    them, with the update's form, while it is a draft or returned (the services check
    the state)."""
    return _acts_for(user, update.country_id)


@rule()
def may_read_evidence_file(user, evidence_file):
    """A file is read by whoever may read its update, and by no one else: a draft's files
    by its country's officials, the coordinators and the administrators; a published
    update's by every reader with a role. Outside that, 404."""
    return evidence_file.removed_at is None and may_read(user, evidence_file.update)


# The secretariat's assessment (commitments/assessments.py).


@rule(_("Only coordinators write the secretariat's assessments."))
def may_assess(user):
    """Coordinators rate each country on each objective, and make the rating final."""
    return role_of(user) == Role.COORDINATOR


@rule()
def may_read_assessment(user, assessment):
    """A final assessment is read by every reader with a role; a draft only by the
    coordinators, the administrators and the assessed country's officials, who may reply
    to it (``readable_assessments`` is the same rule as a query)."""
    scope = unpublished_scope(user)
    if scope is None:
        return False
    return (
        scope is ALL_COUNTRIES
        or assessment.state == Assessment.State.FINAL
        or assessment.country_id == scope
    )


@rule(_("Only the assessed country's officials reply to its assessment."))
def may_reply_to_assessment(user, assessment):
    """The assessed country's officials answer the draft in writing; nobody else does."""
    return _acts_for(user, assessment.country_id)


@rule()
def may_read_assessment_history(user, assessment):
    """An assessment's history holds its earlier drafts: read by the coordinators, the
    administrators and the assessed country's officials (404 for anyone else)."""
    if role_of(user) in (Role.COORDINATOR, Role.ADMIN):
        return True
    return _acts_for(user, assessment.country_id)


def readable_assessments(user, assessments=None):
    """The assessments (of ``assessments``, default all) this user may read."""
    assessments = Assessment.objects.all() if assessments is None else assessments
    scope = unpublished_scope(user)
    if scope is None:
        return assessments.none()
    if scope is ALL_COUNTRIES:
        return assessments
    return assessments.filter(Q(state=Assessment.State.FINAL) | Q(country_id=scope))


@rule(_("Your country is a partner: it contributes only to the objectives it is named on."))
def may_contribute_to(user, objective):
    """A member country's officials contribute to every objective; a partner country's
    (Belgium, the Netherlands) only to the objectives naming it as a partner."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.OFFICIAL:
        return False
    country = membership.country
    if country.membership == Country.Membership.MEMBER:
        return True
    return objective.partners.filter(pk=country.pk).exists()


@rule(_("Only the country's officials set its baselines, targets and milestones."))
def may_plan_for(user, objective, country):
    """A country's officials set its baseline, target and national definition note for
    each indicator of an objective it contributes to, and its milestones on it (its
    values and met milestones go with its updates, under ``may_edit``). Coordinators and
    administrators read them and never change a country's figures; administrators define
    the indicators themselves in the admin. The one exception is the country's own report,
    sent by note or e-mail: the coordinator who enters it enters the values and milestones
    met it gives, as part of that report (``may_enter_on_behalf``)."""
    return _acts_for(user, country.pk) and may_contribute_to(user, objective)


def may_write_update_for(user, objective):
    """Officials write updates on the active objectives their country contributes to; a
    retired one takes no new update."""
    return may_write_updates(user) and objective.is_active and may_contribute_to(user, objective)


def objectives_open_to(country, objectives=None):
    """The objectives (of ``objectives``, default all) the country's officials contribute
    to, and so may owe reports on: all of them for a member, only those naming it for a
    partner, which is never counted as missing or reminded about any other."""
    objectives = Objective.objects.all() if objectives is None else objectives
    if country.membership == Country.Membership.MEMBER:
        return objectives
    return objectives.filter(partners=country)


def may_act_for(user, country):
    """Whether the user is one of the country's officials: writes, edits, submits and
    withdraws its updates, and sees what of them needs action."""
    return _acts_for(user, country.pk)


def must_use_security_key(user):
    """Whether the user's role signs in with a security key only (PHISHING_RESISTANT_ROLES):
    a code from an app can be phished along with the password."""
    if not settings.PHISHING_RESISTANT_ROLES:
        return False
    return role_of(user) in settings.PHISHING_RESISTANT_ROLES


# --- Scopes: the rules as queries ------------------------------------------------------------


def unpublished_scope(user):
    """Whose unpublished updates this user may read: ``ALL_COUNTRIES``, one country's id,
    or None for no update at all. The value the dashboard's SQL statement takes
    (``matrix.published``) and the key of what a page caches per
    reader."""
    role = role_of(user)
    if role is None:
        return None
    if role != Role.OFFICIAL:
        return ALL_COUNTRIES
    return membership_of(user).country_id


def readable_updates(user, updates=None):
    """The updates (of ``updates``, default all) this user may read (``may_read``)."""
    updates = ProgressUpdate.objects.all() if updates is None else updates
    scope = unpublished_scope(user)
    if scope is None:
        return updates.none()
    if scope is ALL_COUNTRIES:
        return updates
    return updates.filter(Q(state=State.PUBLISHED) | Q(country_id=scope))


def own_country_updates(user, updates=None):
    """Every update, in any state, of the country the user writes for; none for anyone
    but an official. Another country's update is out of this scope even when published."""
    updates = ProgressUpdate.objects.all() if updates is None else updates
    country_id = _country_acted_for(user)
    if country_id is None:
        return updates.none()
    return updates.filter(country_id=country_id)


def editable_updates(user, updates=None):
    """What this user may edit now: their own country's drafts and returned updates."""
    return own_country_updates(user, updates).filter(state__in=ProgressUpdate.EDITABLE_STATES)


def reviewers():
    """The accounts that review (coordinators): who may be sent the review queue."""
    return get_user_model().objects.filter(membership__role=Role.COORDINATOR)


def officials():
    """The accounts that write updates (officials), each for their own country."""
    return get_user_model().objects.filter(membership__role=Role.OFFICIAL)


# --- Fetching for views: 404 outside the scope, 403 in scope but not allowed -----------------

UPDATE_PAGE_RELATED = ("objective__objective_set", "country", "period", "author")


def get_update(request, pk, rule=None):
    """An update the reader may read, or 404; with ``rule``, refused by it (its 403, or a
    404 for a rule that guards what is out of scope) when the reader may read the update
    but not do this."""
    update = get_object_or_404(
        readable_updates(request.user).select_related(*UPDATE_PAGE_RELATED), pk=pk
    )
    if rule is not None:
        rule.check(request.user, update)
    return update


def get_update_to_edit(request, pk):
    """An update of the official's own country, in any state (its state is the workflow's
    to judge: an update that is no longer a draft answers 409). Another country's update
    the reader may read (published) is refused with ``may_edit``'s 403, which links to
    it; one they may not read (a draft) stays a 404."""
    update = get_update(request, pk)
    if not may_edit(request.user, update):
        from commitments.denials import NotForYou  # noqa: PLC0415 - it imports us

        raise NotForYou(
            _("This update is %(country)s's: only its officials can edit it.")
            % {"country": update.country.local_name},
            instead=[(_("Read this update"), update.get_absolute_url())],
        )
    return update


def get_objective_to_write_for(request, pk):
    """An active objective the official's country contributes to: 404 for a retired one
    (it takes no new update), 403 for one a partner country is not named on."""
    objective = get_object_or_404(
        Objective.objects.select_related("objective_set").filter(is_active=True), pk=pk
    )
    may_contribute_to.check(request.user, objective)
    return objective


def own_jobs(user):
    """The jobs (files being prepared or ready) this user may read: those they asked for,
    while their account is active and has a role. Anyone else's, another coordinator's
    included, is out of scope."""
    if not (user.is_active and has_role(user)):
        return Job.objects.none()
    return Job.objects.filter(owner=user)


def get_job(request, pk):
    """A job the reader asked for, or 404."""
    return get_object_or_404(own_jobs(request.user), pk=pk)


# --- What the pages offer --------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateActions:
    """What one user may do with one update now: whom the rules allow, in the state the
    update is in. Templates test these (``actions.edit``), never a role."""

    read_discussion: bool
    read_history: bool
    comment: bool
    edit: bool
    submit: bool
    withdraw: bool
    publish: bool
    return_for_changes: bool
    # Whom the page's guidance speaks to (the state banner): the update's own country's
    # officials, who act on it, or the coordinators, who review; anyone else only reads.
    acts_for_country: bool = False
    reviews: bool = False


def actions_on(user, update):
    """The ``UpdateActions`` of ``user`` on ``update`` (no query beyond the reader's role)."""
    editable = update.state in ProgressUpdate.EDITABLE_STATES
    submitted = update.state == State.SUBMITTED
    discussion = may_read_discussion(user, update)
    return UpdateActions(
        read_discussion=discussion,
        read_history=may_read_history(user, update),
        comment=discussion and may_comment(user, update),
        edit=editable and may_edit(user, update),
        submit=editable and may_submit(user, update),
        withdraw=editable and may_withdraw(user, update),
        publish=submitted and may_publish(user, update),
        return_for_changes=submitted and may_return(user, update),
        acts_for_country=_acts_for(user, update.country_id),
        reviews=may_review(user),
    )


class SiteAbilities:
    """What the user may do anywhere on the site, for the header, the navigation and the
    page's offers (``may`` in every template): ``may.read``, ``may.review``, ``may.write``,
    ``may.enter_on_behalf`` and ``may.write_for``, the id of the country whose updates the
    user writes."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def read(self):
        return has_role(self.user)

    @cached_property
    def review(self):
        return may_review(self.user)

    @cached_property
    def write(self):
        return may_write_updates(self.user)

    @cached_property
    def enter_on_behalf(self):
        return may_enter_on_behalf(self.user)

    @cached_property
    def take_snapshot(self):
        return may_take_snapshot(self.user)

    @cached_property
    def choose_emails(self):
        return may_choose_update_emails(self.user)

    @cached_property
    def write_for(self):
        return _country_acted_for(self.user)

    @cached_property
    def administer(self):
        return may_administer(self.user)

    def assess(self):
        return may_assess(self.user)

    @cached_property
    def oversee(self):
        return may_oversee_the_cycle(self.user)


# --- Declarations: what each view requires, said where the view is defined ---------------------

SIGN_IN_REQUIRED = "required"  # the default: anonymous visitors are sent to sign in
PUBLIC = "public"  # no sign-in at all
OWN_SIGN_IN = "own"  # the view authenticates the request itself (the feed's tokens)


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` POSTs in ``seconds`` to the views declaring it, counted per user
    (per address for a visitor not signed in) or per address (``per="ip"``); views
    declaring the same name share one count. An entry under the same name in the
    ``RATE_LIMITS`` setting replaces the declared numbers for a deployment."""

    name: str
    count: int
    seconds: int
    per: str = "user"

    def __post_init__(self):
        if self.per not in ("user", "ip"):
            raise ValueError(f"A rate limit is per 'user' or per 'ip', not {self.per!r}.")

    @classmethod
    def named(cls, name, default=None):
        """The limit ``name`` in force: ``RATE_LIMITS[name]`` when the settings give it,
        otherwise ``default``."""
        if name in settings.RATE_LIMITS:
            count, seconds, per = settings.RATE_LIMITS[name]
            return cls(name, count, seconds, per)
        if default is None:
            raise KeyError(f"No rate limit named {name!r} in RATE_LIMITS.")
        return default

    def in_force(self):
        return self.named(self.name, self)


@dataclass(frozen=True)
class KeepsForm:
    """A form whose fields ``fields`` are kept when it is posted after its session ended,
    and put back after sign-in (commitments/kept_forms.py) on the page named ``back``
    (reversed with the view's own arguments; None: the view's own address). ``also``
    matches the names of the fields it adds as it is built (an update's figures)."""

    fields: tuple[str, ...]
    back: str | None = None
    also: re.Pattern | None = None

    def keeps(self, name):
        return name in self.fields or bool(self.also and self.also.fullmatch(name))


@dataclass(frozen=True)
class Declaration:
    """What a view requires. The default, for what a view does not declare: signed in,
    with the second factor when the account has one (or must have one), no recent
    password asked for, a coordinator's non-GET requests refused, no rate limit, and the
    methods the middleware lets through (GET, HEAD, POST)."""

    sign_in: str = SIGN_IN_REQUIRED
    password_step: bool = False
    recent_password: bool = False
    coordinators_may_post: bool = False
    rate_limit: RateLimit | None = None
    methods: tuple[str, ...] | None = None
    requires: tuple[Rule, ...] = ()
    keeps_form: KeepsForm | None = None


DEFAULT = Declaration()
_ATTRIBUTE = "policy_declaration"


def _declared(view):
    """The declaration a view carries, or None: on the function (or one it wraps), else
    on a class-based view's class."""
    if isinstance(view, type):
        return vars(view).get(_ATTRIBUTE)
    func = view
    for _layer in range(20):  # through functools.wraps layers
        found = getattr(func, _ATTRIBUTE, None)
        if found is not None:
            return found
        func = getattr(func, "__wrapped__", None)
        if func is None:
            break
    view_class = getattr(view, "view_class", None)
    return vars(view_class).get(_ATTRIBUTE) if view_class is not None else None


def declaration_of(view):
    """What a routed view (``request.resolver_match.func``) requires; the default when it
    declares nothing (a test requires every URL to declare)."""
    return _declared(view) or DEFAULT


def is_declared(view):
    return _declared(view) is not None


def _routable(view):
    """A function or class that takes attributes (a bound method is wrapped in a function)."""
    if isinstance(view, types.MethodType):

        @functools.wraps(view)
        def routed(*args, **kwargs):
            return view(*args, **kwargs)

        return routed
    return view


def _declare(view, **changes):
    setattr(view, _ATTRIBUTE, replace(_declared(view) or DEFAULT, **changes))
    return view


def _decorate(view, decorator):
    """Apply a view decorator to a function view, or to a class-based view's dispatch."""
    if isinstance(view, type):
        return method_decorator(decorator, name="dispatch")(view)
    return decorator(view)


def public(view):
    """Reachable without signing in (Django's ``login_not_required``)."""
    return _declare(_decorate(_routable(view), login_not_required), sign_in=PUBLIC)


def signs_in_itself(view):
    """The view authenticates each request itself (the JSON feed's tokens) and answers 401
    rather than sending anyone to the sign-in page (Django's ``login_not_required``)."""
    return _declare(_decorate(_routable(view), login_not_required), sign_in=OWN_SIGN_IN)


def password_step(view):
    """Reachable by a session that has passed the password but not yet the second factor
    (RequireMFAMiddleware): the second step itself, its set-up, and what is needed to
    leave. Such a view applies the second-factor rules itself where it changes them."""
    return _declare(_routable(view), password_step=True)


def recent_password(view):
    """A POST to the view needs the password entered within ``REAUTH_MAX_AGE``
    (AdminReauthMiddleware sends the session to enter it again): every change made in the
    admin (roles, countries, accounts)."""
    return _declare(_routable(view), recent_password=True)


def coordinators_may_post(view):
    """An exception to the rule that coordinators only read (CoordinatorReadOnlyMiddleware):
    reviewing, entering a report a country sent formally, and their own account."""
    return _declare(_routable(view), coordinators_may_post=True)


def rate_limit(name, count=None, seconds=None, *, per="user"):
    """Cap the POSTs to the view (RateLimitMiddleware): ``@rate_limit("update_create", 60,
    3600, per="user")``, or a ``RateLimit`` shared by several views."""
    limit = name if isinstance(name, RateLimit) else RateLimit(name, count, seconds, per)

    def decorate(view):
        return _declare(_routable(view), rate_limit=limit)

    return decorate


def keeps_form(form, back=None):
    """What is typed into the view's form (a form class: its fields) survives the end of
    the session: posted after it, the fields are kept for the same person and put back
    after sign-in, on the page named ``back`` (default: the view's own address). See
    commitments/kept_forms.py."""

    def decorate(view):
        kept = KeepsForm(tuple(form.base_fields), back, getattr(form, "kept_too", None))
        return _declare(_routable(view), keeps_form=kept)

    return decorate


def methods(*names):
    """The HTTP methods the view answers; any other is 405 (AllowedMethodsMiddleware refuses
    the unusual ones before anything else runs, with the ``Allow`` header from here)."""
    names = tuple(name.upper() for name in names)

    def decorate(view):
        checked = _decorate(_routable(view), require_http_methods(list(names)))
        return _declare(checked, methods=names)

    return decorate


def requires(*rules):
    """Refuse (the rule's 403) a request whose user does not pass each of ``rules``:
    ``@requires(policy.may_review)``. A method the view does not answer is still a 405."""

    def decorate(view):
        view = _routable(view)
        inner = declaration_of(view)

        def check(func):
            @functools.wraps(func)
            def checked(request, *args, **kwargs):
                if inner.methods is None or request.method in inner.methods:
                    for each in rules:
                        each.check(request.user)
                return func(request, *args, **kwargs)

            return checked

        return _declare(_decorate(view, check), requires=(*inner.requires, *rules))

    return decorate


def asks_for_a_file(view):
    """A view that asks for a file prepared in the background (an export, a brief's PDF):
    any reader with a role may, a coordinator too (asking changes no record); a GET
    answers the offer of the file, a POST starts it (commitments/views/jobs.py); any other
    method is a 405. The one rule of every such address."""
    return requires(has_role)(methods("GET", "POST")(coordinators_may_post(view)))


_DECORATORS = {
    "methods": lambda view, names: methods(*names)(view),
    "requires": lambda view, rules: requires(*rules)(view),
    "rate_limit": lambda view, limit: rate_limit(limit)(view),
    "coordinators_may_post": lambda view, on: coordinators_may_post(view) if on else view,
    "recent_password": lambda view, on: recent_password(view) if on else view,
    "password_step": lambda view, on: password_step(view) if on else view,
    "signs_in_itself": lambda view, on: signs_in_itself(view) if on else view,
    "public": lambda view, on: public(view) if on else view,
}


def declare(view, **declared):
    """Declare a view we route to but did not write (Django's, a library's) where we route
    it: ``declare(LogoutView.as_view(), methods=("POST",), password_step=True)`` is the
    view with the decorators of those names applied."""
    unknown = set(declared) - set(_DECORATORS)
    if unknown:
        raise TypeError(f"Unknown declarations: {sorted(unknown)}")
    for name, decorator in _DECORATORS.items():
        if name in declared:
            view = decorator(view, declared[name])
    return view if declared else _declare(_routable(view))


def declare_patterns(patterns, declared_for):
    """The URL patterns of an included URLconf (the admin's), each view declared with
    ``declared_for(pattern)`` (keyword arguments of ``declare``)."""
    result = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            result.append(
                URLResolver(
                    pattern.pattern,
                    declare_patterns(pattern.url_patterns, declared_for),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        elif isinstance(pattern, URLPattern):
            result.append(
                URLPattern(
                    pattern.pattern,
                    declare(pattern.callback, **declared_for(pattern)),
                    pattern.default_args,
                    pattern.name,
                )
            )
        else:
            result.append(pattern)
    return result


# --- Rules of the middlewares ------------------------------------------------------------------

COORDINATORS_READ_ONLY = _("Coordinators review updates; they do not change them.")


def refuses_write(user, view):
    """Whether a non-GET request of ``user`` to ``view`` is refused: coordinators read and
    review, and send nothing but to the views declared ``@coordinators_may_post``."""
    if declaration_of(view).coordinators_may_post:
        return False
    return role_of(user) == Role.COORDINATOR
