"""Every change made in the admin, to any model registered there (ours, auth's, django-otp's,
django-axes'), leaves a complete audit entry: who, what, which object, each field's old
and new value, and never a secret.

The walk below goes through every model of ``admin.site`` and every inline of its admin,
and adds, changes and deletes through the admin's own pages, as a verified admin would.
A model registered tomorrow is walked too: until it has a sample below, its test fails.
"""

import datetime
import json

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from commitments import audit, mfa, snapshots
from commitments.models import (
    ApiToken,
    AuditEntry,
    Comment,
    Country,
    Indicator,
    IndicatorTarget,
    Meeting,
    Milestone,
    ObjectiveSet,
    ReminderLog,
)
from commitments.sessions import UserSession
from tests.support.forms import form_data
from tests.support.two_factor import verified_login

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "violet-harbour-lantern-crossing"


def _permission(codename):
    return Permission.objects.get(codename=codename).pk


# What to type into each model's add page (on top of what the page itself fills in), and
# what to change on its change page. Values may be callables of the cast.
ADD = {
    "commitments.handlingmarking": lambda cast: {
        "text": "UNCLASSIFIED",
        "text_es": "NO CLASIFICADO",
        "text_fr": "NON CLASSIFIÉ",
    },
    "auth.group": lambda cast: {
        "name": "Reviewers",
        "permissions": [_permission("view_progressupdate"), _permission("view_comment")],
    },
    # A new person is invited: no password typed (tests/security/test_invitations.py).
    "auth.user": lambda cast: {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "membership-0-role": "coordinator",
    },
    "otp_totp.totpdevice": lambda cast: {"user": cast.alice.pk, "name": "phone"},
    "commitments.country": lambda cast: {"code": "GT", "name": "Guatemala"},
    "commitments.meeting": lambda cast: {
        "kind": "summit",
        "ordinal": "9",
        "name": "9th Public Health Summit",
        "start_date": "2031-03-03",
        "end_date": "2031-03-04",
        "participants": [Country.objects.get(code="CA").pk, Country.objects.get(code="MX").pk],
    },
    "commitments.objectiveset": lambda cast: {
        "year": "2031",
        "adopted_at": Meeting.objects.order_by("start_date").first().pk,
    },
    "commitments.objective": lambda cast: {
        "objective_set": ObjectiveSet.objects.get(year=2024).pk,
        "number": "10",
        "title": "Precursor chemicals",
        "text": "Share information on precursor chemical shipments.",
    },
    "commitments.reportingperiod": lambda cast: {
        "objective_set": ObjectiveSet.objects.get(year=2024).pk,
        "name": "2024 extra",
        "starts_on": "2024-12-01",
        "ends_on": "2024-12-31",
        "deadline": "2025-01-15",
    },
    "commitments.membership": lambda cast: {"user": cast.nora.pk, "role": "coordinator"},
    "commitments.apitoken": lambda cast: {"user": cast.carol.pk, "name": "dashboard feed"},
    "commitments.indicator": lambda cast: {
        "objective": ObjectiveSet.objects.get(year=2024).objectives.get(number=1).pk,
        "number": "1",
        "name": "Naloxone kits distributed",
        "name_es": "Kits de naloxona distribuidos",
        "name_fr": "Trousses de naloxone distribuées",
        "definition": "Kits handed out in the quarter.",
        "unit": "kits",
        "direction": "higher",
        "additive": "on",
    },
}

CHANGE = {
    "commitments.handlingmarking": lambda cast: {"text": "UNCLASSIFIED // FOR OFFICIAL USE"},
    "auth.group": lambda cast: {"permissions": [_permission("view_progressupdate")]},
    "auth.user": lambda cast: {"first_name": "Nova", "email": "nova@example.org"},
    "otp_totp.totpdevice": lambda cast: {"name": "new phone", "confirmed": ""},
    "commitments.country": lambda cast: {"name": "Republic of Guatemala", "membership": "partner"},
    "commitments.meeting": lambda cast: {
        "place": "Ottawa",
        "participants": [Country.objects.get(code="US").pk],
    },
    "commitments.objectiveset": lambda cast: {"year": "2032"},
    "commitments.objective": lambda cast: {"title": "Precursor chemicals and pill presses"},
    "commitments.reportingperiod": lambda cast: {"deadline": "2025-01-31"},
    "commitments.membership": lambda cast: {"role": "admin"},
    "commitments.apitoken": lambda cast: {"revoked": "on"},
    "commitments.indicator": lambda cast: {"unit_fr": "trousses"},
}

