"""Priority areas belong to a set (the fixed themes become each set's areas), objectives
link to earlier ones (continues, replaces, splits from, merges) and name partner countries."""

import commitments.models.reference
import django.db.models.deletion
from importlib import import_module

from django.db import migrations, models

from commitments import fragments


# Each theme the code fixed until now, in its order, with its Spanish and French names:
# every set's themes become that set's priority areas.
THEMES = [
    (
        "synthetic_drugs",
        "Current and emerging synthetic drugs",
        "Drogas sintéticas actuales y emergentes",
        "Drogues de synthèse actuelles et émergentes",
    ),
    (
        "public_health",
        "Drug demand and public health",
        "Demanda de drogas y salud pública",
        "Demande de drogues et santé publique",
    ),
    (
        "trafficking",
        "Modes and methods of drug trafficking",
        "Modos y métodos del tráfico de drogas",
        "Modes et méthodes du trafic de drogues",
    ),
    ("illicit_finance", "Illicit finance", "Financiamiento ilícito", "Financement illicite"),
    (
        "firearms",
        "Firearms and drug trafficking",
        "Armas de fuego y tráfico de drogas",
        "Armes à feu et trafic de drogues",
    ),
    (
        "partnerships",
        "International partnerships",
        "Alianzas internacionales",
        "Partenariats internationaux",
    ),
]


def areas_from_themes(apps, schema_editor):
    """Each set gets an area for each theme its objectives use, numbered in the themes'
    order, and each objective points at its theme's area."""
    # Checked now, not at commit: the column is dropped in the same transaction.
    if schema_editor is not None:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # With today's models (the test suite reloading the reference data) objectives have
    # no theme: the 2024 objectives' themes come from the list 0002 shipped them with.
    shipped = {
        number: theme
        for number, _title, theme, _text in import_module(
            "commitments.migrations.0002_reference_data"
        ).OBJECTIVES_2024
    }
    ObjectiveSet = apps.get_model("commitments", "ObjectiveSet")
    PriorityArea = apps.get_model("commitments", "PriorityArea")
    for objective_set in ObjectiveSet.objects.all():
        objectives = list(objective_set.objectives.all())
        themes = {
            objective.pk: getattr(objective, "theme", None)
            or (shipped.get(objective.number) if objective_set.year == 2024 else None)
            for objective in objectives
        }
        used = set(themes.values())
        areas = {}
        for value, name, name_es, name_fr in THEMES:
            if value in used:
                areas[value] = PriorityArea.objects.create(
                    objective_set=objective_set,
                    number=len(areas) + 1,
                    name=name,
                    name_es=name_es,
                    name_fr=name_fr,
                )
        for objective in objectives:
            objective.area = areas.get(themes[objective.pk])
            objective.save(update_fields=["area"])
    # The 2024 set's objective 5 is the partnership with the Netherlands, a partner country.
    Objective = apps.get_model("commitments", "Objective")
    Country = apps.get_model("commitments", "Country")
    netherlands = Country.objects.filter(code="NL", membership="partner").first()
    partnership = Objective.objects.filter(objective_set__year=2024, number=5).first()
    if netherlands and partnership:
        partnership.partners.add(netherlands)


# The test suite's reference_data fixture reloads each data migration's ``load``.
load = areas_from_themes


def themes_from_areas(apps, schema_editor):
    """Back: each objective takes the theme whose English name its area has (else the
    first theme)."""
    Objective = apps.get_model("commitments", "Objective")
    by_name = {name: value for value, name, _es, _fr in THEMES}
    for objective in Objective.objects.select_related("area"):
        objective.theme = by_name.get(objective.area.name if objective.area else None, THEMES[0][0])
        objective.save(update_fields=["theme"])


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0021_stamp_triggers_from_fragments_module"),
    ]

    operations = [
        migrations.AddField(
            model_name="objective",
            name="partners",
            field=models.ManyToManyField(
                blank=True,
                help_text="Partner countries named on this objective: they may contribute to it, and to no other objective.",
                limit_choices_to={"membership": "partner"},
                related_name="partner_objectives",
                to="commitments.country",
                verbose_name="partner countries",
            ),
        ),
        migrations.CreateModel(
            name="PriorityArea",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveSmallIntegerField(
                        help_text="Its order in the set.", verbose_name="number"
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                (
                    "name_es",
                    models.CharField(blank=True, max_length=120, verbose_name="name in Spanish"),
                ),
                (
                    "name_fr",
                    models.CharField(blank=True, max_length=120, verbose_name="name in French"),
                ),
                (
                    "objective_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="areas",
                        to="commitments.objectiveset",
                        verbose_name="objective set",
                    ),
                ),
            ],
            options={
                "verbose_name": "priority area",
                "verbose_name_plural": "priority areas",
                "ordering": ["objective_set__year", "number"],
            },
            bases=(commitments.models.reference.Translated, models.Model),
        ),
        migrations.AddField(
            model_name="objective",
            name="area",
            field=models.ForeignKey(
                blank=True,
                help_text="One of the priority areas of the objective's set.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="objectives",
                to="commitments.priorityarea",
                verbose_name="priority area",
            ),
        ),
        migrations.CreateModel(
            name="ObjectiveLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("continues", "continues"),
                            ("replaces", "replaces"),
                            ("splits_from", "splits from"),
                            ("merges", "merges"),
                        ],
                        default="continues",
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                (
                    "earlier",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="links_to_later",
                        to="commitments.objective",
                        verbose_name="earlier objective",
                    ),
                ),
                (
                    "objective",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links_to_earlier",
                        to="commitments.objective",
                        verbose_name="objective",
                    ),
                ),
            ],
            options={
                "verbose_name": "link to an earlier objective",
                "verbose_name_plural": "links to earlier objectives",
                "ordering": ["objective", "earlier__objective_set__year", "earlier__number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("objective", "earlier"), name="objective_link_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("objective", models.F("earlier")), _negated=True),
                        name="objective_link_not_itself",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("kind__in", ["continues", "replaces", "splits_from", "merges"])
                        ),
                        name="objective_link_kind_valid",
                    ),
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="priorityarea",
            constraint=models.UniqueConstraint(
                fields=("objective_set", "number"), name="area_number_unique_in_set"
            ),
        ),
        migrations.AddConstraint(
            model_name="priorityarea",
            constraint=models.UniqueConstraint(
                fields=("objective_set", "name"), name="area_name_unique_in_set"
            ),
        ),
        migrations.AddConstraint(
            model_name="priorityarea",
            constraint=models.CheckConstraint(
                condition=models.Q(("number__gte", 1)), name="area_number_positive"
            ),
        ),
        # Nullable first, so that going back can add the column again before filling it.
        migrations.AlterField(
            model_name="objective",
            name="theme",
            field=models.CharField(max_length=30, null=True, verbose_name="theme"),
        ),
        migrations.RunPython(areas_from_themes, themes_from_areas),
        migrations.RemoveField(
            model_name="objective",
            name="theme",
        ),
        # The new tables move the reference stamp like the objectives themselves.
        migrations.RunPython(fragments.sync_stamp_triggers, migrations.RunPython.noop),
    ]
