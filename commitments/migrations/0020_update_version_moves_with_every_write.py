"""An update's version moves with every write to it, by whatever path.

The services move it themselves (``version = version + 1``, checked under a row lock
against the version the user saw). Any other UPDATE of the row (the admin, a
``QuerySet.update()``, SQL by hand) leaves it alone, so this trigger moves it then: a
user who loaded the row before such a write gets a conflict instead of overwriting it,
and the row's cached drawing, keyed by its id and version (commitments/fragments.py), is
drawn again.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION commitments_move_update_version() RETURNS trigger AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_version_moves BEFORE UPDATE ON commitments_progressupdate
    FOR EACH ROW WHEN (NEW.version = OLD.version)
    EXECUTE FUNCTION commitments_move_update_version();
"""

DROP = """
DROP TRIGGER IF EXISTS update_version_moves ON commitments_progressupdate;
DROP FUNCTION IF EXISTS commitments_move_update_version();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0019_covering_list_indexes"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