# Rows of inlines: what a new row holds, and what is then changed in it.
INLINE_ROWS = {
    "commitments.meetingdocument": (
        {
            "kind": "joint_statement",
            "language": "es",
            "title": "Declaración conjunta",
            "url": "https://example.org/declaracion",
        },
        {"title": "Declaración conjunta final"},
    ),
    "commitments.objective": (
        {"number": "11", "title": "Pill presses", "text": "Pill presses", "is_active": "on"},
        {"title": "Pill presses and encapsulators"},
    ),
    "commitments.reportingperiod": (
        {
            "name": "Q5",
            "starts_on": "2031-01-01",
            "ends_on": "2031-03-31",
            "deadline": "2031-04-15",
        },
        {"ends_on": "2031-03-30"},
    ),
    "commitments.membership": (
        {"role": "official", "country": "MX", "language": "es"},
        {"language": "fr"},
    ),
    "commitments.priorityarea": (
        {"number": "7", "name": "Precursors", "name_es": "Precursores", "name_fr": "Précurseurs"},
        {"name_fr": "Les précurseurs"},
    ),
    "commitments.objectivelink": (
        {"kind": "continues", "earlier": lambda: _objective_of_an_earlier_year()},
        {"kind": "replaces"},
    ),
}


def _objective_of_an_earlier_year():
    """An objective of a set before every other (a link points to an earlier year)."""
    earliest = ObjectiveSet.objects.order_by("year").first()
    older, _ = ObjectiveSet.objects.get_or_create(
        year=earliest.year - 1 if earliest.year > 2000 else earliest.year,
        defaults={"adopted_at": earliest.adopted_at},
    )
    objective, _ = older.objectives.get_or_create(
        number=1, defaults={"title": "Earlier", "text": "An earlier objective"}
    )
    return str(objective.pk)


