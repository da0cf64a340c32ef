"""Rate-limit counters: one row per (route, user or address, time window), counted with a
single upsert, shared by every app process."""

from django.db import migrations

CREATE = """
CREATE TABLE commitments_rate_counter (
    bucket varchar(255) PRIMARY KEY,
    hits integer NOT NULL,
    expires timestamptz NOT NULL
);
CREATE INDEX commitments_rate_counter_expires ON commitments_rate_counter (expires);
"""

DROP = "DROP TABLE commitments_rate_counter;"


class Migration(migrations.Migration):
    dependencies = [("commitments", "0015_period_cell_newest_index")]

    operations = [migrations.RunSQL(CREATE, DROP)]
