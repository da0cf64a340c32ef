"""The 8th North American Drug Dialogue (Mexico City, 13–14 November 2024), which reviewed
the 2024 objectives, with Belgium and the Netherlands attending as partners."""

import datetime

from django.db import migrations

NAME = "8th North American Drug Dialogue"


def load(apps, schema_editor):
    Country = apps.get_model("commitments", "Country")
    Meeting = apps.get_model("commitments", "Meeting")
    ObjectiveSet = apps.get_model("commitments", "ObjectiveSet")
    belgium, _ = Country.objects.get_or_create(
        code="BE", defaults={"name": "Belgium", "membership": "partner"}
    )
    meeting, created = Meeting.objects.get_or_create(
        kind="nadd",
        ordinal=8,
        defaults={
            "name": NAME,
            "start_date": datetime.date(2024, 11, 13),
            "end_date": datetime.date(2024, 11, 14),
            "date_precision": "day",
            "place": "Mexico City, Mexico",
            "summary": (
                "The three countries reviewed the year's progress on the priority areas and "
                "agreed cooperation actions for 2025: wastewater testing and early-warning "
                "systems for illicit drugs; postal and border security; tracking synthetic "
                "drug trends to disrupt organised crime; and reviewing joint actions on the "
                "links between synthetic drugs and firearms trafficking. Belgium and the "
                "Netherlands attended as partners."
            ),
        },
    )
    if created:
        meeting.participants.set(
            Country.objects.filter(code__in=["CA", "MX", "US", "NL"]) | Country.objects.filter(pk=belgium.pk)
        )
    ObjectiveSet.objects.filter(year=2024, reviewed_at__isnull=True).update(reviewed_at=meeting)


def unload(apps, schema_editor):
    Meeting = apps.get_model("commitments", "Meeting")
    apps.get_model("commitments", "ObjectiveSet").objects.filter(reviewed_at__name=NAME).update(
        reviewed_at=None
    )
    Meeting.objects.filter(kind="nadd", ordinal=8).delete()
    apps.get_model("commitments", "Country").objects.filter(code="BE", memberships=None, updates=None).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0004_objective_version")]

    operations = [migrations.RunPython(load, unload)]
