"""Data stamps: values the database changes whenever what a cached fragment shows may have
changed, so a page reads one small row to know whether its cached parts still hold.

- ``reference``: objectives, objective sets, reporting periods, countries, meetings,
  memberships and people's names (what the filters, headers and labels show).
- ``record``: any write that touches a submitted or published update (the dashboard's
  matrix, missing list and charts); saving a draft leaves it alone.

Triggers do the bumping, so no write path (service, admin, QuerySet.update, a bulk load,
a restore) can forget it; one bump per statement, so a bulk load costs one. Each bump
draws a new random value rather than counting up: after a restore from backup, or a test
database flushed and refilled, a stamp never comes back with a value that once described
other data.
"""

from django.db import migrations

REFERENCE_TABLES = [
    "commitments_objective",
    "commitments_objectiveset",
    "commitments_reportingperiod",
    "commitments_country",
    "commitments_meeting",
    "commitments_membership",
]
REPORTED = "('submitted', 'published')"

CREATE = f"""
CREATE TABLE commitments_data_stamp (
    name varchar(20) PRIMARY KEY,
    value bigint NOT NULL
);

CREATE FUNCTION commitments_bump_stamp(stamp text) RETURNS void AS $$
    INSERT INTO commitments_data_stamp (name, value)
    VALUES (stamp, (random() * 9.2e18)::bigint)
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
$$ LANGUAGE sql;

INSERT INTO commitments_data_stamp (name, value)
VALUES ('reference', (random() * 9.2e18)::bigint), ('record', (random() * 9.2e18)::bigint);

CREATE FUNCTION commitments_stamp_reference() RETURNS trigger AS $$
BEGIN
    PERFORM commitments_bump_stamp('reference');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- The record stamp moves only when a statement wrote a submitted or published update
-- (before or after the change): drafts come and go without emptying the caches.
-- (Separate IFs: PL/pgSQL plans each only when it runs, and an INSERT trigger has no
-- old_rows, a DELETE trigger no new_rows.)
CREATE FUNCTION commitments_stamp_record_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM new_rows WHERE state IN {REPORTED}) THEN
            PERFORM commitments_bump_stamp('record');
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM old_rows WHERE state IN {REPORTED}) THEN
            PERFORM commitments_bump_stamp('record');
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION commitments_stamp_record() RETURNS trigger AS $$
BEGIN
    PERFORM commitments_bump_stamp('record');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER stamp_record_insert AFTER INSERT ON commitments_progressupdate
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_stamp_record_rows();
CREATE TRIGGER stamp_record_update AFTER UPDATE ON commitments_progressupdate
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_stamp_record_rows();
CREATE TRIGGER stamp_record_delete AFTER DELETE ON commitments_progressupdate
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_stamp_record_rows();
CREATE TRIGGER stamp_record_truncate AFTER TRUNCATE ON commitments_progressupdate
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_stamp_record();

-- Names, not sign-ins: last_login changes at every sign-in and shows nowhere cached.
CREATE TRIGGER stamp_reference_names AFTER INSERT OR DELETE OR TRUNCATE
    OR UPDATE OF username, first_name, last_name ON auth_user
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_stamp_reference();
""" + "".join(
    f"""
CREATE TRIGGER stamp_reference AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_stamp_reference();
"""
    for table in REFERENCE_TABLES
)

DROP = (
    "".join(f"DROP TRIGGER IF EXISTS stamp_reference ON {table};\n" for table in REFERENCE_TABLES)
    + """
DROP TRIGGER IF EXISTS stamp_reference_names ON auth_user;
DROP TRIGGER IF EXISTS stamp_record_insert ON commitments_progressupdate;
DROP TRIGGER IF EXISTS stamp_record_update ON commitments_progressupdate;
DROP TRIGGER IF EXISTS stamp_record_delete ON commitments_progressupdate;
DROP TRIGGER IF EXISTS stamp_record_truncate ON commitments_progressupdate;
DROP FUNCTION IF EXISTS commitments_stamp_record();
DROP FUNCTION IF EXISTS commitments_stamp_record_rows();
DROP FUNCTION IF EXISTS commitments_stamp_reference();
DROP FUNCTION IF EXISTS commitments_bump_stamp(text);
DROP TABLE IF EXISTS commitments_data_stamp;
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0016_rate_counter"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