def _existing(label, cast, make_update):
    """An object of a model the admin cannot add (read-only logs and records)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    who = {"user_agent": "curl/8", "ip_address": "203.0.113.9", "username": "mallory"}
    where = {"http_accept": "*/*", "path_info": "/accounts/login/"}
    makers = {
        "axes.accessattempt": lambda: AccessAttempt.objects.create(
            **who, **where, get_data="", post_data="username=mallory", failures_since_start=3
        ),
        "axes.accesslog": lambda: AccessLog.objects.create(**who, **where, session_hash="x" * 64),
        "axes.accessfailurelog": lambda: AccessFailureLog.objects.create(**who, **where),
        "commitments.progressupdate": lambda: make_update(),
        "commitments.comment": lambda: Comment.objects.create(
            update=make_update(), author=cast.carol, body="Thanks."
        ),
        "commitments.reminderlog": lambda: ReminderLog.objects.create(
            recipient=cast.alice, kind="update_due", sent_on=timezone.localdate()
        ),
        "commitments.meetingsnapshot": lambda: snapshots.take_snapshot(
            actor=cast.carol,
            meeting=Meeting.objects.get(kind="plenary", ordinal=8),
            cutoff=datetime.date(2024, 11, 12),
        ),
        "commitments.auditentry": lambda: audit.record(
            actor=cast.alice, action="update.created", target=cast.alice
        ),
        "commitments.indicatortarget": lambda: IndicatorTarget.objects.create(
            indicator=Indicator.objects.create(
                objective=ObjectiveSet.objects.get(year=2024).objectives.get(number=2),
                name="People reached",
                definition="People reached by prevention programmes.",
                unit="people",
            ),
            country=Country.objects.get(code="CA"),
            target=100,
            target_date=datetime.date(2024, 12, 31),
            updated_by=cast.alice,
        ),
        "commitments.milestone": lambda: Milestone.objects.create(
            objective=ObjectiveSet.objects.get(year=2024).objectives.get(number=1),
            country=Country.objects.get(code="CA"),
            title="Pharmacies stock naloxone",
            due_on=datetime.date(2024, 6, 30),
            owner="Health Canada",
        ),
    }
    if label not in makers:
        pytest.fail(f"The admin cannot add {label}: add a way to make one to _existing().")
    return makers[label]()


def _resolve(sample, cast):
    return {name: value(cast) if callable(value) else value for name, value in sample(cast).items()}


def _secrets():
    """Every secret the database holds now: none may ever appear in an audit entry."""
    values = set(User.objects.values_list("password", flat=True))
    values |= set(TOTPDevice.objects.values_list("key", flat=True))
    values |= set(ApiToken.objects.values_list("key_hash", flat=True))
    values |= set(mfa.RecoveryCode.objects.values_list("code_hash", flat=True))
    values |= set(UserSession.objects.values_list("session_key", flat=True))
    return {value for value in values if value}


class Walk:
    """One verified admin going through one model's admin pages."""

    def __init__(self, client, cast, model):
        self.client, self.cast, self.model = client, cast, model
        self.opts = model._meta
        self.label = self.opts.label_lower
        self.base = f"/admin/{self.opts.app_label}/{self.opts.model_name}/"
        self.form_id = f"{self.opts.model_name}_form"
        self.model_admin = admin.site._registry[model]
        self.request = RequestFactory().get(self.base)
        self.request.user = cast.dave
        self.seen = set(AuditEntry.objects.values_list("pk", flat=True))
        self.secrets = set()

    def page(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return form_data(response.text, self.form_id)

    def post(self, url, data):
        self.secrets |= _secrets()
        response = self.client.post(url, data)
        self.secrets |= _secrets()
        # A new API token answers with the page showing its key once, not a redirect.
        shows_key = KEY_PAGE in [template.name for template in response.templates]
        if response.status_code == 200 and shows_key:
            return response
        if response.status_code != 302:
            errors = response.context.get("errors") if response.context else None
            pytest.fail(f"POST {url} answered {response.status_code}: {errors}")
        assert not response.url.startswith("/accounts/reauth"), "the admin needed a password"
        return response

    def new_entries(self):
        entries = list(AuditEntry.objects.exclude(pk__in=self.seen).order_by("id"))
        self.seen |= {entry.pk for entry in entries}
        for entry in entries:
            assert entry.actor == self.cast.dave, entry
            assert entry.changes, f"{entry.action} says nothing about what changed"
            written = json.dumps(entry.changes) + entry.target_repr + entry.target_id
            leaked = [secret for secret in self.secrets if secret in written]
            assert not leaked, f"{entry.action} wrote a secret"
        return entries

    def assert_recorded(self, action, obj, entries):
        matching = [
            entry
            for entry in entries
            if entry.action == action
            and entry.target_id == str(obj.pk)
            and entry.target_type.model_class()._meta.concrete_model
            is type(obj)._meta.concrete_model
        ]
        assert matching, f"no {action} entry for {obj!r}; got {[e.action for e in entries]}"
        assert all(entry.changes for entry in matching), f"{action} with no changes"
        return matching[0]

    def refused(self, url, obj=None):
        """The page refuses to change anything (it may still be shown, read-only)."""
        before = self.model._base_manager.count()
        state = self.row(obj)
        if obj is None or not url.endswith("/change/"):
            assert self.client.get(url).status_code == 403, url
        assert self.client.post(url, {"post": "yes"}).status_code == 403, url
        assert self.model._base_manager.count() == before
        assert self.row(obj) == state

    def row(self, obj):
        return None if obj is None else self.model._base_manager.filter(pk=obj.pk).values().get()


KEY_PAGE = "admin/commitments/apitoken/key_issued.html"


def _walk_inline(walk, obj, inline):
    """Add a row through the parent's change page, change it, then delete it."""
    model = inline.model
    label = model._meta.label_lower
    if label not in INLINE_ROWS:
        pytest.fail(f"No sample row for the inline {label} of {walk.label}: add it to INLINE_ROWS.")
    new_row, changed = INLINE_ROWS[label]
    prefix = inline.get_formset(walk.request, obj).get_default_prefix()
    url = f"{walk.base}{obj.pk}/change/"

    data = walk.page(url)
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    existing = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}
    row = {
        name: (
            str(Country.objects.get(code=value).pk)
            if name == "country"
            else value()
            if callable(value)
            else value
        )
        for name, value in new_row.items()
    }
    # A one-to-one inline shows its single blank row already; otherwise add one.
    if f"{prefix}-{index - 1}-id" in data and not data[f"{prefix}-{index - 1}-id"]:
        index -= 1
    else:
        data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    walk.post(url, data)
    created = model._base_manager.exclude(pk__in=existing).get()
    walk.assert_recorded(f"{model._meta.model_name}.created", created, walk.new_entries())

    data = walk.page(url)
    position = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(created.pk)
    )
    data.update({f"{prefix}-{position}-{name}": value for name, value in changed.items()})
    walk.post(url, data)
    entry = walk.assert_recorded(f"{model._meta.model_name}.changed", created, walk.new_entries())
    assert set(changed) <= set(entry.changes), entry.changes

    data = walk.page(url)
    if inline.can_delete and inline.has_delete_permission(walk.request, obj):
        data[f"{prefix}-{position}-DELETE"] = "on"
        walk.post(url, data)
        assert not model._base_manager.filter(pk=created.pk).exists()
        entry = walk.assert_recorded(
            f"{model._meta.model_name}.deleted", created, walk.new_entries()
        )
    else:
        assert f"{prefix}-{position}-DELETE" not in data
        data[f"{prefix}-{position}-DELETE"] = "on"
        walk.post(url, data)
        assert model._base_manager.filter(pk=created.pk).exists()


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_every_admin_change_leaves_a_complete_audit_entry(
    client, cast, make_update, settings, model
):
    settings.REQUIRE_MFA = True
    verified_login(client, cast.dave)
    walk = Walk(client, cast, model)
    model_admin, name = walk.model_admin, walk.opts.model_name

    # Add
    if model_admin.has_add_permission(walk.request):
        if walk.label not in ADD:
            pytest.fail(f"No sample for {walk.label}: add one to ADD and CHANGE.")
        existing = set(model._base_manager.values_list("pk", flat=True))
        data = walk.page(f"{walk.base}add/")
        data.update(_resolve(ADD[walk.label], cast))
        walk.post(f"{walk.base}add/", data)
        obj = model._base_manager.exclude(pk__in=existing).get()
        walk.assert_recorded(f"{name}.created", obj, walk.new_entries())
    else:
        walk.refused(f"{walk.base}add/")
        obj = _existing(walk.label, cast, make_update)
        walk.seen |= set(AuditEntry.objects.values_list("pk", flat=True))
    change_url = f"{walk.base}{obj.pk}/change/"

    # Change
    if model_admin.has_change_permission(walk.request, obj):
        data = walk.page(change_url)
        editable = set(data) - {"csrfmiddlewaretoken"}
        if editable:
            if walk.label not in CHANGE:
                pytest.fail(f"No change sample for {walk.label}: add one to CHANGE.")
            change = _resolve(CHANGE[walk.label], cast)
            for field, value in change.items():
                if value == "":  # an unticked box is not sent
                    data.pop(field, None)
                else:
                    data[field] = value
            walk.post(change_url, data)
            entry = walk.assert_recorded(f"{name}.changed", obj, walk.new_entries())
            assert set(change) <= set(entry.changes), entry.changes
        else:  # every field read-only (sign-in logs): posting the page changes nothing
            walk.post(change_url, data)
            assert not walk.new_entries()
    else:
        walk.refused(change_url, obj)

    # Inline rows
    for inline in model_admin.get_inline_instances(walk.request, obj):
        if walk.label == "auth.user":
            # A person is added with their role (the one-to-one row); the walk gives it
            # again through the change page, so the row the add made goes first.
            inline.model._base_manager.filter(user=obj).delete()
            walk.seen |= set(AuditEntry.objects.values_list("pk", flat=True))
        _walk_inline(walk, obj, inline)

    # A password set by an admin (the user admin's own page)
    if hasattr(model_admin, "user_change_password"):
        url = f"{walk.base}{obj.pk}/password/"
        data = walk.page(url) | {
            "usable_password": "true",
            "password1": "a-completely-different-passphrase",
            "password2": "a-completely-different-passphrase",
        }
        walk.post(url, data)
        entry = walk.assert_recorded(f"{name}.password_set", obj, walk.new_entries())
        assert entry.changes == {"password": ["[hidden]", "[hidden]"]}

    # Delete
    delete_url = f"{walk.base}{obj.pk}/delete/"
    if model_admin.has_delete_permission(walk.request, obj):
        walk.post(delete_url, {"post": "yes"})
        assert not model._base_manager.filter(pk=obj.pk).exists()
        entry = walk.assert_recorded(f"{name}.deleted", obj, walk.new_entries())
    else:
        walk.refused(delete_url, obj)


