"""The admin site: every change made through it leaves an audit entry, in its transaction.

Django's admin runs on ``AuditedAdminSite`` (``AdminConfig`` in commitments/apps.py makes
it ``admin.site``), and the site wraps every ModelAdmin registered on it in
``AuditedModelAdmin``: ours, and those of django.contrib.auth, django-otp and django-axes
alike, so a model registered tomorrow is audited without anyone remembering to.

An entry says who, what (``objective.changed``, ``user.password_set``,
``reportingperiod.deleted``: actions declared in commitments/audit.py), which object, and
each changed field's old and new value, read from the database before and after the
change (so fields the form does not show, m2m fields and inline rows are included). A
secret (password hash, TOTP key, token or code hash, session) is never written: a changed
secret shows as ``[hidden]``. A deletion lists everything it took with it, and each of
those objects gets its own entry.

Every admin POST is one transaction: the change and its entries are committed together
or not at all. Admin actions that do not record their own entry are not offered.
"""

import copy
import datetime
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.options import ActionLocation
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import router, transaction
from django.db.models.deletion import Collector
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

HIDDEN = "[hidden]"
# Field names whose values are secrets, whatever the model: password hashes, TOTP keys,
# API token and recovery code hashes, session keys and data.
SECRET_FIELD_NAMES = {"password", "key", "session_key", "session_data"}
_BEFORE = "_nadd_audit_before"


@dataclass(frozen=True)
class Secret:
    """A secret's value in a snapshot: comparable (to see that it changed), never shown."""

    digest: str


def is_secret(field):
    name = field.name.lower()
    return (
        name in SECRET_FIELD_NAMES
        or name.endswith("_hash")
        or "password" in name
        or "secret" in name
    )


def _plain(value):
    """A field's value as the audit log keeps it (JSON)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def _value(obj, field):
    if field.is_relation:  # a foreign key: what the object is called, not only its id
        try:
            related = getattr(obj, field.name)
        except ObjectDoesNotExist:  # a link without a database constraint, dangling
            return f"#{field.value_from_object(obj)}"
        return None if related is None else _audit().in_each_language(lambda: related)
    value = field.value_from_object(obj)
    if is_secret(field):
        return Secret(hashlib.sha256(str(value).encode()).hexdigest()) if value else None
    return _plain(value)


def snapshots(model, pks):
    """``{pk: {field: value}}`` of the objects with these primary keys, read now from the
    database: every concrete field but the primary key, and every m2m field."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return {}
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    relations = [f.name for f in fields if f.is_relation]
    m2m = [f.name for f in opts.many_to_many]
    objects = model._base_manager.prefetch_related(*m2m)
    if relations:
        objects = objects.select_related(*relations)
    result = {}
    for obj in objects.filter(pk__in=pks):
        values = {field.name: _value(obj, field) for field in fields}
        for name in m2m:
            values[name] = sorted(
                (
                    _audit().in_each_language(lambda item=item: item)
                    for item in getattr(obj, name).all()
                ),
                key=lambda words: words[settings.LANGUAGE_CODE],
            )
        result[obj.pk] = values
    return result


def snapshot(obj):
    return snapshots(type(obj), [obj.pk]).get(obj.pk)


def _shown(value):
    return HIDDEN if isinstance(value, Secret) else value


def _present(value):
    return value not in (None, "", [], {})


def created_changes(after):
    return {name: [None, _shown(value)] for name, value in after.items() if _present(value)}


def deleted_changes(before):
    return {name: [_shown(value), None] for name, value in before.items() if _present(value)}


