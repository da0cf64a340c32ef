"""The triggers that move the data stamps, created from the list in code.

Migration 0017 wrote the list of stamped tables into its SQL; the list now lives in
``commitments.fragments.STAMPED_TABLES``, and this migration (like any later one that
changes the list) drops every stamp trigger and creates them from it. The set is the same
as 0017's, so going back leaves them as they are.
"""

from django.db import migrations

from commitments import fragments


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0020_update_version_moves_with_every_write"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(fragments.sync_stamp_triggers, migrations.RunPython.noop),
    ]
