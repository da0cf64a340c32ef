"""Forged input never makes the application fail.

NUL bytes, control characters, bidi overrides, huge numbers, very long strings and
non-ASCII digits go into every URL pattern (the resolver is walked, as in
tests/access/test_url_answers.py), every query parameter of the lists and of the admin's
changelists (filters, search, ordering, date hierarchy, pagination), and every field of
every form, the application's and the admin's add and change forms, as every role. The
answer is a page, a redirect, a 400, 403, 404, 405 or 429 with a form error: never a 500,
nothing is saved when the input is refused, and no stored text ever holds a control
character.
"""

import datetime
import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commitments.filters import ProgressUpdateFilter
from commitments.models import (
    ApiToken,
    Country,
    Meeting,
    Membership,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)
from tests.conftest import PASSWORD
from tests.support.forms import main_form_data
from tests.support.urls import ROLES, declared_rate_limits, iter_patterns

HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01",  # a C0 control character
    "\x9b",  # a C1 control character (CSI)
    "\r\n2024-01-01 00:00:00,000 WARNING forged line",
    "\u202etxt.exe",  # a right-to-left override
    "9" * 30,  # beyond every integer column
    "-" + "9" * 20,
    "²",  # a digit to str.isdigit(), not to int()
    "١٢٣",  # Arabic-Indic digits, which int() reads as 123
    "²²²²",  # four "digits", like a year
    "x" * 5000,
]
# The ones that matter most, for the larger sweeps (every field of every form).
SHARP = ["a\x00b", "\x01\u202e", "9" * 30, "²", "x" * 5000]
# In a path, any NUL is refused before the view: one of them is enough.
PATH_VALUES = [v for v in HOSTILE if v not in {"a\x00b", "-" + "9" * 20}]

# Nothing else may answer; a 500 is a bug.
FINE = {200, 301, 302, 400, 401, 403, 404, 405, 409, 429}

SINGLE_LINE_FORBIDDEN = "[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
MULTI_LINE_FORBIDDEN = "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\r]"

# What django-axes keeps of a failed sign-in's request for the record, as sent (NUL
# bytes replaced); shown escaped in its admin, never used as text.
RAW_RECORDS = {"axes.AccessAttempt.get_data", "axes.AccessAttempt.post_data"}

fuzz = hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    # Counted requests would answer 429 before the input is even read. The settings
    # replace a view's declared limit by its name.
    per = {name: limit.per for name, limit in declared_rate_limits().items()}
    per.update({name: each for name, (_, _, each) in settings.RATE_LIMITS.items()})
    settings.RATE_LIMITS = {name: (10**6, 3600, each) for name, each in per.items()}


@pytest.fixture
def world(cast, make_update):
    """One of everything a URL or a form can point at."""
    published = make_update(author=cast.alice)
    draft = make_update(author=cast.alice, state="draft")
    submitted = make_update(author=cast.alice, state="submitted")
    token = ApiToken(user=cast.bob, name="Mexico's dashboard")
    token.issue()
    token.save()
    TOTPDevice.objects.create(user=cast.uma, name="authenticator app", confirmed=True)
    # A small set for the admin's change form: one row in each inline is enough.
    small = ObjectiveSet.objects.create(year=2031, adopted_at=Meeting.objects.get(ordinal=8))
    small.objectives.create(number=1, title="One", text="The one objective")
    small.periods.create(
        name="2031 Q1",
        starts_on=datetime.date(2031, 1, 1),
        ends_on=datetime.date(2031, 3, 31),
        deadline=datetime.date(2031, 4, 15),
    )
    return {"published": published, "draft": draft, "submitted": submitted, "set": small}


def client_for(cast, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    return client


def check(failures, response, what):
    if response.status_code not in FINE:
        failures.append(f"{response.status_code} {what}")


def shown(value):
    return repr(value if len(value) < 40 else value[:20] + "…")


def stored_text_is_clean():
    """No text column of any model holds a control character (single-line columns: no
    line break, tab or bidi override either)."""
    dirty = []
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "admin", "contenttypes"}:
            continue
        for field in model._meta.concrete_fields:
            if f"{model._meta.label}.{field.name}" in RAW_RECORDS:
                continue
            if isinstance(field, models.TextField):
                pattern = MULTI_LINE_FORBIDDEN
            elif isinstance(field, models.CharField):
                pattern = SINGLE_LINE_FORBIDDEN
            else:
                continue
            rows = model._default_manager.filter(**{f"{field.attname}__regex": pattern})
            if rows.exists():
                dirty.append(f"{model._meta.label}.{field.name}")
    assert dirty == []


