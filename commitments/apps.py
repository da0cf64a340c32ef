from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("NADD commitments")

    def ready(self):
        from django.db.models import fields  # noqa: PLC0415

        from commitments import checks, signals, validators  # noqa: F401, PLC0415

        # Django's own words, in our catalogues: its Spanish catalogue lacks them.
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")

        signals.connect()
        validators.refuse_control_characters_in_every_form()


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on the site that audits every change (commitments/admin_site.py)."""

    default = False  # "commitments" in INSTALLED_APPS still means CommitmentsConfig
    default_site = "commitments.admin_site.AuditedAdminSite"
