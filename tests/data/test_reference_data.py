"""The data migration ships the statement's facts: countries, meetings, objectives, periods."""

import datetime
import itertools

import pytest

from commitments.models import Country, Meeting, Objective, ObjectiveSet, ReportingPeriod

pytestmark = pytest.mark.django_db

# The bullet list of the joint statement of the 7th NADD, in order, without the
# list's trailing punctuation ("; and", ";", ".").
STATEMENT_OBJECTIVES = [
    "Promote a comprehensive strategy to address overdoses",
    "Strengthen substance use prevention strategies from a mental health approach, addressing "
    "the problem from its causes to reduce risk factors",
    "Share best practices to help reduce harms to people who use drugs by reducing structural "
    "stigma in our health systems, law, and social services",
    "Share data on trends in drug use and trafficking to include emerging threats",
    "Deepen our counternarcotics partnership with the Netherlands and explore parallel "
    "opportunities with other countries",
    "Improve shared understanding of drug trafficking supply chains and smuggling modes, "
    "including in the postal system",
    "Better understand illegal drug-related financing methods associated with fentanyl and "
    "other drug trafficking, and strengthen cooperation to address these activities",
    "Share information related to the process to control chemicals of concern in each country, "
    "including best practices to address the proliferation of novel psychoactive substances "
    "and new precursor chemicals",
    "Share information trilaterally on current illicit firearms trafficking trends to better "
    "understand and address the enabling effect of illicit firearms in the furtherance of "
    "illegal drug trafficking",
]


def test_nine_objectives_verbatim_and_in_the_statements_order():
    objectives = Objective.objects.filter(objective_set__year=2024).order_by("number")
    assert [o.number for o in objectives] == list(range(1, 10))
    assert [o.text for o in objectives] == STATEMENT_OBJECTIVES
    assert all(o.title and o.area and o.is_active for o in objectives)


def test_objectives_were_adopted_at_the_7th_nadd():
    objective_set = ObjectiveSet.objects.get(year=2024)
    assert objective_set.adopted_at.name == "7th North American Drug Dialogue"
    assert ObjectiveSet.objects.current() == objective_set


def test_three_members_and_the_netherlands_as_partner():
    assert set(Country.objects.members().values_list("code", flat=True)) == {"CA", "MX", "US"}
    assert Country.objects.get(code="NL").membership == Country.Membership.PARTNER
    assert Country.objects.get(code="BE").membership == Country.Membership.PARTNER


def test_meetings_named_in_the_statement():
    meetings = {m.name: m for m in Meeting.objects.prefetch_related("participants")}
    assert set(meetings) == {
        "North American Leaders' Summit 2016",
        "6th North American Drug Dialogue",
        "North American Leaders' Summit 2023",
        "NADD Public Health Summit",
        "7th North American Drug Dialogue",
        "8th North American Drug Dialogue",
    }
    seventh = meetings["7th North American Drug Dialogue"]
    assert (seventh.start_date, seventh.end_date) == (
        datetime.date(2023, 11, 7),
        datetime.date(2023, 11, 8),
    )
    assert "Washington, D.C." in seventh.place
    assert {c.code for c in seventh.participants.all()} == {"CA", "MX", "US", "NL"}
    eighth = meetings["8th North American Drug Dialogue"]
    assert (eighth.start_date, eighth.place) == (datetime.date(2024, 11, 13), "Mexico City, Mexico")
    assert {c.code for c in eighth.participants.all()} == {"CA", "MX", "US", "NL", "BE"}
    assert ObjectiveSet.objects.get(year=2024).reviewed_at == eighth
    sixth = meetings["6th North American Drug Dialogue"]
    assert (sixth.start_date.year, sixth.start_date.month, sixth.date_precision) == (
        2022,
        11,
        "month",
    )
    assert meetings["NADD Public Health Summit"].start_date.month == 6
    assert meetings["North American Leaders' Summit 2023"].start_date.month == 1


def test_four_quarters_of_2024_with_deadlines_after_each_quarter():
    periods = list(ReportingPeriod.objects.filter(objective_set__year=2024))
    assert [p.name for p in periods] == ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"]
    assert periods[0].starts_on == datetime.date(2024, 1, 1)
    assert periods[-1].ends_on == datetime.date(2024, 12, 31)
    assert all(p.deadline > p.ends_on for p in periods)
    day = datetime.timedelta(days=1)
    assert all(a.ends_on + day == b.starts_on for a, b in itertools.pairwise(periods))
