"""Admins load a new year's objective set from CSV: every bad row reported, all or nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments import imports
from commitments.models import AuditEntry, Meeting, Objective, ObjectiveSet, ReportingPeriod

pytestmark = pytest.mark.django_db

URL = "/admin/commitments/objectiveset/import/"

GOOD = (
    "number,title,area,text\n"
    "1,Wastewater testing,Demand reduction and public health,"
    "Expand wastewater testing and early-warning systems\n"
    "2,Postal and border security,Trafficking modes,"
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
    assert [(o.number, o.title, o.area.number, o.area.name) for o in objectives] == [
        (1, "Wastewater testing", 1, "Demand reduction and public health"),
        (2, "Postal and border security", 2, "Trafficking modes"),
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
        "number,title,area,text\n"
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
        "120 characters; the text must have 1 to 2000 characters." in text
    )
    assert "Line 4: number 1 appears twice." in text
    assert "Line 5: expected 4 columns, found 2." in text
    assert "Line 6: the title has more than 120 characters." in text
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
        ("1,Title,fire\x01arms,Text", "the area has an invisible character U+0001"),
        ('1,Title,firearms,"Te\x1bxt"', "the text has an invisible character U+001B at position 3"),
    ],
)
def test_forged_cells_are_reported_and_nothing_is_saved(login, cast, row, message):
    response = post(login(cast.dave), f"number,title,area,text\n{row}\n")
    assert response.status_code == 400
    assert f"Line 2: {message}" in response.text
    assert not ObjectiveSet.objects.filter(year=2025).exists()


def test_the_text_keeps_its_line_breaks_and_tabs(login, cast):
    content = 'number,title,area,text\r\n1,Title,firearms,"First\r\n\tsecond"\r\n'
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
        (
            "title,number\n1,x\n",
            "The first row must name the columns number, title, text (and any of title_es, "
            "title_fr, text_es, text_fr, area), separated by commas or semicolons.",
        ),
        ("number|title|text\n1|x|y\n", "separated by commas or semicolons."),
        ("number,title,text,theme\n1,x,y,z\n", "Unknown or repeated column “theme”."),
        ("number,title,area,text\n", "The file has no objectives."),
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
                "o.csv", "number,title,area,text\n1,Café,firearms,x\n".encode("latin-1")
            ),
        },
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.text


def test_an_existing_year_is_refused(login, cast):
    response = post(login(cast.dave), GOOD, year=2024)
    assert response.status_code == 400
    assert "Objectives for 2024 already exist." in response.text
    assert "to update them by objective number" in response.text
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
    # Refused: the admin is not for them (a coordinator's non-GET request, outright).
    assert response.status_code == 403
    assert not ObjectiveSet.objects.filter(year=2025).exists()


# --- Three languages, semicolons, and updating a set by objective number -------------------

SEMICOLONS = (
    "number;area;title;title_es;title_fr;text;text_es;text_fr\n"
    "1;Synthetic drugs;Early warning;Alerta temprana;Alerte précoce;"
    '"Share early warnings; quickly";Compartir alertas tempranas;Partager les alertes\n'
    "2;2;Firearms;Armas de fuego;Armes à feu;Trace firearms;Rastrear armas;Retracer les armes\n"
)


def test_a_semicolon_file_with_spanish_and_french_columns_is_imported(login, cast):
    """What a spreadsheet saves in a Spanish or French locale: ';' between cells."""
    text = SEMICOLONS.replace("2;2;Firearms", "2;Links with firearms trafficking;Firearms")
    response = post(login(cast.dave), text)
    assert response.status_code == 302
    one, two = Objective.objects.filter(objective_set__year=2025).order_by("number")
    assert (one.title, one.title_es, one.title_fr) == (
        "Early warning",
        "Alerta temprana",
        "Alerte précoce",
    )
    assert one.text == "Share early warnings; quickly"
    assert (two.text_es, two.text_fr) == ("Rastrear armas", "Retracer les armes")
    assert [a.name for a in ObjectiveSet.objects.get(year=2025).areas.order_by("number")] == [
        "Synthetic drugs",
        "Links with firearms trafficking",
    ]


def test_an_area_number_the_new_set_lacks_is_reported_and_nothing_is_saved(login, cast):
    response = post(login(cast.dave), SEMICOLONS)
    assert response.status_code == 400
    assert "Objective 2: the set has no priority area number 2." in response.text
    assert not ObjectiveSet.objects.filter(year=2025).exists()


def test_updating_a_set_by_objective_number_is_audited_and_idempotent(login, cast):
    client = login(cast.dave)
    assert post(client, GOOD).status_code == 302
    first = Objective.objects.get(objective_set__year=2025, number=1)
    changed = (
        "number;title;title_es;text\n"
        "1;Wastewater testing;Análisis de aguas residuales;"
        "Expand wastewater testing and early-warning systems\n"
        "3;Pill presses;Prensas de pastillas;Control pill presses\n"
    )
    response = post(client, changed, update_existing="on")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.title_es == "Análisis de aguas residuales"
    assert first.version == 2
    assert first.area.name == "Demand reduction and public health"  # no area column: kept
    numbers = ObjectiveSet.objects.get(year=2025).objectives.values_list("number", flat=True)
    assert sorted(numbers) == [1, 2, 3]
    entry = AuditEntry.objects.get(action="objectiveset.import_updated")
    assert entry.actor == cast.dave
    assert entry.changes["1.title_es"] == ["", "Análisis de aguas residuales"]
    assert entry.changes["3"] == [None, "3. Pill presses"]
    # The same file again changes nothing and records nothing.
    assert post(client, changed, update_existing="on").status_code == 302
    first.refresh_from_db()
    assert first.version == 2
    assert AuditEntry.objects.filter(action="objectiveset.import_updated").count() == 1


def test_an_update_needs_no_meeting_and_a_new_set_does(login, cast):
    objective_set = ObjectiveSet.objects.get(year=2024)
    client = login(cast.dave)
    exported = client.get(f"/admin/commitments/objectiveset/{objective_set.pk}/export/")
    body = exported.content.decode("utf-8-sig")
    # Updating the 2024 set without choosing a meeting keeps its own.
    assert post(client, body, year=2024, update_existing="on", adopted_at="").status_code == 302
    objective_set.refresh_from_db()
    assert objective_set.adopted_at.ordinal == 7
    # A new set without its meeting gets a message, and nothing is saved.
    response = post(client, GOOD, year=2031, adopted_at="")
    assert response.status_code == 400
    assert "Choose the meeting that adopted the new set." in response.text
    assert not ObjectiveSet.objects.filter(year=2031).exists()


def test_updating_a_year_without_a_set_is_refused(login, cast):
    response = post(login(cast.dave), GOOD, year=2030, update_existing="on")
    assert response.status_code == 400
    assert "There is no set for 2030 to update." in response.text
    assert not ObjectiveSet.objects.filter(year=2030).exists()


def test_a_set_round_trips_export_edit_import(login, cast):
    client = login(cast.dave)
    objective_set = ObjectiveSet.objects.get(year=2024)
    response = client.get(f"/admin/commitments/objectiveset/{objective_set.pk}/export/")
    assert response.status_code == 200
    exported = response.content.decode("utf-8-sig")
    assert exported.splitlines()[0] == "number,area,title,title_es,title_fr,text,text_es,text_fr"
    # Unchanged, it changes nothing.
    assert post(client, exported, year=2024, update_existing="on").status_code == 302
    assert not AuditEntry.objects.filter(action="objectiveset.import_updated").exists()
    # One Spanish title edited in a spreadsheet, saved with semicolons.
    import csv
    import io

    rows = list(csv.reader(io.StringIO(exported)))
    rows[2][3] = "Prevención con enfoque de salud mental"
    output = io.StringIO()
    csv.writer(output, delimiter=";").writerows(rows)
    assert post(client, output.getvalue(), year=2024, update_existing="on").status_code == 302
    entry = AuditEntry.objects.get(action="objectiveset.import_updated")
    assert list(entry.changes) == ["2.title_es"]
    assert (
        objective_set.objectives.get(number=2).title_es == "Prevención con enfoque de salud mental"
    )
    assert objective_set.objectives.count() == 9
    assert objective_set.areas.count() == 6


def test_formula_shaped_text_is_guarded_in_the_export_and_read_back_unchanged(login, cast):
    import csv
    import io

    objective_set = ObjectiveSet.objects.get(year=2024)
    texts = {1: '=HYPERLINK("http://evil")', 2: "'=kept apostrophe", 3: "+1 partner; =SUM(A1)"}
    for number, title in texts.items():
        objective_set.objectives.filter(number=number).update(title=title)
    client = login(cast.dave)
    exported = client.get(f"/admin/commitments/objectiveset/{objective_set.pk}/export/")
    body = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    titles = {int(row[0]): row[2] for row in rows[1:]}
    # Nothing a spreadsheet opens starts a formula, whatever it splits on.
    assert titles[1] == '\'=HYPERLINK("http://evil")'
    assert titles[2] == "''=kept apostrophe"
    assert titles[3] == "'+1 partner; =SUM(A1)"
    assert all(line.startswith('"') for line in body.splitlines()[1:])
    # Read back, the objectives are exactly as they were: nothing changes.
    assert post(client, body, year=2024, update_existing="on").status_code == 302
    assert not AuditEntry.objects.filter(action="objectiveset.import_updated").exists()
    for number, title in texts.items():
        assert objective_set.objectives.get(number=number).title == title


def test_only_admins_export_a_set(login, cast):
    objective_set = ObjectiveSet.objects.get(year=2024)
    url = f"/admin/commitments/objectiveset/{objective_set.pk}/export/"
    assert login(cast.alice).get(url).status_code == 403
    assert (
        "/export/"
        in login(cast.dave).get(f"/admin/commitments/objectiveset/{objective_set.pk}/change/").text
    )


@pytest.mark.parametrize(
    ("language", "update_label", "export_label"),
    [
        (
            "es",
            "Actualizar el conjunto existente del año por número de objetivo",
            "Exportar los objetivos en CSV",
        ),
        (
            "fr",
            "Mettre à jour l'ensemble existant de l'année par numéro d'objectif",
            "Exporter les objectifs en CSV",
        ),
    ],
)
def test_the_import_and_export_speak_spanish_and_french(
    login, cast, language, update_label, export_label
):
    from django.conf import settings

    client = login(cast.dave)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(URL).text
    assert update_label.replace("'", "&#x27;") in page
    objective_set = ObjectiveSet.objects.get(year=2024)
    change = client.get(f"/admin/commitments/objectiveset/{objective_set.pk}/change/").text
    assert export_label in change
    response = post(client, "number|title|text\n1|x|y\n")
    assert response.status_code == 400
    expected = {"es": "separadas por comas o por punto y coma", "fr": "points-virgules"}
    assert expected[language] in response.text