def test_deleting_a_user_records_everything_the_deletion_took_with_it(login, cast):
    mallory = User.objects.create_user("mallory", password=NEW_PASSWORD)
    device = TOTPDevice.objects.create(user=mallory, name="phone", key="ab" * 20, confirmed=True)
    mfa.replace_recovery_codes(mallory)
    token = ApiToken(user=mallory, name="feed")
    token.issue()
    token.save()
    Client().force_login(mallory)  # a session of mallory's
    client = login(cast.dave)
    sessions_before = UserSession.objects.filter(user=mallory).count()
    secrets = _secrets()

    response = client.post(f"/admin/auth/user/{mallory.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    main = AuditEntry.objects.get(action="user.deleted", target_id=str(mallory.pk))
    assert main.changes["username"] == ["mallory", None]
    assert main.changes["password"] == ["[hidden]", None]
    taken = main.changes["deleted_with"][0]
    assert any(row.startswith(f"otp_totp.totpdevice #{device.pk}: ") for row in taken)
    assert f"commitments.apitoken #{token.pk}: feed ({token.prefix}…)" in taken
    assert sum("commitments.recoverycode #" in row for row in taken) == mfa.RECOVERY_CODE_COUNT
    if sessions_before:
        assert f"commitments.usersession: {sessions_before}" in taken
    device_entry = AuditEntry.objects.get(action="totpdevice.deleted", target_id=str(device.pk))
    assert device_entry.changes["key"] == ["[hidden]", None]
    assert AuditEntry.objects.filter(action="apitoken.deleted", target_id=str(token.pk)).exists()
    for entry in AuditEntry.objects.all():
        written = json.dumps(entry.changes) + entry.target_repr + entry.target_id
        assert not [secret for secret in secrets if secret in written], entry.action


def test_deleting_a_meeting_records_the_sets_it_no_longer_reviews(login, cast):
    meeting = Meeting.objects.create(
        kind="plenary", ordinal=20, name="20th NADD", start_date="2040-01-01", end_date="2040-01-02"
    )
    reviewed = ObjectiveSet.objects.get(year=2024)
    reviewed.reviewed_at = meeting
    reviewed.save()

    response = login(cast.dave).post(
        f"/admin/commitments/meeting/{meeting.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert reviewed.reviewed_at is None
    entry = AuditEntry.objects.get(action="objectiveset.changed", target_id=str(reviewed.pk))
    assert entry.changes == {"reviewed_at": ["20th NADD", None]}


def test_deleting_several_objects_from_the_list_records_each_one(login, cast):
    doomed = [
        Country.objects.create(code="GT", name="Guatemala"),
        Country.objects.create(code="BZ", name="Belize"),
    ]
    response = login(cast.dave).post(
        "/admin/commitments/country/",
        {
            "action": "delete_selected",
            "_selected_action": [country.pk for country in doomed],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Country.objects.filter(code__in=["GT", "BZ"]).exists()
    for country in doomed:
        entry = AuditEntry.objects.get(action="country.deleted", target_id=str(country.pk))
        assert entry.changes["name"] == [country.name, None]
        assert entry.actor == cast.dave


def test_an_admin_change_whose_audit_entry_fails_is_not_saved(login, cast, monkeypatch):
    """The entry is written in the change's transaction: no entry, no change."""
    client = login(cast.dave)
    old_hash = User.objects.get(pk=cast.bob.pk).password

    def refuse(*args, **kwargs):
        raise IntegrityError("the audit log is unavailable")

    monkeypatch.setattr(AuditEntry.objects, "create", refuse)
    client.raise_request_exception = False
    response = client.post(
        f"/admin/auth/user/{cast.bob.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 500
    assert User.objects.get(pk=cast.bob.pk).password == old_hash


def test_admin_actions_that_do_not_audit_themselves_are_not_offered(login, cast):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        user_agent="curl/8",
        ip_address="203.0.113.9",
        username="mallory",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    client = login(cast.dave)
    page = client.get("/admin/axes/accessattempt/")
    assert 'value="cleanup_expired_attempts"' not in page.text
    assert 'value="delete_selected"' in page.text
    assert 'value="end_sessions"' in client.get("/admin/auth/user/").text
    response = client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "cleanup_expired_attempts",
            "_selected_action": [AccessAttempt.objects.get().pk],
        },
    )
    assert response.status_code in {200, 302}
    assert AccessAttempt.objects.count() == 1


def test_the_admin_password_page_for_oneself_is_the_audited_one(login, cast):
    response = login(cast.dave).post(
        "/admin/password_change/",
        {"old_password": "x", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/accounts/password/"
    assert not User.objects.get(pk=cast.dave.pk).check_password(NEW_PASSWORD)
