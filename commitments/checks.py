"""Deployment checks of our own, run by ``manage.py check --deploy`` with Django's."""

import os

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connection

# The rights the role the application runs as holds on the audit table: an owner (or a
# member of the owner role) can ALTER TABLE … DISABLE TRIGGER, and TRUNCATE fires no
# row trigger, so either would let the application's own role erase the audit trail.
AUDIT_TABLE_RIGHTS = """
SELECT pg_has_role(current_user, c.relowner, 'USAGE'),
       has_table_privilege(current_user, c.oid, 'TRUNCATE'),
       current_user
FROM pg_class c WHERE c.oid = to_regclass(%s)
"""


@register(Tags.security, deploy=True)
def check_security_settings(app_configs, **kwargs):
    warnings = []
    user = settings.DATABASES["default"].get("USER", "")
    if user == "postgres":
        warnings.append(
            Warning(
                "The application connects to PostgreSQL as the superuser 'postgres'.",
                hint="Connect as a role that owns nothing (grant_app_role, docs/deployment.md).",
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
    if not settings.PHISHING_RESISTANT_ROLES:
        warnings.append(
            Warning(
                "PHISHING_RESISTANT_ROLES is empty: no role has to sign in with a security "
                "key, so every account's second factor can be phished with its password.",
                hint=(
                    "Leave PHISHING_RESISTANT_ROLES unset in production (admin,coordinator) "
                    "or list the roles that must use a security key."
                ),
                id="commitments.W005",
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def check_audit_table_rights(app_configs, **kwargs):
    """The role the application runs as must not own the audit table or be able to
    truncate it."""
    from commitments.models import AuditEntry  # noqa: PLC0415 - checks load before models

    hint = (
        "Run migrations as an owner role and the application as another role, given its "
        "rights by `python manage.py grant_app_role <role>` (docs/deployment.md)."
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(AUDIT_TABLE_RIGHTS, [AuditEntry._meta.db_table])
            row = cursor.fetchone()
    except DatabaseError as error:
        return [
            Warning(
                f"Could not check the database role's rights on the audit table: {error}",
                hint=hint,
                id="commitments.W004",
            )
        ]
    if row is None:  # not migrated yet: migrate's own checks say so
        return []
    owns, can_truncate, role = row
    problems = []
    if owns:
        problems.append("owns it (so it can ALTER TABLE … DISABLE TRIGGER)")
    if can_truncate:
        problems.append("may TRUNCATE it")
    if not problems:
        return []
    return [
        Warning(
            f"The application's database role {role} {' and '.join(problems)}: "
            f"it could erase the audit trail ({AuditEntry._meta.db_table}).",
            hint=hint,
            id="commitments.W004",
        )
    ]