# --- every URL pattern, with hostile values in its path parameters -------------------------


def hostile_paths():
    for route, name, _namespace in iter_patterns():
        if "(?P" in route:  # the admin's app index and catch-all: regular expressions
            continue
        if "<" not in route:
            continue
        for value in PATH_VALUES:
            yield name or route, "/" + re.sub(r"<(?:\w+:)?\w+>", quote(value, safe=""), route)


def test_hostile_path_parameters_never_fail_as_any_role(cast, world):
    before = ProgressUpdate.objects.count(), Membership.objects.count()
    failures = []
    for role in ROLES:
        client = client_for(cast, role)
        for name, path in hostile_paths():
            check(failures, client.get(path), f"{role} GET {name} {shown(path)}")
        for name, path in list(hostile_paths())[::4]:
            check(failures, client.post(path, {}), f"{role} POST {name} {shown(path)}")
    assert failures == [], "\n".join(failures)
    assert (ProgressUpdate.objects.count(), Membership.objects.count()) == before
    stored_text_is_clean()


def test_a_nul_byte_in_the_path_is_a_bad_request(login, cast):
    assert login(cast.alice).get("/countries/%00/").status_code == 400


# --- every query parameter of the lists ------------------------------------------------------

FILTERS = list(ProgressUpdateFilter.base_filters)
LIST_PARAMETERS = {
    "update_list": [*FILTERS, "page"],
    "update_export_csv": FILTERS,
    "update_export_xlsx": FILTERS,
    "api_updates": [*FILTERS, "page"],
    "api_objectives": ["year", "page"],
    "api_countries": ["page"],
    "objective_detail": ["page"],
    "country_detail": ["page"],
    "review_queue": ["page"],
    "dashboard": ["page"],
    "login": ["next"],
    "reauth": ["next"],
    "mfa_verify": ["next"],
}


def list_url(name, world):
    update = world["published"]
    kwargs = {
        "objective_detail": {"pk": update.objective_id},
        "country_detail": {"code": "ca"},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def test_hostile_query_parameters_of_the_lists_never_fail_as_any_role(cast, world):
    failures = []
    for role in ROLES:
        client = client_for(cast, role)
        for name, parameters in LIST_PARAMETERS.items():
            url = list_url(name, world)
            # Each parameter alone (so that no other one is refused first) for an official,
            # a coordinator and an admin, who see the lists; then all of them at once.
            if role in {"alice", "carol", "dave"}:
                for parameter in parameters:
                    for value in PATH_VALUES:
                        response = client.get(url, {parameter: value})
                        check(failures, response, f"{role} {name}?{parameter}={shown(value)}")
            for value in HOSTILE:
                response = client.get(url, dict.fromkeys(parameters, value))
                check(failures, response, f"{role} {name}?all={shown(value)}")
    assert failures == [], "\n".join(failures)


@fuzz
@given(
    name=st.sampled_from(sorted(LIST_PARAMETERS)),
    role=st.sampled_from(ROLES),
    query=st.dictionaries(
        st.sampled_from(sorted({p for ps in LIST_PARAMETERS.values() for p in ps})),
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)),
        max_size=5,
    ),
)
@example(name="api_objectives", role="bob", query={"year": "²²²²", "page": "\x01"})
def test_any_mix_of_hostile_query_parameters_never_fails(cast, world, name, role, query):
    response = client_for(cast, role).get(list_url(name, world), query)
    assert response.status_code in FINE


def test_the_feed_answers_forged_parameters_with_a_json_400(login, cast):
    client = login(cast.alice)
    for url in [
        "/api/v1/objectives/?year=²²²²",
        "/api/v1/updates/?q=%00",
        "/api/v1/countries/?%00",
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]


# --- every query parameter of the admin's changelists --------------------------------------


def changelist_parameters(model_admin, user):
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    names = {"q", "o", "p", "e", "all", "_to_field", "_popup", "_changelist_filters"}
    for spec in changelist.filter_specs:
        names.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        names.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


