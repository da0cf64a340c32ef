"""Indicator values and milestones in the exports and the JSON feed: numbers as numbers,
dates as dates, the narrative's language, published figures only."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commitments.models import (
    Country,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    MilestoneMet,
)
from tests.support.jobs import fetch_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(cast, make_update, objective):
    kits = Indicator.objects.create(
        objective=objective,
        name="Naloxone kits distributed",
        name_es="Kits de naloxona distribuidos",
        definition="Kits handed out.",
        unit="kits",
        additive=True,
    )
    canada = Country.objects.get(code="CA")
    IndicatorTarget.objects.create(
        indicator=kits,
        country=canada,
        baseline=1000,
        baseline_year=2023,
        target=2000,
        target_date=datetime.date(2024, 12, 31),
        updated_by=cast.alice,
    )
    published = make_update(author=cast.alice, language="fr", narrative="Trousses remises.")
    IndicatorValue.objects.create(update=published, indicator=kits, value=Decimal("1234.5"))
    draft = make_update(author=cast.alice, state="draft", narrative="Draft")
    IndicatorValue.objects.create(update=draft, indicator=kits, value=999)
    met = Milestone.objects.create(
        objective=objective,
        country=canada,
        title="Pharmacies stock naloxone",
        due_on=datetime.date(2024, 3, 31),
        owner="Health Canada",
    )
    MilestoneMet.objects.create(update=published, milestone=met)
    late = Milestone.objects.create(
        objective=objective,
        country=canada,
        title="Drug checking in ten cities",
        due_on=datetime.date(2024, 9, 30),
        owner="Health Canada",
    )
    MilestoneMet.objects.create(update=draft, milestone=late)  # a draft: not met
    return {"kits": kits, "published": published, "met": met, "late": late}


def rows_of_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text[1:]), quoting=csv.QUOTE_NONNUMERIC))


def test_the_csv_export_has_the_language_milestones_and_values_as_numbers(login, cast, figures):
    rows = rows_of_csv(fetch_file(login(cast.carol), reverse("update_export_csv")))
    header = rows[0]
    language = header.index("Language of the narrative")
    column = header.index("2024 · 1.1 Naloxone kits distributed (kits)")
    by_narrative = {row[9]: row for row in rows[1:]}
    published = by_narrative["Trousses remises."]
    assert published[language] == "fr"
    assert published[column] == 1234.5  # unquoted in the file: read back as a number
    assert published[header.index("Milestones met")] == "Pharmacies stock naloxone"
    assert by_narrative["Draft"][column] == 999  # the coordinator reads drafts too
    written = published[header.index("Written (UTC)")]
    assert len(written) == 16 and written[4] == "-"


def test_the_workbook_types_numbers_and_dates(login, cast, figures):
    response = fetch_file(login(cast.alice), reverse("update_export_xlsx"), {"state": "published"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    header = rows[0]
    row = rows[1]
    assert row[header.index("2024 · 1.1 Naloxone kits distributed (kits)")] == 1234.5
    assert isinstance(row[header.index("Written (UTC)")], datetime.datetime)
    assert row[header.index("Language of the narrative")] == "fr"


def test_the_open_data_zip_holds_published_figures_only(login, cast, figures):
    response = fetch_file(login(cast.bob), reverse("update_export_zip"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    def table(name):
        text = archive.read(name).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    values = table("indicator-values.csv")
    assert [row["value"] for row in values] == ["1234.5"]
    targets = table("indicator-targets.csv")
    assert targets[0]["target"] == "2000" and targets[0]["target_date"] == "2024-12-31"
    assert table("indicators.csv")[0]["name_es"] == "Kits de naloxona distribuidos"
    milestones = {row["title"]: row for row in table("milestones.csv")}
    assert milestones["Pharmacies stock naloxone"]["met"] == "true"
    assert milestones["Drug checking in ten cities"]["met"] == "false"
    dictionary = archive.read("data-dictionary.csv").decode("utf-8")
    assert "indicator-values.csv" in dictionary


def feed(client, name, **params):
    return client.get(reverse(name), params).json()


def test_the_feed_carries_published_values_and_milestones(login, cast, figures):
    client = login(cast.bob)
    updates = feed(client, "api_updates")["results"]
    assert len(updates) == 1
    assert updates[0]["indicator_values"] == [{"indicator": figures["kits"].pk, "value": 1234.5}]
    assert updates[0]["milestones_met"] == [figures["met"].pk]
    indicators = feed(client, "api_indicators", year=2024)["results"]
    assert indicators[0]["unit"] == "kits" and indicators[0]["additive"] is True
    assert indicators[0]["targets"] == [
        {
            "country": "CA",
            "baseline": 1000,
            "baseline_year": 2023,
            "target": 2000,
            "target_date": "2024-12-31",
            "note": "",
        }
    ]
    milestones = {m["title"]: m for m in feed(client, "api_milestones", country="ca")["results"]}
    assert milestones["Pharmacies stock naloxone"]["met"] is True
    assert milestones["Pharmacies stock naloxone"]["met_in"] == "2024 Q1"
    assert milestones["Drug checking in ten cities"]["overdue"] is True
    assert feed(client, "api_milestones", country="MX")["results"] == []


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("api_indicators", {"objective": "99999"}),
        ("api_milestones", {"objective": "99999"}),
        ("api_milestones", {"country": "ZZ"}),
        ("api_indicators", {"year": "24"}),
    ],
)
def test_the_feed_refuses_filters_naming_nothing(login, cast, name, params):
    response = login(cast.carol).get(reverse(name), params)
    assert response.status_code == 400
    assert "errors" in response.json()


def test_the_feed_reads_each_pages_figures_in_the_pages_own_statement(login, cast, figures):
    """Values, milestones met and files come with the page's rows (no query per kind,
    however many updates carry them), whole values as integers, in indicator order."""
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    client = login(cast.bob)
    feed(client, "api_updates")  # the session and membership read once
    with CaptureQueriesContext(connection) as few:
        feed(client, "api_updates")
    seizures = Indicator.objects.create(
        objective=figures["kits"].objective,
        name="Precursor seizures",
        definition="Kilograms seized.",
        unit="kg",
        additive=True,
        number=2,
    )
    second = IndicatorValue.objects.get(update=figures["published"])
    IndicatorValue.objects.create(update=figures["published"], indicator=seizures, value=1200)
    MilestoneMet.objects.create(update=figures["published"], milestone=figures["late"])
    with CaptureQueriesContext(connection) as more:
        updates = feed(client, "api_updates")["results"]
    # The session, the user, the membership and the page: nothing per kind of figure.
    assert len(more) == len(few) == 4
    assert updates[0]["indicator_values"] == [
        {"indicator": second.indicator_id, "value": 1234.5},
        {"indicator": seizures.pk, "value": 1200},
    ]
    assert isinstance(updates[0]["indicator_values"][1]["value"], int)
    assert updates[0]["milestones_met"] == [figures["met"].pk, figures["late"].pk]
