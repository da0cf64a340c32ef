"""The languages each country's officials write in (a new narrative starts in one of
them), and each person's choice of the e-mails about their country's updates."""

import django.contrib.postgres.fields
from django.db import migrations, models

# The languages of the site each country's reports are written in, the usual one first.
LANGUAGES = {"CA": ["en", "fr"], "MX": ["es"], "US": ["en"]}


def load(apps, schema_editor):
    """Also replayed by the tests that empty the database (tests/conftest.py)."""
    Country = apps.get_model("commitments", "Country")
    for code, languages in LANGUAGES.items():
        Country.objects.filter(code=code).update(languages=languages)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0026_merge_heavy_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="country",
            name="languages",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[("en", "English"), ("es", "Spanish"), ("fr", "French")], max_length=8
                ),
                blank=True,
                default=list,
                help_text="Of the site's languages, those the country's reports are written in, the usual one first: a new update's narrative starts in the official's own language when it is one of these, otherwise in the first.",
                verbose_name="languages its officials write in",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="email_when_commented",
            field=models.BooleanField(
                db_default=True,
                default=True,
                verbose_name="e-mail me when someone comments on an update",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="email_when_published",
            field=models.BooleanField(
                db_default=True, default=True, verbose_name="e-mail me when an update is published"
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="email_when_returned",
            field=models.BooleanField(
                db_default=True,
                default=True,
                verbose_name="e-mail me when an update is returned for changes",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
