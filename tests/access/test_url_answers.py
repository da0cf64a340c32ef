"""Every URL × every role: the expected answer, decided explicitly for each new URL.

The sweep walks the URL resolver, so a URL added without an entry in MATRIX (or in the
admin's or the public allowlist) fails the suite.
"""

import re

import pytest
from django.urls import get_resolver, reverse

from commitments import policy
from commitments.models import Membership, ProgressUpdate
from tests.support.urls import (
    DECIDED_NAMESPACES,
    KEY_ENDPOINTS,
    MATRIX,
    PUBLIC,
    ROLES,
    declared_rate_limits,
    iter_patterns,
    iter_views,
    names_declared,
    url_for,
)

# alice: official of Canada, who wrote the sample update; bob: official of Mexico;
# carol: coordinator; dave: admin; nora: signed in, no role.


def test_every_url_has_a_decision():
    names = {
        name if namespace is None else f"{namespace}:{name}"
        for _, name, namespace in iter_patterns()
        if namespace in DECIDED_NAMESPACES
    }
    assert names - set(MATRIX) == set(), "Add the new URL to MATRIX with its expected answers"
    assert set(MATRIX) - names == set()


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, cast, sample, name, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    response = client.get(url_for(name, sample))
    assert response.status_code == MATRIX[name][role], (name, role)
    if response.status_code == 302 and role == "anonymous":
        assert response.url.startswith(reverse("login")) or name == "set_language"


def test_every_admin_url_sends_anonymous_visitors_to_sign_in(client, sample):
    checked = 0
    for route, name, namespace in iter_patterns():
        if namespace != "admin" or name in {"login", "logout"} or "(?P" in route:
            continue
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", str(sample["pk"]), route)
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(("/admin/login/", reverse("login"))), path
        checked += 1
    assert checked > 30


@pytest.mark.parametrize(
    ("role", "status"),
    [("alice", 403), ("bob", 403), ("carol", 403), ("nora", 403), ("dave", 200)],
)
def test_only_admins_reach_the_admin(client, cast, role, status):
    """Anyone else signed in is told the admin is not for them (tests/access/
    test_not_for_you.py), never sent to the sign-in form."""
    client.force_login(getattr(cast, role))
    for path in ["/admin/", "/admin/commitments/objective/", "/admin/commitments/membership/"]:
        assert client.get(path).status_code == status, path


def test_inactive_user_is_treated_as_anonymous(client, cast, sample):
    client.force_login(cast.erin)
    # Django refuses to authenticate an inactive user's session: they must sign in again.
    assert client.get(reverse("dashboard")).status_code == 302


def test_posting_to_another_countrys_update_is_404_and_changes_nothing(client, cast, sample):
    client.force_login(cast.bob)
    response = client.post(
        url_for("update_edit", sample),
        {"period": 1, "status": "completed", "narrative": "Hijacked", "version": 1},
    )
    assert response.status_code == 404
    update = ProgressUpdate.objects.get(pk=sample["draft_pk"])
    assert (update.narrative, update.version) != ("Hijacked", 2)


@pytest.mark.parametrize("role", ["carol", "dave", "nora"])
def test_non_officials_cannot_post_updates(client, cast, sample, role, q1):
    client.force_login(getattr(cast, role))
    before = ProgressUpdate.objects.count()
    response = client.post(
        url_for("update_create", sample),
        {"period": q1.pk, "status": "on_track", "narrative": "Not mine to write"},
    )
    assert response.status_code == 403
    assert ProgressUpdate.objects.count() == before


def test_anonymous_posts_to_every_url_are_refused_or_sent_to_sign_in(client, sample):
    before = (ProgressUpdate.objects.count(), Membership.objects.count())
    for name in MATRIX:
        response = client.post(url_for(name, sample), {"narrative": "anonymous"})
        if name in PUBLIC | {"set_language"}:
            # The sign-in form re-renders, /healthz is GET-only, set_language only
            # redirects, an unknown invitation's link is refused (404).
            assert response.status_code in {200, 302, 404, 405}, name
            continue
        # Sent to sign in, or refused outright (a GET-only feed answers 401 or 405).
        assert response.status_code in {302, 401, 403, 405}, name
        if response.status_code == 302:
            assert response.url.startswith(reverse("login")), name
    for route, name, namespace in iter_patterns():
        if namespace == "admin" and name not in {"login", "logout"} and "(?P" not in route:
            path = "/" + re.sub(r"<(?:\w+:)?\w+>", str(sample["pk"]), route)
            assert client.post(path, {}).status_code == 302, path
    assert (ProgressUpdate.objects.count(), Membership.objects.count()) == before


# --- Every view declares what it requires, where it is defined ---------------------------------


