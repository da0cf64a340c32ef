"""``migrate`` without the site's statement limit.

The application's connections cut a statement off after 30 s (nadd/settings.py), which
guards the pages; a migration that adds an index or fills a new column over a million
updates takes longer, and must not fail half-way for it. This is Django's own command,
run with no limit in its session.
"""

from django.core.management.commands import migrate
from django.db import connections


class Command(migrate.Command):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
        try:
            return super().handle(*args, **options)
        finally:
            # The connection may serve on (tests, a shell): back to the pages' limit.
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
