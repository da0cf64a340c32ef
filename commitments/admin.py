"""What the admin shows of each model. Every change made in it is audited by the admin
site itself (commitments/admin_site.py), whichever admin class is registered."""

import json
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django_tasks_db.models import DBTaskResult

from commitments import audit, imports, invitations, mfa, services
from commitments.admin_fixes import CheckedAutocompleteSelect
from commitments.admin_site import audits_itself
from commitments.models import (
    ApiToken,
    AuditEntry,
    Comment,
    Country,
    HandlingMarking,
    Indicator,
    IndicatorTarget,
    Meeting,
    MeetingDocument,
    MeetingSnapshot,
    Membership,
    Milestone,
    Objective,
    ObjectiveLink,
    ObjectiveSet,
    PriorityArea,
    ProgressUpdate,
    ReminderLog,
    ReportingPeriod,
)
from commitments.sessions import end_sessions_of
from commitments.uploads import accepts_files

User = get_user_model()


class CheckedAutocompleteAdmin(admin.ModelAdmin):
    """An admin whose autocomplete fields draw a refused value back without a query."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "membership"]
    list_filter = ["membership"]
    search_fields = ["name", "code"]


class MeetingDocumentInline(admin.StackedInline):
    """The meeting's outcome documents, one row per language version."""

    model = MeetingDocument
    extra = 0
    fields = ["kind", "language", "title", "url", "text"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "start_date", "end_date", "date_precision", "host"]
    list_filter = ["kind", "host", "participants"]
    list_select_related = ["host"]
    search_fields = ["name", "place", "summary"]
    date_hierarchy = "start_date"
    filter_horizontal = ["participants"]
    inlines = [MeetingDocumentInline]


@admin.register(HandlingMarking)
class HandlingMarkingAdmin(admin.ModelAdmin):
    """The one handling marking: changed, never added twice or deleted (empty it instead)."""

    fields = ["text", "text_es", "text_fr"]

    def has_add_permission(self, request):
        return not HandlingMarking.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class PriorityAreaInline(admin.TabularInline):
    """The set's priority areas, each named in the three languages."""

    model = PriorityArea
    fields = ["number", "name", "name_es", "name_fr"]
    extra = 0


class ObjectiveInlineForm(forms.ModelForm):
    """A row of the set's objectives: the text is required like the title (a row never
    saves an objective without its text); the translations are edited on its own page."""

    class Meta:
        model = Objective
        fields = ["number", "title", "text", "area", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 50})}


