"""Deployment checks of our own, run by ``manage.py check --deploy`` with Django's."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_security_settings(app_configs, **kwargs):
    warnings = []
    user = settings.DATABASES["default"].get("USER", "")
    if user == "postgres":
        warnings.append(
            Warning(
                "The application connects to PostgreSQL as the superuser 'postgres'.",
                hint="Create a role that owns the application's tables and nothing else.",
                id="commitments.W001",
            )
        )
    if not settings.REQUIRE_MFA:
        warnings.append(
            Warning(
                "REQUIRE_MFA is off: accounts sign in with a password alone.",
                hint="Leave REQUIRE_MFA unset (or 1) in production.",
                id="commitments.W002",
            )
        )
    if not settings.PHISHING_RESISTANT_ROLES:
        warnings.append(
            Warning(
                "PHISHING_RESISTANT_ROLES is empty: no role has to sign in with a security "
                "key, so every account's second factor can be phished with its password.",
                hint=(
                    "Leave PHISHING_RESISTANT_ROLES unset in production (admin,coordinator) "
                    "or list the roles that must use a security key."
                ),
                id="commitments.W003",
            )
        )
    return warnings
