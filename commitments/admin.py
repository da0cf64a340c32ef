from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from commitments import services
from commitments.models import (
    AuditEntry,
    Country,
    Meeting,
    Membership,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.sessions import end_sessions_of

User = get_user_model()


def record_form(request, form, change):
    """Audit what an admin form changed: each changed field, old and new value."""
    obj = form.instance
    services.record(
        actor=request.user,
        action=f"{obj._meta.model_name}.{'changed' if change else 'created'}",
        target=obj,
        changes={
            name: [
                _plain(form.initial.get(name)) if change else None,
                _plain(form.cleaned_data.get(name)),
            ]
            for name in form.changed_data
            if "password" not in name  # never write a secret into the log
        },
    )


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes leave an audit entry like every other change, in the same transaction."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_form(request, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        record_formset(request, formset)

    def delete_model(self, request, obj):
        services.record(actor=request.user, action=f"{obj._meta.model_name}.deleted", target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def record_formset(request, formset):
    for inline_form in formset.forms:
        if (
            inline_form.instance.pk
            and inline_form.has_changed()
            and inline_form not in formset.deleted_forms
        ):
            record_form(request, inline_form, change=bool(inline_form.initial))


def _plain(value):
    if hasattr(value, "all"):
        return sorted(str(item) for item in value.all())
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@admin.register(Country)
class CountryAdmin(AuditedAdmin):
    list_display = ["name", "code", "membership"]
    list_filter = ["membership"]
    search_fields = ["name", "code"]


@admin.register(Meeting)
class MeetingAdmin(AuditedAdmin):
    list_display = ["name", "kind", "start_date", "end_date", "place"]
    list_filter = ["kind", "participants"]
    search_fields = ["name", "place", "summary"]
    date_hierarchy = "start_date"
    filter_horizontal = ["participants"]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    fields = ["number", "title", "theme", "is_active"]
    extra = 0
    show_change_link = True


class ReportingPeriodInline(admin.TabularInline):
    model = ReportingPeriod
    fields = ["name", "starts_on", "ends_on", "deadline"]
    extra = 0


@admin.register(ObjectiveSet)
class ObjectiveSetAdmin(AuditedAdmin):
    list_display = ["year", "adopted_at", "reviewed_at"]
    inlines = [ObjectiveInline, ReportingPeriodInline]


@admin.register(Objective)
class ObjectiveAdmin(AuditedAdmin):
    list_display = ["number", "title", "theme", "objective_set", "is_active"]
    list_display_links = ["number", "title"]
    list_filter = ["objective_set", "theme", "is_active"]
    search_fields = ["title", "text"]
    ordering = ["-objective_set__year", "number"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AuditedAdmin):
    list_display = ["name", "objective_set", "starts_on", "ends_on", "deadline"]
    list_filter = ["objective_set"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "country"]
    list_filter = ["role", "country"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    fields = ["role", "country"]


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    actions = ["end_sessions"]

    @admin.action(description=_("Sign out everywhere (end all sessions)"))
    def end_sessions(self, request, queryset):
        ended = 0
        for user in queryset:
            ended += end_sessions_of(user)
            services.record(actor=request.user, action="user.sessions_ended", target=user)
        self.message_user(request, _("%(count)d sessions ended.") % {"count": ended})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_form(request, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        record_formset(request, formset)

    list_display = ["username", "email", "first_name", "last_name", "role", "country", "is_active"]
    list_filter = ["membership__role", "membership__country", "is_active", "is_staff"]
    list_select_related = ["membership__country"]

    @admin.display(description=_("role"), ordering="membership__role")
    def role(self, user):
        membership = getattr(user, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description=_("country"), ordering="membership__country__name")
    def country(self, user):
        membership = getattr(user, "membership", None)
        return membership.country if membership and membership.country else "—"


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
    list_display = ["objective", "country", "period", "status", "author", "created_at"]
    list_filter = ["country", "status", "period", "objective__objective_set"]
    list_select_related = ["objective", "country", "period", "author"]
    search_fields = ["narrative"]
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_repr"]
    list_filter = ["action", "target_type"]
    list_select_related = ["actor"]
    search_fields = ["target_repr", "action", "actor__username"]
    date_hierarchy = "created_at"
