"""The dashboard's status matrix and timeliness kept in the database as functions,
planned once per connection (commitments.planning.StoredQuery)."""

from django.db import migrations

from commitments import planning


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0035_review_queue_return_reasons_index"),
    ]

    operations = [
        migrations.RunPython(planning.sync_stored_queries, planning.drop_stored_queries),
    ]