def changelists():
    for model in admin.site._registry:
        yield model, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_hostile_admin_changelist_parameters_never_fail_as_any_role(cast, world):
    client = client_for(cast, "dave")
    failures = []
    for model, url in changelists():
        for parameter in changelist_parameters(admin.site._registry[model], cast.dave):
            numeric = parameter in {"o", "p"} or parameter.endswith(("__year", "__month", "__day"))
            for value in ["a\x00b", "9" * 30, "²"] if numeric else ["a\x00b", "9" * 30]:
                response = client.get(url, {parameter: value})
                check(failures, response, f"{url}?{parameter}={shown(value)}")
    # Everyone else is sent to sign in, told the admin is not for them (signed in) or
    # refused for the NUL byte, whatever they send.
    for role in [r for r in ROLES if r != "dave"]:
        client = client_for(cast, role)
        for _model, url in changelists():
            for value in SHARP:
                response = client.get(url, {"q": value, "o": value, "p": value})
                if response.status_code not in {302, 400, 403}:
                    failures.append(f"{response.status_code} {role} {url} {shown(value)}")
    assert failures == [], "\n".join(failures)


def test_hostile_admin_actions_never_fail_and_change_nothing(cast, world):
    client = client_for(cast, "dave")
    request = RequestFactory().post("/")
    request.user = cast.dave
    failures = []
    for model, url in changelists():
        before = model._default_manager.count()
        for action in admin.site._registry[model].get_actions(request):
            for value in [*SHARP, "abc", "-1"]:
                for data in (
                    {"action": action, "index": "0", "_selected_action": value},
                    {"action": action, "index": value, "_selected_action": "1"},
                    {"action": value, "index": "0", "select_across": value},
                ):
                    check(failures, client.post(url, data), f"{url} {action} {data}")
        if model._default_manager.count() != before:
            failures.append(f"changed: {url}")
    assert failures == [], "\n".join(failures)


def test_the_audit_list_refuses_a_nul_action_and_an_impossible_year(login, cast):
    client = login(cast.dave)
    assert client.get("/admin/commitments/auditentry/?action=%00").status_code == 400
    for year in ["99999999999", "9999"]:  # no datetime holds it, or the year after it
        response = client.get(f"/admin/commitments/auditentry/?created_at__year={year}")
        assert response.status_code == 302  # back to the list, with Django's notice
        assert response.url.endswith("?e=1")


# --- every form of the application ----------------------------------------------------------


def app_forms(world, objective, q1):
    """(url name, url, valid baseline, models the form may change)."""
    draft, submitted = world["draft"], world["submitted"]
    update = {"period": q1.pk, "status": "on_track", "narrative": "Progress", "language": "en"}
    update_models = (ProgressUpdate,)
    return [
        ("update_create", reverse("update_create", args=[objective.pk]), update, update_models),
        (
            "update_edit",
            reverse("update_edit", args=[draft.pk]),
            {**update, "version": draft.version, "evidence_links": "https://e.org/a"},
            update_models,
        ),
        ("update_comment", reverse("update_comment", args=[draft.pk]), {"body": "A comment"}, ()),
        (
            "update_return",
            reverse("update_return", args=[submitted.pk]),
            {"reason": "Add figures", "version": submitted.version},
            update_models,
        ),
        ("update_submit", reverse("update_submit", args=[draft.pk]), {"version": 1}, update_models),
        (
            "update_publish",
            reverse("update_publish", args=[submitted.pk]),
            {"version": submitted.version},
            update_models,
        ),
        ("login", reverse("login"), {"username": "alice", "password": "wrong", "next": "/"}, ()),
        (
            "password_change",
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
            (),
        ),
        ("reauth", reverse("reauth"), {"password": "wrong", "next": "/"}, ()),
        ("mfa_setup", reverse("mfa_setup"), {"token": "123456"}, ()),
        ("mfa_verify", reverse("mfa_verify"), {"token": "123456", "next": "/"}, ()),
        ("set_language", reverse("set_language"), {"language": "fr", "next": "/"}, ()),
    ]


def rows_of(model_classes):
    from commitments.models import Comment

    return [
        list(model.objects.order_by("pk").values_list())
        for model in (*model_classes, Comment, get_user_model())
    ]


