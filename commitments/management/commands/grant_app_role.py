"""Give the role the application runs as exactly the rights it needs, and no more.

Production uses two PostgreSQL roles: an owner, which runs ``migrate`` and owns every
table, and the application's role, which owns nothing. Run this as the owner after each
``migrate`` (it is idempotent, and puts back exactly these rights whatever was granted
before):

- every table of the schema: SELECT, INSERT, UPDATE, DELETE (no TRUNCATE, REFERENCES or
  TRIGGER), including Django's sessions and cache table, django-axes' and django-otp's
  tables, and the rate-limit counters;
- the audit table: SELECT and INSERT only, so the application can neither change, delete
  nor truncate an entry, and, owning no table, cannot ALTER TABLE … DISABLE TRIGGER;
  the same for the meeting snapshots and their cells (what a meeting saw never changes);
- ``django_migrations``: SELECT only;
- every sequence: USAGE and SELECT;
- tables and sequences that later migrations create: the same as ordinary ones (default
  privileges), until the next run sets them exactly.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg2 import sql

from commitments.models import AuditEntry, MeetingSnapshot, MeetingSnapshotRow

ORDINARY = ["SELECT", "INSERT", "UPDATE", "DELETE"]
# Tables whose rows the application may read and add to but never change.
LIMITED = {
    AuditEntry._meta.db_table: ["SELECT", "INSERT"],
    MeetingSnapshot._meta.db_table: ["SELECT", "INSERT"],
    MeetingSnapshotRow._meta.db_table: ["SELECT", "INSERT"],
    "django_migrations": ["SELECT"],
}


def table_rights(table):
    return LIMITED.get(table, ORDINARY)


class Command(BaseCommand):
    help = (
        "Grant the application's database role exactly what it needs on every table and "
        "sequence (the audit table: SELECT and INSERT only). Run as the tables' owner after "
        "each migrate; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the application connects as, e.g. nadd_app.")
        parser.add_argument(
            "--schema", help="The schema of the tables (default: the connection's current one)."
        )

    def handle(self, *args, role, schema, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema(), current_database()")
            owner, current_schema, database = cursor.fetchone()
            schema = schema or current_schema
            self.check_role(cursor, role, owner, schema)
            tables, sequences = self.objects(cursor, schema)
            with transaction.atomic():
                self.grant(cursor, role, owner, database, schema, tables, sequences)
            cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
            if cursor.fetchone()[0]:
                self.stderr.write(
                    f"Warning: {role} may create tables in schema {schema} (through PUBLIC, "
                    f"PostgreSQL 14 and older). As the database owner run: "
                    f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;"
                )
        self.stdout.write(
            f"{role}: {len(tables)} tables and {len(sequences)} sequences of schema {schema}; "
            f"{AuditEntry._meta.db_table} SELECT and INSERT only."
        )

    def check_role(self, cursor, role, owner, schema):
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise CommandError(
                f"There is no role {role!r}. Create it first, e.g.: "
                f"CREATE ROLE {role} LOGIN PASSWORD '…';"
            )
        if row[0]:
            raise CommandError(f"{role} is a superuser: every privilege check passes for it.")
        if role == owner:
            raise CommandError(
                f"{role} is the role running this command, which owns the tables. Run it as "
                "the owner (the role that runs migrate) and name the application's role."
            )
        cursor.execute(
            """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s AND pg_has_role(%s, c.relowner, 'USAGE')
               ORDER BY c.relname""",
            [schema, role],
        )
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            raise CommandError(
                f"{role} owns (or is a member of the owner of) {', '.join(owned[:10])}"
                f"{' …' if len(owned) > 10 else ''}; an owner can ALTER and TRUNCATE them. "
                f"Give them to the owner (as a superuser: REASSIGN OWNED BY {role} TO {owner};)"
                f" and make sure {role} is not a member of {owner}."
            )

    def objects(self, cursor, schema):
        cursor.execute(
            """SELECT c.relname, c.relkind, pg_has_role(current_user, c.relowner, 'USAGE')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
               ORDER BY c.relname""",
            [schema],
        )
        rows = cursor.fetchall()
        foreign = [name for name, _kind, mine in rows if not mine]
        if foreign:
            raise CommandError(
                f"Run this as the tables' owner: {', '.join(foreign[:10])} belong to another role."
            )
        tables = [name for name, kind, _mine in rows if kind != "S"]
        sequences = [name for name, kind, _mine in rows if kind == "S"]
        return tables, sequences

    def grant(self, cursor, role, owner, database, schema, tables, sequences):
        def run(statement, *names):
            composed = sql.SQL(statement).format(*names)
            cursor.execute(composed.as_string(connection.connection))

        who, where = sql.Identifier(role), sql.Identifier(schema)
        run("GRANT CONNECT ON DATABASE {} TO {}", sql.Identifier(database), who)
        run("GRANT USAGE ON SCHEMA {} TO {}", where, who)
        run("REVOKE CREATE ON SCHEMA {} FROM {}", where, who)
        for table in tables:
            name = sql.Identifier(schema, table)
            run("REVOKE ALL ON TABLE {} FROM {}", name, who)
            rights = sql.SQL(", ").join(map(sql.SQL, table_rights(table)))
            run("GRANT {} ON TABLE {} TO {}", rights, name, who)
        for sequence in sequences:
            name = sql.Identifier(schema, sequence)
            run("REVOKE ALL ON SEQUENCE {} FROM {}", name, who)
            run("GRANT USAGE, SELECT ON SEQUENCE {} TO {}", name, who)
        owner_id = sql.Identifier(owner)
        run(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}",
            owner_id,
            where,
            who,
        )
        run(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
            "GRANT USAGE, SELECT ON SEQUENCES TO {}",
            owner_id,
            where,
            who,
        )
