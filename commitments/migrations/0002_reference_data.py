"""Reference data from the joint statement of the 7th North American Drug Dialogue (2023).

Countries, the meetings the statement names, the nine objectives for 2024 (verbatim, in
the statement's order) and the four quarters of 2024 as reporting periods.
"""

import datetime

from django.db import migrations

COUNTRIES = [
    ("CA", "Canada", "member"),
    ("MX", "Mexico", "member"),
    ("US", "United States", "member"),
    ("NL", "Netherlands", "partner"),
]

MEMBERS = ["CA", "MX", "US"]

# (kind, ordinal, name, start, end, date precision, place, participants, summary)
MEETINGS = [
    (
        "leaders_summit",
        None,
        "North American Leaders' Summit 2016",
        datetime.date(2016, 6, 29),
        datetime.date(2016, 6, 29),
        "day",
        "Ottawa, Canada",
        MEMBERS,
        "The leaders of Canada, Mexico and the United States formed the North American "
        "Drug Dialogue, the principal mechanism through which the three countries address "
        "current and emerging drug threats.",
    ),
    (
        "nadd",
        6,
        "6th North American Drug Dialogue",
        datetime.date(2022, 11, 1),
        datetime.date(2022, 11, 30),
        "month",
        "",
        MEMBERS,
        "The 7th NADD reviewed progress made since this meeting.",
    ),
    (
        "leaders_summit",
        None,
        "North American Leaders' Summit 2023",
        datetime.date(2023, 1, 1),
        datetime.date(2023, 1, 31),
        "month",
        "Mexico City, Mexico",
        MEMBERS,
        "The leaders committed to support strengthened cooperation to address drug "
        "trafficking and strengthen public health approaches to substance use in North "
        "America.",
    ),
    (
        "health_summit",
        None,
        "NADD Public Health Summit",
        datetime.date(2023, 6, 1),
        datetime.date(2023, 6, 30),
        "month",
        "",
        MEMBERS,
        "A trilateral approach to the accessibility of overdose reversal medications as a "
        "tool in the comprehensive response to the opioid overdose epidemic.",
    ),
    (
        "nadd",
        7,
        "7th North American Drug Dialogue",
        datetime.date(2023, 11, 7),
        datetime.date(2023, 11, 8),
        "day",
        "U.S. Postal Service Headquarters, Washington, D.C., United States",
        [*MEMBERS, "NL"],
        "Senior officials reviewed progress since the 6th NADD, focusing on trends in drug "
        "trafficking including synthetic drugs like fentanyl, precursors, illicit finance, "
        "and public health harms associated with illegal drug use and overdoses, and agreed "
        "nine cooperation objectives for 2024. The Netherlands participated at the "
        "invitation of senior officials, sharing its efforts to address organized crime and "
        "drug trafficking and enhance marine port security.",
    ),
]

# (number, short title, theme, verbatim text from the statement's bullet list)
OBJECTIVES_2024 = [
    (
        1,
        "Comprehensive overdose strategy",
        "public_health",
        "Promote a comprehensive strategy to address overdoses",
    ),
    (
        2,
        "Prevention through mental health",
        "public_health",
        "Strengthen substance use prevention strategies from a mental health approach, "
        "addressing the problem from its causes to reduce risk factors",
    ),
    (
        3,
        "Reducing structural stigma",
        "public_health",
        "Share best practices to help reduce harms to people who use drugs by reducing "
        "structural stigma in our health systems, law, and social services",
    ),
    (
        4,
        "Data on drug use and trafficking trends",
        "synthetic_drugs",
        "Share data on trends in drug use and trafficking to include emerging threats",
    ),
    (
        5,
        "Partnership with the Netherlands",
        "partnerships",
        "Deepen our counternarcotics partnership with the Netherlands and explore parallel "
        "opportunities with other countries",
    ),
    (
        6,
        "Supply chains and smuggling modes",
        "trafficking",
        "Improve shared understanding of drug trafficking supply chains and smuggling "
        "modes, including in the postal system",
    ),
    (
        7,
        "Illicit finance",
        "illicit_finance",
        "Better understand illegal drug-related financing methods associated with fentanyl "
        "and other drug trafficking, and strengthen cooperation to address these activities",
    ),
    (
        8,
        "Control of chemicals of concern",
        "synthetic_drugs",
        "Share information related to the process to control chemicals of concern in each "
        "country, including best practices to address the proliferation of novel "
        "psychoactive substances and new precursor chemicals",
    ),
    (
        9,
        "Firearms and drug trafficking",
        "firearms",
        "Share information trilaterally on current illicit firearms trafficking trends to "
        "better understand and address the enabling effect of illicit firearms in the "
        "furtherance of illegal drug trafficking",
    ),
]

# (name, starts on, ends on, deadline for updates)
PERIODS_2024 = [
    ("2024 Q1", datetime.date(2024, 1, 1), datetime.date(2024, 3, 31), datetime.date(2024, 4, 15)),
    ("2024 Q2", datetime.date(2024, 4, 1), datetime.date(2024, 6, 30), datetime.date(2024, 7, 15)),
    ("2024 Q3", datetime.date(2024, 7, 1), datetime.date(2024, 9, 30), datetime.date(2024, 10, 15)),
    (
        "2024 Q4",
        datetime.date(2024, 10, 1),
        datetime.date(2024, 12, 31),
        datetime.date(2025, 1, 15),
    ),
]


def load(apps, schema_editor):
    Country = apps.get_model("commitments", "Country")
    Meeting = apps.get_model("commitments", "Meeting")
    ObjectiveSet = apps.get_model("commitments", "ObjectiveSet")
    Objective = apps.get_model("commitments", "Objective")
    ReportingPeriod = apps.get_model("commitments", "ReportingPeriod")

    countries = {
        code: Country.objects.create(code=code, name=name, membership=membership)
        for code, name, membership in COUNTRIES
    }
    meetings = {}
    for kind, ordinal, name, start, end, precision, place, participants, summary in MEETINGS:
        meeting = Meeting.objects.create(
            kind=kind,
            ordinal=ordinal,
            name=name,
            start_date=start,
            end_date=end,
            date_precision=precision,
            place=place,
            summary=summary,
        )
        meeting.participants.set([countries[code] for code in participants])
        meetings[name] = meeting

    objective_set = ObjectiveSet.objects.create(
        year=2024, adopted_at=meetings["7th North American Drug Dialogue"]
    )
    # Since 0022 the theme is the set's priority area, which 0022's ``load`` makes from
    # this list (the test suite reloads the reference data with today's models).
    has_theme = any(field.name == "theme" for field in Objective._meta.get_fields())
    for number, title, theme, text in OBJECTIVES_2024:
        Objective.objects.create(
            objective_set=objective_set,
            number=number,
            title=title,
            text=text,
            **({"theme": theme} if has_theme else {}),
        )
    for name, starts_on, ends_on, deadline in PERIODS_2024:
        ReportingPeriod.objects.create(
            objective_set=objective_set,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            deadline=deadline,
        )


def unload(apps, schema_editor):
    ObjectiveSet = apps.get_model("commitments", "ObjectiveSet")
    objective_set = ObjectiveSet.objects.filter(year=2024).first()
    if objective_set is not None:
        objective_set.periods.all().delete()
        objective_set.objectives.all().delete()
        objective_set.delete()
    apps.get_model("commitments", "Meeting").objects.filter(
        name__in=[meeting[2] for meeting in MEETINGS]
    ).delete()
    apps.get_model("commitments", "Country").objects.filter(
        code__in=[code for code, _, _ in COUNTRIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
