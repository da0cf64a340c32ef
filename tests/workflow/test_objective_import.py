"""Admins load a new year's objective set from CSV: every bad row reported, all or nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments import imports
from commitments.models import AuditEntry, Meeting, Objective, ObjectiveSet, ReportingPeriod

pytestmark = pytest.mark.django_db

URL = "/admin/commitments/objectiveset/import/"

GOOD = (
    "number,title,theme,text\n"
    "1,Wastewater testing,public_health,Expand wastewater testing and early-warning systems\n"
    "2,Postal and border security,Modes and methods of drug trafficking,"
    '"Strengthen postal, and border, security"\n'
)


def upload(text, name="objectives.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def post(client, text, year=2025, **extra):
    data = {
        "year": year,
        "adopted_at": Meeting.objects.get(ordinal=8).pk,
        "file": upload(text),
        "create_quarters": "on",
    }
    data.update(extra)
    return client.post(URL, data)


def test_the_changelist_links_to_the_import(login, cast):
    assert URL in login(cast.dave).get("/admin/commitments/objectiveset/").text


def test_a_good_file_creates_the_set_objectives_and_quarters(login, cast):
    response = post(login(cast.dave), GOOD)
    assert response.status_code == 302
    objective_set = ObjectiveSet.objects.get(year=2025)
    assert objective_set.adopted_at.ordinal == 8
    objectives = list(objective_set.objectives.order_by("number"))
    assert [(o.number, o.title, o.theme) for o in objectives] == [
        (1, "Wastewater testing", "public_health"),
        (2, "Postal and border security", "trafficking"),
    ]
    assert objectives[1].text == "Strengthen postal, and border, security"
    periods = list(ReportingPeriod.objects.filter(objective_set=objective_set))
    assert [p.name for p in periods] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert periods[0].ends_on == datetime.date(2025, 3, 31)
    assert periods[3].ends_on == datetime.date(2025, 12, 31)
    assert periods[3].deadline == datetime.date(2026, 1, 15)
    entry = AuditEntry.objects.get(action="objectiveset.imported")
    assert entry.actor == cast.dave
    assert entry.changes["objectives"][1] == [
        "1. Wastewater testing",
        "2. Postal and border security",
    ]


def test_every_bad_row_is_reported_and_nothing_is_saved(login, cast):
    bad = (
        "number,title,theme,text\n"
        "1,Fine,public_health,Good text\n"
        "x,,astrology,\n"
        "1,Duplicate number,firearms,Text\n"
        "3,Too few columns\n"
        f"4,{'T' * 121},firearms,Text\n"
    )
    before = Objective.objects.count()
    response = post(login(cast.dave), bad)
    assert response.status_code == 400
    text = response.text
    assert "Nothing was imported: 4 problems were found." in text
    assert (
        "Line 3: the number must be a whole number from 1 to 32767; the title must have 1 to "
        "120 characters; unknown theme" in text
    )
    assert "Line 4: number 1 appears twice." in text
    assert "Line 5: expected 4 columns, found 2." in text
    assert "Line 6: the title must have 1 to 120 characters." in text
    assert not ObjectiveSet.objects.filter(year=2025).exists()
    assert Objective.objects.count() == before
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("²,Title,firearms,Text", "the number must be a whole number from 1 to 32767"),
        ("١,Title,firearms,Text", "the number must be a whole number from 1 to 32767"),
        ("99999999999999999999,Title,firearms,Text", "the number must be a whole number from"),
        ("32768,Title,firearms,Text", "the number must be a whole number from 1 to 32767"),
        ("1\x00,Title,firearms,Text", "the number has an invisible character U+0000 at position 2"),
        ("1,Ti\x00tle,firearms,Text", "the title has an invisible character U+0000 at position 3"),
        ("1,\u202eTitle,firearms,Text", "the title has an invisible character U+202E"),
        ("1,Title,fire\x01arms,Text", "the theme has an invisible character U+0001"),
        ('1,Title,firearms,"Te\x1bxt"', "the text has an invisible character U+001B at position 3"),
    ],
)
def test_forged_cells_are_reported_and_nothing_is_saved(login, cast, row, message):
    response = post(login(cast.dave), f"number,title,theme,text\n{row}\n")
    assert response.status_code == 400
    assert f"Line 2: {message}" in response.text
    assert not ObjectiveSet.objects.filter(year=2025).exists()


def test_the_text_keeps_its_line_breaks_and_tabs(login, cast):
    content = 'number,title,theme,text\r\n1,Title,firearms,"First\r\n\tsecond"\r\n'
    assert post(login(cast.dave), content).status_code == 302
    assert Objective.objects.get(objective_set__year=2025).text == "First\n\tsecond"


def test_a_file_over_the_size_limit_is_refused_with_a_message(login, cast, settings):
    client = login(cast.dave)
    rows = GOOD + "".join(f"{n},Title {n},firearms,{'x' * 1990}\n" for n in range(3, 100))
    assert post(client, rows).status_code == 302  # 200 kB: fine
    padding = "#" * (imports.MAX_BYTES + 1)  # counted as it arrives, stopped past 1 MB
    response = post(client, GOOD + padding, year=2026)
    assert response.status_code == 400
    assert "The file is larger than 1.0\xa0MB, the most this form takes." in response.text
    response = post(client, GOOD + "#" * (5 * 1024 * 1024), year=2026)  # refused unread
    assert response.status_code == 400
    assert "What was sent is larger than" in response.text
    assert not ObjectiveSet.objects.filter(year=2026).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The submitted file is empty."),
        ("title,number\n1,x\n", "The first row must be exactly: number,title,theme,text."),
        ("number,title,theme,text\n", "The file has no objectives."),
    ],
)
def test_malformed_files_get_a_clear_message(login, cast, content, message):
    response = post(login(cast.dave), content)
    assert response.status_code == 400
    assert message in response.text
    assert not ObjectiveSet.objects.filter(year=2025).exists()


def test_a_file_that_is_not_utf8_is_refused(login, cast):
    response = login(cast.dave).post(
        URL,
        {
            "year": 2025,
            "adopted_at": Meeting.objects.get(ordinal=8).pk,
            "file": SimpleUploadedFile(
                "o.csv", "number,title,theme,text\n1,Café,firearms,x\n".encode("latin-1")
            ),
        },
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.text


def test_an_existing_year_is_refused(login, cast):
    response = post(login(cast.dave), GOOD, year=2024)
    assert response.status_code == 400
    assert "Objectives for 2024 already exist." in response.text
    assert ObjectiveSet.objects.get(year=2024).objectives.count() == 9


def test_a_failure_midway_saves_nothing(cast, monkeypatch):
    rows, errors = imports.parse(upload(GOOD))
    assert errors == []

    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(imports.audit, "record", broken)
    with pytest.raises(RuntimeError):
        imports.import_objective_set(
            actor=cast.dave,
            year=2025,
            adopted_at=Meeting.objects.get(ordinal=8),
            rows=rows,
            create_quarters=True,
        )
    assert not ObjectiveSet.objects.filter(year=2025).exists()
    assert not ReportingPeriod.objects.filter(name__startswith="2025").exists()


@pytest.mark.parametrize("who", ["alice", "carol", "nora"])
def test_only_admins_import(login, cast, who):
    response = post(login(getattr(cast, who)), GOOD)
    if who == "carol":  # a coordinator's non-GET request is refused outright
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert "/login/" in response.url
    assert not ObjectiveSet.objects.filter(year=2025).exists()
