"""Deployment checks of our own, run by ``manage.py check --deploy`` with Django's."""

import os

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
    if not os.environ.get("TRUSTED_PROXY_COUNT"):
        warnings.append(
            Warning(
                "TRUSTED_PROXY_COUNT is not set: behind a proxy every client would have the "
                "proxy's address, and the sign-in limits per address would hit everyone.",
                hint="Set it to the number of proxies that append to X-Forwarded-For "
                "(1 for one nginx), or to 0 when clients connect directly.",
                id="commitments.W003",
            )
        )
    return warnings
