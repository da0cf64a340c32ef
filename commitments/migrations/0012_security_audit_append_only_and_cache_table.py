"""The audit table refuses UPDATE and DELETE in the database itself, whatever role or code
path tries; and the shared cache table (rate-limit counters) is created by migrate."""

from django.core.management import call_command
from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION commitments_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER commitments_auditentry_append_only
    BEFORE UPDATE OR DELETE ON commitments_auditentry
    FOR EACH ROW EXECUTE FUNCTION commitments_audit_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS commitments_auditentry_append_only ON commitments_auditentry;
DROP FUNCTION IF EXISTS commitments_audit_append_only();
"""


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0011_security_sessions_mfa_recovery_codes"),
    ]

    operations = [
        migrations.RunSQL(APPEND_ONLY, REMOVE),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
