"""Every URL of the application with sample arguments, and the answer each role gets: the
sweep that every new URL joins (the access tests, the headers and fuzzing tests use it)."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from commitments import policy

ROLES = ["anonymous", "alice", "bob", "carol", "dave", "nora"]


def answers(anonymous, alice, bob, carol, dave, nora):
    """Expected status codes, in the order of ROLES."""
    return dict(zip(ROLES, [anonymous, alice, bob, carol, dave, nora], strict=True))


READ = answers(302, 200, 200, 200, 200, 403)


POST_ONLY = answers(302, 405, 405, 405, 405, 405)


# A link to a file offers it (a page with a button); only the button's POST starts a job.
OFFERS_A_FILE = READ


# url name -> expected GET status per role. The sample update is a published update of
# Canada; edit and history use a Canadian draft, which Mexico's bob may not even see.
MATRIX = {
    "dashboard": READ,
    # Coordinators and administrators follow the cycle across years and countries.
    "compare_years": answers(302, 403, 403, 200, 200, 403),
    "timeliness": answers(302, 403, 403, 200, 200, 403),
    "open_dashboard_on": POST_ONLY,
    "objective_list": READ,
    "objective_detail": READ,
    "country_list": READ,
    "country_detail": READ,
    "meeting_list": READ,
    "meeting_detail": READ,
    "meeting_brief": READ,
    # Taking a meeting's snapshot answers POST only (tests/workflow/test_meeting_snapshots.py).
    "meeting_snapshot": POST_ONLY,
    "update_list": READ,
    # Files are prepared by background jobs: following the link offers the file, and
    # asking for it (a POST) sends to the job's page, which only the person who asked may
    # open (the sample job is alice's, still queued, so its download answers 409);
    # tests/jobs/ has the rest.
    "meeting_brief_pdf": OFFERS_A_FILE,
    "update_export_csv": OFFERS_A_FILE,
    "update_export_xlsx": OFFERS_A_FILE,
    "update_export_zip": OFFERS_A_FILE,
    "job_list": READ,
    "job_detail": answers(302, 200, 404, 404, 404, 403),
    "job_status": answers(302, 200, 404, 404, 404, 403),
    "job_download": answers(302, 409, 404, 404, 404, 403),
    # The status matrix of a period is small: a direct download.
    "matrix_export_csv": READ,
    "matrix_export_xlsx": READ,
    "update_detail": READ,
    # A country's baselines, targets and milestones, kept by its own officials only
    # (tests/workflow/test_indicators.py); the sample milestone is Canada's.
    "objective_plan": answers(302, 200, 200, 403, 403, 403),
    "milestone_add": answers(302, 200, 200, 403, 403, 403),
    "milestone_edit": answers(302, 200, 403, 403, 403, 403),
    "update_create": answers(302, 200, 200, 403, 403, 403),
    "update_edit": answers(302, 200, 404, 403, 403, 403),
    "update_history": answers(302, 200, 404, 200, 200, 403),
    "review_queue": answers(302, 403, 403, 200, 403, 403),
    # A coordinator enters a report a country sent by note or e-mail
    # (tests/workflow/test_reports_on_behalf.py).
    "update_on_behalf": answers(302, 403, 403, 200, 403, 403),
    # Several at once (tests/workflow/test_batches.py): POST only.
    "update_submit_batch": POST_ONLY,
    "review_publish_batch": POST_ONLY,
    # Workflow actions answer POST only; who may do what is in
    # tests/workflow/test_update_lifecycle.py.
    "update_submit": POST_ONLY,
    "update_withdraw": POST_ONLY,
    "update_publish": POST_ONLY,
    "update_return": POST_ONLY,
    "update_comment": POST_ONLY,
    # Withdrawing and publishing are confirmed on a page of their own first
    # (tests/workflow/test_reviewing.py); the sample is a Canadian draft, which only
    # awaits review once submitted (409 for the coordinator).
    "update_withdraw_confirm": answers(302, 200, 404, 403, 403, 403),
    "update_publish_confirm": answers(302, 403, 403, 409, 403, 403),
    # An evidence file, to whoever reads its update (tests/evidence/): none in the sample.
    "evidence_download": answers(302, 404, 404, 404, 404, 403),
    # The secretariat's assessment (tests/evidence/test_assessments.py): every reader sees
    # the final ones; writing, replying and making final answer POST only.
    "assessment_overview": READ,
    "assessment_detail": READ,
    "assessment_export_csv": READ,
    "assessment_export_xlsx": READ,
    "assessment_save": POST_ONLY,
    "assessment_reply": POST_ONLY,
    "assessment_finalise": POST_ONLY,
    # The JSON feed answers machines: 401 instead of a redirect to the sign-in page.
    "api_updates": answers(401, 200, 200, 200, 200, 403),
    "api_objectives": answers(401, 200, 200, 200, 200, 403),
    "api_countries": answers(401, 200, 200, 200, 200, 403),
    "api_sets": answers(401, 200, 200, 200, 200, 403),
    "api_periods": answers(401, 200, 200, 200, 200, 403),
    "api_meetings": answers(401, 200, 200, 200, 200, 403),
    "api_snapshots": answers(401, 200, 200, 200, 200, 403),
    "api_indicators": answers(401, 200, 200, 200, 200, 403),
    "api_milestones": answers(401, 200, 200, 200, 200, 403),
    "api_assessments": answers(401, 200, 200, 200, 200, 403),
    "api_openapi": answers(401, 200, 200, 200, 200, 403),
    "healthz": answers(200, 200, 200, 200, 200, 200),
    "livez": answers(200, 200, 200, 200, 200, 200),
    "login": answers(200, 200, 200, 200, 200, 200),
    "logout": answers(302, 405, 405, 405, 405, 405),
    "password_change": answers(302, 200, 200, 200, 200, 200),
    # "Stay signed in" from the warning before a session ends (tests/security/test_kept_forms.py).
    "session_extend": answers(302, 405, 405, 405, 405, 405),
    # Officials choose which e-mails about their country's updates they get
    # (tests/workflow/test_notifications.py).
    "notification_settings": answers(302, 200, 200, 403, 403, 403),
    "password_change_done": answers(302, 200, 200, 200, 200, 200),
    "set_language": answers(405, 405, 405, 405, 405, 405),  # POST only
    # Account security pages (tests/security/test_two_factor.py): every signed-in account has them.
    "reauth": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    "mfa_setup": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    # Without an authenticator app yet, the second step sends to the set-up page.
    "mfa_verify": dict.fromkeys(ROLES, 302),
    "mfa_recovery_codes": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    # Removing a security key: only one's own (tests/security/test_security_keys.py); none here.
    "mfa_security_key_remove": answers(302, 404, 404, 404, 404, 404),
    # django-otp-webauthn's JSON endpoints (security keys) answer POST only, and the
    # catalogue of its script's messages every signed-in account.
    "otp_webauthn:credential-registration-begin": POST_ONLY,
    "otp_webauthn:credential-registration-complete": POST_ONLY,
    "otp_webauthn:credential-authentication-begin": POST_ONLY,
    "otp_webauthn:credential-authentication-complete": POST_ONLY,
    "otp_webauthn:js-i18n-catalog": {**dict.fromkeys(ROLES, 200), "anonymous": 302},
    # The admin's own sign-in page sends everyone to the one sign-in form.
    "admin_login": dict.fromkeys(ROLES, 302),
    # An invitation's link, public: one no invitation matches is refused to everyone
    # (tests/security/test_invitations.py has the rest).
    "accept_invitation": dict.fromkeys(ROLES, 404),
}


# Reachable without signing in; everything else must send an anonymous visitor to sign in.
PUBLIC = {"login", "healthz", "livez", "admin_login", "accept_invitation"}


def iter_patterns(resolver=None, prefix="", namespace=None):
    """Yield (route, name, namespace) for every concrete pattern of the URLconf."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from iter_patterns(pattern, route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name, namespace