def test_hostile_values_in_every_field_of_every_form_never_fail_as_any_role(
    cast, world, objective, q1
):
    failures = []
    for role in ROLES:
        for name, url, baseline, changed_models in app_forms(world, objective, q1):
            client = client_for(cast, role)  # a fresh session: a form may sign out or lock
            for field in baseline:
                for value in SHARP:
                    before = rows_of(changed_models)
                    response = client.post(url, {**baseline, field: value})
                    what = f"{role} {name} {field}={shown(value)}"
                    check(failures, response, what)
                    if response.status_code not in {301, 302}:
                        if rows_of(changed_models) != before:
                            failures.append(f"saved on refusal: {what}")
    assert failures == [], "\n".join(failures)
    stored_text_is_clean()


# --- every add and change form of the admin ---------------------------------------------------


ADMIN_TEXT = ["a\x00b", "9" * 30]
FORMSET_COUNTS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


def admin_forms(cast, world):
    """(url, model) of every admin add and change form, with an object to change."""
    User = get_user_model()
    objects = {
        ObjectiveSet: world["set"],
        User: cast.bob,
        TOTPDevice: TOTPDevice.objects.get(user=cast.uma),
        ApiToken: ApiToken.objects.get(),
    }
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        request = RequestFactory().get("/")
        request.user = cast.dave
        if model_admin.has_add_permission(request):
            yield reverse("admin:{}_{}_add".format(*info)), model
        obj = objects.get(model) or model._default_manager.order_by("pk").first()
        if obj is not None and model_admin.has_change_permission(request, obj):
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk]), model
    yield reverse("admin:auth_user_password_change", args=[cast.bob.pk]), User
    yield reverse("admin:commitments_objectiveset_import"), None


def test_hostile_values_in_every_field_of_every_admin_form_never_fail_as_any_role(cast, world):
    client = client_for(cast, "dave")
    failures = []
    for url, model in admin_forms(cast, world):
        page = client.get(url)
        assert page.status_code == 200, url
        baseline, choices = main_form_data(page.text)
        # Inline rows repeat the same fields: the first row of each is enough; the
        # empty row an inline copies from is not read.
        fields = [
            name
            for name in baseline
            if name != "csrfmiddlewaretoken" and not re.search(r"-([1-9]\d*|__prefix__)-", name)
        ]
        watched = [model] if model else []
        for field in fields:
            # A choice (or a formset's count) is refused whatever it is; text is checked
            # character by character and numbers for their range.
            bookkeeping = field in choices or field.endswith(FORMSET_COUNTS) or "initial-" in field
            # An add form's other fields are mostly empty: one value shows it holds too.
            for value in ["a\x00b"] if bookkeeping or url.endswith("/add/") else ADMIN_TEXT:
                before = rows_of(watched)
                response = client.post(url, {**baseline, field: value})
                check(failures, response, f"{url} {field}={shown(value)}")
                if response.status_code in {301, 302}:
                    baseline, _ = main_form_data(client.get(url).text)  # a new version to edit
                elif rows_of(watched) != before:
                    failures.append(f"saved on refusal: {url} {field}={shown(value)}")
    # Everyone else is sent to sign in or refused, and nothing changes.
    reference = [Membership, Country, Meeting, ObjectiveSet, Objective, ReportingPeriod, ApiToken]

    def reference_rows():
        return [list(model.objects.order_by("pk").values_list()) for model in reference]

    before = reference_rows()
    for role in [r for r in ROLES if r != "dave"]:
        client = client_for(cast, role)
        for url, _model in admin_forms(cast, world):
            for value in SHARP[:2]:
                response = client.post(url, {"name": value, "username": value, "title": value})
                if response.status_code not in {302, 403}:
                    failures.append(f"{response.status_code} {role} {url} {shown(value)}")
    if reference_rows() != before:
        failures.append("saved by someone who is not an admin")
    assert failures == [], "\n".join(failures)
    stored_text_is_clean()


def test_the_sign_in_form_answers_every_hostile_username_like_a_wrong_password(cast):
    for value in HOSTILE[:-1]:  # the last is longer than any username: a form error
        response = Client().post(reverse("login"), {"username": value, "password": PASSWORD})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text, shown(value)