class ObjectiveInline(admin.TabularInline):
    model = Objective
    form = ObjectiveInlineForm
    fields = ["number", "title", "text", "area", "is_active"]
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the areas of the set being edited (a new set's areas are saved with it
        # first, so a new set's rows choose among existing areas on a second save).
        if db_field.name == "area":
            match = getattr(request, "resolver_match", None)
            set_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = PriorityArea.objects.filter(objective_set_id=set_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReportingPeriodInline(admin.TabularInline):
    model = ReportingPeriod
    fields = ["name", "starts_on", "ends_on", "deadline"]
    extra = 0


class ObjectiveImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    adopted_at = forms.ModelChoiceField(
        label=_("Adopted at"),
        queryset=Meeting.objects.order_by("-start_date"),
        required=False,  # a new set needs it (clean); an update keeps the set's own
        help_text=_("For a new set; a set that is updated keeps the meeting it has."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, separated by commas or semicolons, with a header row naming the columns "
            "and one objective per row."
        ),
    )
    create_quarters = forms.BooleanField(
        label=_("Create the four quarters of the year as reporting periods"),
        required=False,
        initial=True,
    )
    update_existing = forms.BooleanField(
        label=_("Update the year's existing set by objective number"),
        required=False,
        help_text=_(
            "Objectives of the file whose number the set has are updated, new numbers are "
            "added; objectives the file leaves out are kept."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        exists = year is not None and ObjectiveSet.objects.filter(year=year).exists()
        if exists and not cleaned.get("update_existing"):
            self.add_error(
                "year",
                _(
                    "Objectives for %(year)s already exist. Tick “Update the year's existing "
                    "set” to update them by objective number."
                )
                % {"year": year},
            )
        if year is not None and not exists and cleaned.get("update_existing"):
            self.add_error(
                "update_existing",
                _("There is no set for %(year)s to update.") % {"year": year},
            )
        if not exists and not cleaned.get("adopted_at") and "adopted_at" not in self.errors:
            self.add_error("adopted_at", _("Choose the meeting that adopted the new set."))
        return cleaned


@admin.register(ObjectiveSet)
class ObjectiveSetAdmin(admin.ModelAdmin):
    list_display = ["year", "adopted_at", "reviewed_at", "opens_dashboard"]
    readonly_fields = ["opens_dashboard"]
    actions = ["open_dashboard_on"]

    @admin.action(description=_("Open the dashboard on this set"))
    @audits_itself
    def open_dashboard_on(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(
                request, _("Choose exactly one set for the dashboard to open on."), messages.ERROR
            )
            return
        try:
            services.open_dashboard_on(actor=request.user, objective_set=chosen[0])
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(
            request,
            _("Every page now opens on %(set)s; the other years stay one click away.")
            % {"set": chosen[0]},
            messages.SUCCESS,
        )

    inlines = [PriorityAreaInline, ObjectiveInline, ReportingPeriodInline]
    change_list_template = "admin/commitments/objectiveset/change_list.html"
    change_form_template = "admin/commitments/objectiveset/change_form.html"

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="commitments_objectiveset_import",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="commitments_objectiveset_export",
            ),
        ]
        return urls + super().get_urls()

    def export_view(self, request, pk):
        """The set's objectives as a CSV file the import reads back (edit, then import
        with "update the existing set")."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        objective_set = get_object_or_404(ObjectiveSet, pk=pk)
        response = HttpResponse(
            imports.export_csv(objective_set), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="objectives-{objective_set.year}.csv"'
        )
        return response

    @accepts_files(max_bytes=imports.MAX_BYTES)
    def import_view(self, request):
        """Load a new year's objectives from a CSV file: every bad row reported, all or nothing."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ObjectiveImportForm(request.POST or None, request.FILES or None)
        row_errors = []
        if request.method == "POST" and form.is_valid():
            rows, row_errors = imports.parse(form.cleaned_data["file"])
            if not row_errors:
                try:
                    return self._import(request, form.cleaned_data, rows)
                except ValidationError as error:  # rolled back: nothing was saved
                    row_errors = error.messages
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import objectives from CSV"),
            "form": form,
            "row_errors": row_errors,
            "opts": self.model._meta,
            "columns": ",".join(imports.REQUIRED_COLUMNS),
            "optional_columns": ",".join(imports.OPTIONAL_COLUMNS),
        }
        status = 400 if request.method == "POST" and (row_errors or form.errors) else 200
        return TemplateResponse(
            request, "admin/commitments/objectiveset/import.html", context, status=status
        )

    def _import(self, request, data, rows):
        if data["update_existing"]:
            if not self.has_change_permission(request):
                raise PermissionDenied
            objective_set, changed = imports.update_objective_set(
                actor=request.user,
                objective_set=ObjectiveSet.objects.get(year=data["year"]),
                rows=rows,
            )
            self.message_user(
                request,
                _("Updated the objectives for %(year)s: %(count)d changed or added.")
                % {"count": changed, "year": objective_set.year},
            )
        else:
            objective_set = imports.import_objective_set(
                actor=request.user,
                year=data["year"],
                adopted_at=data["adopted_at"],
                rows=rows,
                create_quarters=data["create_quarters"],
            )
            self.message_user(
                request,
                _("Imported %(count)d objectives for %(year)s.")
                % {"count": len(rows), "year": objective_set.year},
            )
        return redirect("admin:commitments_objectiveset_change", objective_set.pk)


class ObjectiveAdminForm(forms.ModelForm):
    """Carries the version the admin loaded, so a concurrent edit is never overwritten."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Objective
        fields = [
            "objective_set",
            "number",
            "area",
            "title",
            "title_es",
            "title_fr",
            "text",
            "text_es",
            "text_fr",
            "translations_official",
            "partners",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version
        if "area" in self.fields:
            # Areas of every set, each named with its year (the model's check keeps the
            # objective's own set's); an existing objective is offered its set's only.
            areas = PriorityArea.objects.select_related("objective_set")
            if self.instance.objective_set_id:
                areas = areas.filter(objective_set_id=self.instance.objective_set_id)
            self.fields["area"].queryset = areas
            self.fields["area"].label_from_instance = lambda area: (
                f"{area.objective_set.year} · {area.number}. {area.local_name}"
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin's change view is one transaction: the lock holds until it commits.
            current = (Objective.objects.select_for_update().values_list("version", flat=True)).get(
                pk=self.instance.pk
            )
            if cleaned.get("loaded_version") != current:
                raise forms.ValidationError(
                    _(
                        "Someone else changed this objective since you opened it. "
                        "Nothing was saved: copy your changes, reload the page and apply "
                        "them to the current text."
                    ),
                    code="stale",
                )
            self.instance.version = current + 1
        return cleaned


class ObjectiveLinkInline(admin.TabularInline):
    """The earlier objectives this one continues, replaces, splits from or merges."""

    model = ObjectiveLink
    fk_name = "objective"
    fields = ["kind", "earlier"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "earlier":
            kwargs["queryset"] = Objective.objects.select_related("objective_set").order_by(
                "-objective_set__year", "number"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    form = ObjectiveAdminForm
    list_display = ["number", "title", "area", "objective_set", "is_active"]
    list_display_links = ["number", "title"]
    list_filter = ["objective_set", "area", "is_active"]
    list_select_related = ["area", "objective_set"]
    search_fields = ["title", "title_es", "title_fr", "text"]
    ordering = ["-objective_set__year", "number"]
    filter_horizontal = ["partners"]
    inlines = [ObjectiveLinkInline]
    fieldsets = [
        (None, {"fields": ["objective_set", "number", "area", "is_active", "loaded_version"]}),
        (_("English"), {"fields": ["title", "text"]}),
        (_("Spanish"), {"fields": ["title_es", "text_es"]}),
        (_("French"), {"fields": ["title_fr", "text_fr"]}),
        (_("Translations and partners"), {"fields": ["translations_official", "partners"]}),
    ]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """An objective's indicators, in three languages; each country's baseline, target and
    values are its officials' to write (shown read-only below)."""

    list_display = ["name", "objective", "unit", "direction", "additive"]
    list_filter = ["objective__objective_set", "direction", "additive"]
    list_select_related = ["objective__objective_set"]
    search_fields = ["name", "name_es", "name_fr"]
    fieldsets = [
        (None, {"fields": ["objective", "number", "direction", "additive"]}),
        (_("English"), {"fields": ["name", "definition", "unit"]}),
        (_("Spanish"), {"fields": ["name_es", "definition_es", "unit_es"]}),
        (_("French"), {"fields": ["name_fr", "definition_fr", "unit_fr"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "objective":
            kwargs["queryset"] = Objective.objects.select_related("objective_set").order_by(
                "-objective_set__year", "number"
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda objective: (
                f"{objective.objective_set.year} · {objective}"
            )
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "objective_set", "starts_on", "ends_on", "deadline"]
    list_filter = ["objective_set"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(CheckedAutocompleteAdmin):
    list_display = ["user", "role", "country"]
    list_filter = ["role", "country"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class MembershipInline(admin.StackedInline):
    """The role a person holds, the country an official reports for, and the language of
    their pages and e-mails: what the user form is about. A new person needs a role."""

    model = Membership
    can_delete = False
    fields = ["role", "country", "language"]
    verbose_name = _("role and country")
    verbose_name_plural = _("role and country")

    def get_min_num(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0


class InviteForm(forms.ModelForm):
    """A new person: who they are and where the invitation goes; never a password (they
    choose their own from the invitation's link)."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _(
            "The invitation is sent here, in the language chosen below."
        )

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()  # until they choose one from the invitation
        if commit:
            user.save()
        return user


# Groups bundle raw permissions, which the application does not use: what a person may
# do follows from their role (commitments/policy.py).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People and the role they hold. Their staff and superuser flags follow the role
    (``policy.staff_flags``) and are never edited by hand; a new person is invited and
    chooses their own password (commitments/invitations.py). Invitations have no admin
    of their own: the person's page says where their latest stands, the audit log keeps
    every one, and deleting a person takes theirs with them."""

    inlines = [MembershipInline]
    actions = ["end_sessions", "reset_second_factor", "send_invitation"]
    add_form = InviteForm
    add_form_template = "admin/auth/user/invite_form.html"
    add_fieldsets = [
        (_("Person"), {"fields": ["username", "first_name", "last_name", "email"]}),
    ]
    fieldsets = [
        (_("Person"), {"fields": ["username", "first_name", "last_name", "email"]}),
        (_("Access"), {"fields": ["is_active", "invitation", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["invitation", "last_login", "date_joined"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            invitations.invite(actor=request.user, user=form.instance)
            self.message_user(
                request,
                _("An invitation was sent to %(email)s.") % {"email": form.instance.email},
            )

    @admin.action(description=_("Send a new invitation (the earlier links stop working)"))
    @audits_itself
    def send_invitation(self, request, queryset):
        sent, skipped = 0, 0
        for user in queryset.select_related("membership"):
            if not user.email:
                skipped += 1
                continue
            invitations.invite(actor=request.user, user=user)
            sent += 1
        self.message_user(request, _("%(count)d invitations sent.") % {"count": sent})
        if skipped:
            self.message_user(
                request,
                _("%(count)d accounts have no e-mail address: add one first.") % {"count": skipped},
                messages.WARNING,
            )

    @admin.display(description=_("invitation"))
    def invitation(self, user):
        latest = user.invitations.first() if user.pk else None
        if latest is None:
            return "—"
        labels = {
            "pending": _("sent on %(sent)s, valid until %(expires)s"),
            "accepted": _("accepted on %(accepted)s"),
            "expired": _("expired on %(expires)s, not used"),
            "replaced": _("replaced by a newer one"),
        }
        return labels[latest.state] % {
            "sent": date_format(localtime(latest.created_at), "DATETIME_FORMAT"),
            "expires": date_format(localtime(latest.expires_at), "DATETIME_FORMAT"),
            "accepted": latest.accepted_at
            and date_format(localtime(latest.accepted_at), "DATETIME_FORMAT"),
        }

    @admin.action(description=_("Sign out everywhere (end all sessions)"))
    @audits_itself
    def end_sessions(self, request, queryset):
        ended = 0
        for user in queryset:
            ended += end_sessions_of(user)
            audit.record(actor=request.user, action=audit.Action.USER_SESSIONS_ENDED, target=user)
        self.message_user(request, _("%(count)d sessions ended.") % {"count": ended})

    @admin.action(description=_("Reset two-factor sign-in (they set it up again at next sign-in)"))
    @audits_itself
    def reset_second_factor(self, request, queryset):
        """For a lost phone or key: the account's authenticator app, security keys and
        recovery codes are removed and its sessions end; at the next sign-in its owner
        enrols again."""
        for user in queryset:
            with transaction.atomic():
                mfa.remove_second_factor(user)
                end_sessions_of(user)
                audit.record(actor=request.user, action=audit.Action.MFA_RESET, target=user)
                mfa.announce_change(user, action=audit.Action.MFA_RESET)
        self.message_user(
            request,
            _("Two-factor sign-in was reset for %(count)d accounts.") % {"count": len(queryset)},
        )

    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "country",
        "two_factor",
        "is_active",
    ]
    list_filter = ["membership__role", "membership__country", "is_active"]
    list_select_related = ["membership__country"]

    @admin.display(description=_("role"), ordering="membership__role")
    def role(self, user):
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("country"), ordering="membership__country__name")
    def country(self, user):
        membership = getattr(user, "membership", None)
        return membership.country if membership and membership.country else "—"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_second_factor=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
                | Exists(WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True))
            )
        )

    @admin.display(description=_("two-factor sign-in"), boolean=True, ordering="has_second_factor")
    def two_factor(self, user):
        """An authenticator app or a security key."""
        return user.has_second_factor


# Devices are never added, edited or deleted one by one in the admin: an admin who could
# add an authenticator to someone else's account could sign in as them. A lost phone or
# key is the users' "Reset two-factor sign-in" action, audited, after which its owner
# enrols again. (django-otp-webauthn registers no admin of its own; checked by a test.)
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

# The background jobs' queue (django-tasks-db registers an admin for it) is the workers'
# to write: its rows hold job ids only, and operators watch it with `manage.py job_queue`.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to admins, written only by the application's own workflows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["objective", "country", "period", "status", "state", "author", "created_at"]
    list_filter = [
        "state",
        "country",
        "status",
        "period",
        "objective__objective_set",
        "entered_on_behalf",
        "is_demo",
    ]
    list_select_related = ["objective", "country", "period", "author"]
    search_fields = ["narrative"]
    date_hierarchy = "created_at"


@admin.register(MeetingSnapshot)
class MeetingSnapshotAdmin(ReadOnlyAdmin):
    """Taken by a coordinator on the meeting page; never changed (the database refuses)."""

    list_display = ["meeting", "cutoff", "taken_at", "taken_by"]
    list_select_related = ["meeting", "taken_by"]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ReadOnlyAdmin):
    """Set by each country's officials on the objective's page (policy.may_plan_for)."""

    list_display = ["indicator", "country", "baseline", "baseline_year", "target", "target_date"]
    list_filter = ["country", "indicator__objective__objective_set"]
    list_select_related = ["indicator", "country"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    """Kept by each country's officials on the objective's page, marked met in updates."""

    list_display = ["title", "objective", "country", "due_on", "owner"]
    list_filter = ["country", "objective__objective_set"]
    list_select_related = ["objective", "country"]
    search_fields = ["title", "owner"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "author", "kind", "update"]
    list_filter = ["kind"]
    list_select_related = ["author", "update__objective", "update__country", "update__period"]
    search_fields = ["body", "author__username"]


@admin.register(ApiToken)
class ApiTokenAdmin(CheckedAutocompleteAdmin):
    """Keys for the JSON feed. The key is shown once, when the token is created."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]

    def get_fields(self, request, obj=None):
        return (
            ["user", "name"]
            if obj is None
            else ["user", "name", "prefix", "created_at", "last_used_at", "revoked"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        # The key lives on the object for the rest of this request only: never stored, never
        # in a message (the messages cookie is signed, not encrypted) or the session.
        obj.issued_key = None if change else obj.issue()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The page answering the add shows the key, once (signed-in pages are no-store)."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Copy the new key"),
            "opts": self.opts,
            "token": obj,
            "key": obj.issued_key,
        }
        return TemplateResponse(request, "admin/commitments/apitoken/key_issued.html", context)


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["sent_on", "kind", "recipient", "period"]
    list_filter = ["kind", "sent_on"]
    list_select_related = ["recipient", "period"]


class AuditActionFilter(admin.SimpleListFilter):
    """The actions written so far, each by its label in the reader's language; the filter
    keeps the stored name in the address (``?action=update.submitted``)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        names = (
            model_admin.get_queryset(request)
            .distinct()
            .order_by("action")
            .values_list("action", flat=True)
        )
        labels = {name: str(audit.label(name)) for name in names}
        uses = Counter(labels.values())
        # Two actions with one label (two models both called "session"): the name tells them apart.
        return [
            (name, f"{label} ({name})" if uses[label] > 1 else label)
            for name, label in labels.items()
        ]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(action=value)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action_label", "object_label"]
    list_filter = [AuditActionFilter, "target_type"]
    list_select_related = ["actor"]
    search_fields = ["target_repr", "action", "actor__username"]
    date_hierarchy = "created_at"
    fields = [
        "actor",
        "action_label",
        "action_name",
        "target_type",
        "target_id",
        "object_label",
        "changes_shown",
    ]
    readonly_fields = ["action_label", "action_name", "object_label", "changes_shown"]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry):
        return audit.label(entry.action)

    @admin.display(description=_("action name"))
    def action_name(self, entry):
        return entry.action

    # What the entry says about its object and related objects, in the reader's language.
    @admin.display(description=_("object"), ordering="target_repr")
    def object_label(self, entry):
        return entry.object_label

    @admin.display(description=_("changes"))
    def changes_shown(self, entry):
        return json.dumps(entry.shown_changes, ensure_ascii=False, indent=2)