def iter_views(resolver=None, prefix="", namespace=None):
    """Yield (route, name with its namespace or None, view) for every concrete pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from iter_views(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield route, name, pattern.callback


def names_declared(test):
    """The URL names (ours and the admin's) whose view's declaration passes ``test``."""
    return {name for _, name, view in iter_views() if name and test(policy.declaration_of(view))}


def declared_rate_limits():
    """Every rate limit a routed view declares, by name."""
    return {
        limit.name: limit
        for _, _, view in iter_views()
        if (limit := policy.declaration_of(view).rate_limit) is not None
    }


def url_for(name, sample):
    kwargs = {
        "objective_detail": {"pk": sample["objective_pk"]},
        "open_dashboard_on": {"year": 2024},
        "update_create": {"pk": sample["objective_pk"]},
        "objective_plan": {"pk": sample["objective_pk"]},
        "milestone_add": {"pk": sample["objective_pk"]},
        "milestone_edit": {"pk": sample["milestone_pk"]},
        "update_detail": {"pk": sample["update_pk"]},
        "update_edit": {"pk": sample["draft_pk"]},
        "update_history": {"pk": sample["draft_pk"]},
        "update_submit": {"pk": sample["draft_pk"]},
        "update_withdraw": {"pk": sample["draft_pk"]},
        "update_publish": {"pk": sample["draft_pk"]},
        "update_withdraw_confirm": {"pk": sample["draft_pk"]},
        "update_publish_confirm": {"pk": sample["draft_pk"]},
        "update_return": {"pk": sample["draft_pk"]},
        "update_comment": {"pk": sample["draft_pk"]},
        "meeting_detail": {"pk": sample["meeting_pk"]},
        "meeting_brief": {"pk": sample["meeting_pk"]},
        "meeting_brief_pdf": {"pk": sample["meeting_pk"]},
        "meeting_snapshot": {"pk": sample["meeting_pk"]},
        "country_detail": {"code": sample["code"]},
        "job_detail": {"pk": sample["job_pk"]},
        "job_status": {"pk": sample["job_pk"]},
        "job_download": {"pk": sample["job_pk"]},
        "mfa_security_key_remove": {"pk": 999_999},
        "accept_invitation": {"token": "no-such-invitation"},
        "evidence_download": {"pk": sample["update_pk"], "file_pk": 999_999},
        **{
            name: {"pk": sample["objective_pk"], "code": sample["code"], "review": "interim"}
            for name in (
                "assessment_detail",
                "assessment_save",
                "assessment_reply",
                "assessment_finalise",
            )
        },
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


# Namespaces whose URLs are ours to decide (the admin's are swept below).
DECIDED_NAMESPACES = {None, "otp_webauthn"}


KEY_ENDPOINTS = {
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
}