def test_every_url_declares_what_its_view_requires():
    """No URL without a declaration: sign-in, second factor, the coordinators' read-only
    rule, rate limit and methods are read from the view itself (commitments.policy), and
    a view that says nothing else still names the methods it answers."""
    undeclared, without_methods = [], []
    for route, name, view in iter_views():
        if not policy.is_declared(view):
            undeclared.append(name or route)
        elif policy.declaration_of(view).methods is None:
            without_methods.append(name or route)
    assert undeclared == [], "Declare these views with commitments.policy's decorators"
    assert without_methods == [], "Declare the methods these views answer (@policy.methods)"
    assert len(list(iter_views())) > 100  # the admin's views are walked too


def test_what_a_view_declares_is_what_django_enforces():
    """A view declared public is what Django's sign-in requirement skips, and only such a
    view; its declared methods are what it answers."""
    for route, name, view in iter_views():
        declaration = policy.declaration_of(view)
        signs_in = getattr(view, "login_required", True)
        assert signs_in is (declaration.sign_in == policy.SIGN_IN_REQUIRED), name or route
    # Public: the sign-in pages, the probes and the language switch; the feed checks its
    # tokens itself.
    assert names_declared(lambda d: d.sign_in == policy.PUBLIC) == PUBLIC | {
        "set_language",
        "admin:login",
    }
    assert names_declared(lambda d: d.sign_in == policy.OWN_SIGN_IN) == {
        name for name in MATRIX if name.startswith("api_")
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_method_a_view_does_not_declare_is_refused(client, cast, sample, name):
    client.force_login(cast.alice)
    methods = policy.declaration_of(get_resolver().resolve(url_for(name, sample)).func).methods
    for method in {"GET", "POST"} - set(methods):
        assert getattr(client, method.lower())(url_for(name, sample)).status_code == 405, method


def test_the_exceptions_to_the_default_are_decided_one_by_one():
    """Widening who reaches a view is a decision: a new exception fails here until it is
    written down (what each may do is tested in test_security_mfa and test_security_authz)."""
    # Reached by a session that has passed only the password: the second step, its
    # set-up, the password again, what is needed to leave, and "Stay signed in" (the
    # warning before the session ends shows on the second step's pages too).
    assert names_declared(lambda d: d.password_step) == {
        "login",
        "logout",
        "session_extend",
        "healthz",
        "set_language",
        "mfa_setup",
        "mfa_verify",
        "reauth",
        "otp_webauthn:js-i18n-catalog",
        *KEY_ENDPOINTS,
    }
    # A coordinator's only non-GET requests: reviewing (one update or several), entering
    # a report a country sent formally, freezing a meeting's record, choosing the set every
    # page opens on, asking for a file, writing and finalising the secretariat's assessment, and
    # their own account.
    assert names_declared(lambda d: d.coordinators_may_post) == {
        "meeting_brief_pdf",
        "update_export_csv",
        "update_export_xlsx",
        "update_export_zip",
        "assessment_save",
        "assessment_finalise",
        "meeting_snapshot",
        "open_dashboard_on",
        "update_publish",
        "review_publish_batch",
        "update_on_behalf",
        "update_return",
        "update_comment",
        "logout",
        "session_extend",
        "password_change",
        "set_language",
        "mfa_setup",
        "mfa_verify",
        "mfa_recovery_codes",
        "mfa_security_key_remove",
        "reauth",
        *KEY_ENDPOINTS,
    }
    # Forms whose typed text is kept when posted after the session ended (kept_forms.py).
    assert names_declared(lambda d: d.keeps_form) == {
        "update_create",
        "update_edit",
        "update_on_behalf",
        "update_comment",
    }


def test_every_change_in_the_admin_and_nothing_else_needs_a_recent_password():
    admin = {name for _, name, _ in iter_views() if name and name.startswith("admin:")}
    assert names_declared(lambda d: d.recent_password) == admin - {"admin:login", "admin:logout"}
    unnamed = [view for _, name, view in iter_views() if name is None]
    assert unnamed and all(policy.declaration_of(view).recent_password for view in unnamed)


def test_views_sharing_a_rate_limit_declare_the_same_numbers():
    """A code and a security key are two ways through the second step: one count."""
    by_name = {}
    for _, name, view in iter_views():
        limit = policy.declaration_of(view).rate_limit
        if limit is not None:
            by_name.setdefault(limit.name, set()).add((limit, name))
    assert {name: {n for _, n in views} for name, views in by_name.items()} == {
        # A coordinator entering reports counts against the same limit as an official.
        "update_create": {"update_create", "update_on_behalf"},
        "mfa_verify": {"mfa_verify", "otp_webauthn:credential-authentication-complete"},
        "reauth": {"reauth"},
        "invitation": {"accept_invitation"},
    }
    for views in by_name.values():
        assert len({limit for limit, _ in views}) == 1


def test_a_views_rate_limit_lives_on_the_view_not_in_the_settings():
    """The settings tune a declared limit per deployment only (the benchmark lifts one):
    the project's own settings never restate one."""
    from nadd import settings as project_settings  # the module, not a test's override

    assert set(declared_rate_limits()) & set(project_settings.RATE_LIMITS) == set()
