"""Partners' latest contributions kept in the database as a function too
(commitments.planning.StoredQuery)."""

from django.db import migrations

from commitments import planning


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0036_stored_queries"),
    ]

    operations = [
        migrations.RunPython(planning.sync_stored_queries, planning.sync_stored_queries),
    ]