def changed_changes(before, after):
    return {
        name: [_shown(before.get(name)), _shown(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def _record(request, verb, obj, changes):
    """The entry of the admin's ``verb`` (an ``audit.AdminVerb``) on ``obj``."""
    _write(request, _audit().admin_action(obj, verb), obj, changes)


def _write(request, action, obj, changes):
    _audit().record(actor=request.user, action=action, target=obj, changes=changes)


def _audit():
    from commitments import audit  # noqa: PLC0415 - the site is built before models load

    return audit


def _pk_is_secret(model):
    return is_secret(model._meta.pk)


def _describe(obj):
    opts = obj._meta
    if opts.auto_created:  # an m2m link row: which two objects it linked
        links = ", ".join(
            f"{f.name}={f.value_from_object(obj)}" for f in opts.concrete_fields if f.is_relation
        )
        return f"{opts.label_lower}: {links}"
    return _audit().in_each_language(lambda: f"{opts.label_lower} #{obj.pk}: {obj}")


@dataclass
class DeletionPlan:
    """What deleting one object takes with it, read before it happens."""

    obj: object
    before: dict
    cascade: list  # (model, pk, snapshot or None) of every other row deleted
    described: list  # the complete list, as text
    nulled: list  # (object, field, new value, snapshot) of rows whose link is cleared


def plan_deletion(obj, seen):
    """Collect, as Django's delete will, everything deleting ``obj`` removes or changes.
    ``seen`` holds (model, pk) already accounted for in this request."""
    model = type(obj)
    collector = Collector(using=router.db_for_write(model), origin=obj)
    collector.collect([obj])
    rows = [(type(o), o) for instances in collector.data.values() for o in instances]
    for queryset in collector.fast_deletes:
        rows.extend((type(o), o) for o in queryset)
    cascade, described, secret_counts = [], [], {}
    by_model = {}
    for row_model, row in rows:
        key = (row_model._meta.concrete_model, row.pk)
        if key in seen or (row_model is model and row.pk == obj.pk):
            continue
        seen.add(key)
        if _pk_is_secret(row_model):
            label = row_model._meta.label_lower
            secret_counts[label] = secret_counts.get(label, 0) + 1
            continue
        described.append(_describe(row))
        if not row_model._meta.auto_created:
            by_model.setdefault(row_model, []).append(row)
    for row_model, instances in by_model.items():
        taken = snapshots(row_model, [row.pk for row in instances])
        cascade.extend((row_model, row, taken.get(row.pk)) for row in instances)
    described.extend(f"{label}: {count}" for label, count in sorted(secret_counts.items()))
    nulled = []
    for (field, value), batches in collector.field_updates.items():
        for batch in batches:
            for row in batch:
                if (type(row)._meta.concrete_model, row.pk) in seen:
                    continue
                nulled.append((row, field, value, snapshot(row)))
    seen.add((model._meta.concrete_model, obj.pk))
    # A copy: deleting the object clears its primary key, which the entry names.
    return DeletionPlan(copy.copy(obj), snapshot(obj) or {}, cascade, described, nulled)


def record_deletion(request, plan):
    changes = deleted_changes(plan.before)
    if plan.described:
        changes["deleted_with"] = [plan.described, None]
    _record(request, "deleted", plan.obj, changes)
    for _model, row, before in plan.cascade:
        _record(request, "deleted", row, deleted_changes(before or {}))
    for row, field, value, before in plan.nulled:
        old = (before or {}).get(field.name)
        _record(request, "changed", row, {field.name: [_shown(old), _plain(value)]})


def audits_itself(func):
    """Mark an admin action that writes its own audit entry (others are not offered)."""
    func.audits_itself = True
    return func


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every change (object, m2m, inline rows, password, deletion with
    its cascade) writes audit entries. ``AuditedAdminSite`` puts it under every admin."""

    def _before(self, request):
        return request.__dict__.setdefault(_BEFORE, {})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            # Views that change an object without save_model (the password form) read it here.
            self._before(request)[(obj._meta.label_lower, obj.pk)] = snapshot(obj)
        return obj

    def save_model(self, request, obj, form, change):
        if change:
            # Read again here: the list page's editable columns save without get_object.
            self._before(request)[(obj._meta.label_lower, obj.pk)] = snapshot(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        model = formset.model
        before = snapshots(model, [f.instance.pk for f in formset.initial_forms])
        seen = set()
        plans = [
            plan_deletion(f.instance, seen)
            for f in formset.deleted_forms
            if f.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        saved = {f.instance.pk: f.instance for f in formset.forms if f.instance.pk is not None}
        after = snapshots(model, saved)
        for pk, obj in saved.items():
            if pk not in after:
                continue
            if pk in before:
                changes = changed_changes(before[pk], after[pk])
                if changes:
                    _record(request, "changed", obj, changes)
            else:
                _record(request, "created", obj, created_changes(after[pk]))
        gone = set(before) - set(after)
        for plan in plans:
            if plan.obj.pk in gone:
                record_deletion(request, plan)

    def log_addition(self, request, obj, message):
        _record(request, "created", obj, created_changes(snapshot(obj) or {}))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        before = self._before(request).pop((obj._meta.label_lower, obj.pk), None)
        if before is None:
            # A view that saved without reading the object first: say what the admin says.
            _record(request, "changed", obj, {"admin_message": [None, _plain(message)]})
        else:
            changes = changed_changes(before, snapshot(obj) or {})
            if set(changes) == {"password"} and isinstance(obj, get_user_model()):
                actions = _audit().Action
                usable = obj.has_usable_password()
                action = actions.USER_PASSWORD_SET if usable else actions.USER_PASSWORD_DISABLED
                _write(request, action, obj, changes)
            elif changes:
                _record(request, "changed", obj, changes)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        seen = set()
        for obj in queryset:
            if (obj._meta.concrete_model, obj.pk) not in seen:
                record_deletion(request, plan_deletion(obj, seen))
        return super().log_deletions(request, queryset)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        return {
            name: action
            for name, action in actions.items()
            if action.func is delete_selected or getattr(action.func, "audits_itself", False)
        }


def audited(admin_class):
    """``admin_class`` with the audit underneath everything it overrides."""
    if issubclass(admin_class, AuditedModelAdmin):
        return admin_class
    return type(
        admin_class.__name__,
        (AuditedModelAdmin, admin_class),
        {
            "__module__": admin_class.__module__,
            "__qualname__": admin_class.__qualname__,
            "__doc__": admin_class.__doc__,
        },
    )


# The admin's index, grouped by what administrators do rather than by the library each
# model comes from: (slug, name, models as "app_label.model_name"). A model in no section
# is listed under "Other", so nothing registered is ever hidden.
SECTIONS = [
    (
        "objectives",
        _("Objectives and sets"),
        [
            "commitments.objectiveset",
            "commitments.objective",
            "commitments.indicator",
            "commitments.indicatortarget",
            "commitments.milestone",
            "commitments.reportingperiod",
            "commitments.country",
        ],
    ),
    ("meetings", _("Meetings"), ["commitments.meeting", "commitments.meetingsnapshot"]),
    (
        "people",
        _("People and roles"),
        ["auth.user", "commitments.membership", "commitments.apitoken"],
    ),
    (
        "audit",
        _("Audit and records"),
        [
            "commitments.auditentry",
            "commitments.progressupdate",
            "commitments.comment",
            "commitments.reminderlog",
            "axes.accessattempt",
            "axes.accessfailurelog",
            "axes.accesslog",
        ],
    ),
    ("settings", _("Site settings"), ["commitments.handlingmarking"]),
]
OTHER_SECTION = ("other", _("Other"))


class AuditedAdminSite(admin.AdminSite):
    """``admin.site``: audits every registered admin and makes each POST one transaction;
    named after the application, its index grouped by what administrators do."""

    site_title = _("NADD Commitment Tracker")
    site_header = _("NADD Commitment Tracker: administration")
    index_title = _("What administrators keep")

    def get_app_list(self, request, app_label=None):
        """The index's sections (``SECTIONS``), each model in the order given there; an
        application's own page (``app_label``) keeps Django's list of its models."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        models = {
            f"{app['app_label']}.{model['object_name'].lower()}": model
            for app in self._build_app_dict(request).values()
            for model in app["models"]
        }
        sections = []
        for slug, name, labels in SECTIONS:
            chosen = [models.pop(label) for label in labels if label in models]
            if chosen:
                sections.append(self._section(slug, name, chosen))
        if models:
            others = sorted(models.values(), key=lambda model: str(model["name"]))
            sections.append(self._section(*OTHER_SECTION, others))
        return sections

    def _section(self, slug, name, models):
        return {
            "name": name,
            "app_label": slug,
            "app_url": reverse("admin:section", args=[slug], current_app=self.name),
            "has_module_perms": True,
            "models": models,
        }

    def get_urls(self):
        return [
            path("sections/<slug:section>/", self.admin_view(self.section), name="section"),
            *super().get_urls(),
        ]

    def section(self, request, section):
        """One section of the index on a page of its own (its heading's link)."""
        found = [app for app in self.get_app_list(request) if app["app_label"] == section]
        if not found:
            raise Http404()
        context = {
            **self.each_context(request),
            "title": found[0]["name"],
            "app_label": section,
            "subtitle": None,
            "app_list": found,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, audited(admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request):
        """Administrators use the admin (``policy.may_administer``): the role decides, as
        it decides the account's staff flags."""
        from commitments import policy  # noqa: PLC0415 - the site is built before models load

        return request.user.is_active and policy.may_administer(request.user)

    def admin_view(self, view, cacheable=False):
        @wraps(view)
        def atomic_view(request, *args, **kwargs):
            if request.method == "POST":
                with transaction.atomic():
                    return view(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        checked = super().admin_view(atomic_view, cacheable)

        @wraps(checked)
        def not_for_everyone(request, *args, **kwargs):
            # Someone signed in whose role does not use the admin gets a page saying so and
            # what they can do instead, not the sign-in form Django would send them to.
            if request.user.is_authenticated and not self.has_permission(request):
                from commitments import policy  # noqa: PLC0415
                from commitments.denials import NotForYou  # noqa: PLC0415

                raise NotForYou(policy.may_administer.refusal)
            return checked(request, *args, **kwargs)

        return not_for_everyone

    def password_change(self, request, extra_context=None):
        # One way to change one's own password: the site's page, which is audited and
        # ends the other sessions.
        return redirect("password_change")
