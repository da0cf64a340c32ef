"""Cached fragments: the database's data stamps move with every write that matters (and
with no other), and a cached page never shows what the data no longer says."""

import ast
import re
import uuid

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import TemplateSyntaxError, engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import fragments, matrix, services
from commitments.models import (
    Country,
    Milestone,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def moved(action):
    """Which stamps ``action`` changes."""
    before = fragments.stamps()
    action()
    after = fragments.stamps()
    return {name for name in before if before[name] != after[name]}


def test_saving_a_draft_moves_no_stamp_submitting_and_publishing_move_the_record(
    cast, make_update, objective
):
    draft = make_update(author=cast.alice, state="draft")
    assert moved(lambda: make_update(author=cast.bob, state="draft")) == set()
    assert moved(lambda: ProgressUpdate.objects.filter(pk=draft.pk).update(narrative="x")) == set()
    # Any write path, even one that bypasses the models' save().
    assert moved(
        lambda: ProgressUpdate.objects.filter(pk=draft.pk).update(
            state="submitted", submitted_at=timezone.now()
        )
    ) == {"record"}
    assert moved(lambda: make_update(author=cast.uma, state="published")) == {"record"}
    assert moved(lambda: ProgressUpdate.objects.filter(pk=draft.pk).delete()) == {"record"}


def test_reference_data_and_names_move_the_reference_stamp_sign_ins_do_not(cast, objective):
    def rename():
        objective.title = "A clearer title"
        objective.save()

    assert moved(rename) == {"reference"}
    assert moved(lambda: Country.objects.filter(code="MX").update(name_fr="Mexique")) == {
        "reference"
    }
    assert moved(lambda: ReportingPeriod.objects.filter(name="2024 Q1").update(name="Q1")) == {
        "reference"
    }

    def rename_person():
        cast.alice.first_name = "Alicia"
        cast.alice.save()

    assert moved(rename_person) == {"reference"}

    def sign_in():
        Client().force_login(cast.alice)  # writes last_login, shown nowhere cached

    assert moved(sign_in) == set()


def test_a_warm_dashboard_skips_the_matrix_and_a_publication_shows_at_once(
    login, cast, make_update, objective, q1
):
    carol = login(cast.carol)
    carol.get(DASHBOARD)
    with CaptureQueriesContext(connection) as warm:
        text = carol.get(DASHBOARD).text
    assert not any(
        "unnest(" in q["sql"] or "commitments_objectiveset" in q["sql"]
        for q in warm.captured_queries
    )
    assert "Canada: updates on objective" not in text  # no update yet

    official = Client()
    official.force_login(cast.alice)
    official.post(
        reverse("update_create", args=[objective.pk]),
        {"period": q1.pk, "status": "completed", "narrative": "Done.", "token": uuid.uuid4()},
    )
    update = ProgressUpdate.objects.get()
    assert "Canada: updates on objective" not in carol.get(DASHBOARD).text  # a draft
    official.post(reverse("update_submit", args=[update.pk]), {"version": 1})
    carol.post(reverse("update_publish", args=[update.pk]), {"version": 2})
    text = carol.get(DASHBOARD).text
    assert f"Canada: updates on objective {objective.number}" in text
    assert '<span class="status status-completed">Completed</span>' in text


def test_after_a_publication_only_the_matrix_row_it_changes_is_drawn_again(
    login, cast, make_update, objective, q1, monkeypatch
):
    carol = login(cast.carol)
    carol.get(DASHBOARD)
    drawn = []
    original = fragments.drawn

    def spy(fragment, request, draw, subject=None):
        def drawing():
            drawn.append((fragment.name, subject))
            return draw()

        return original(fragment, request, drawing, subject)

    monkeypatch.setattr(fragments, "drawn", spy)
    make_update(author=cast.bob, objective=objective, period=q1, status="at_risk")
    text = carol.get(DASHBOARD).text
    rows = [subject for name, subject in drawn if name == "matrix-row"]
    assert [row.objective for row in rows] == [objective]  # the other rows came from the cache
    assert "Mexico: updates on objective" in text and "At risk" in text
    # The same row with other cells (a correction of the same period) is drawn again too.
    drawn.clear()
    make_update(author=cast.bob, objective=objective, period=q1, status="completed")
    assert '<span class="status status-completed">Completed</span>' in carol.get(DASHBOARD).text
    assert [row.objective for name, row in drawn if name == "matrix-row"] == [objective]


def test_a_matrix_row_served_from_the_cache_builds_no_cells(
    login, cast, make_update, objective, q1, monkeypatch
):
    """After a publication the matrix is read again as plain values: the links, labels
    and update models of a row are built only for the row that is drawn again."""
    carol = login(cast.carol)
    carol.get(DASHBOARD)
    built = []
    original = matrix.matrix_rows

    def spy(rows, *args, **kwargs):
        rows = list(rows)
        built.extend(objective for objective, _cells in rows)
        return original(rows, *args, **kwargs)

    monkeypatch.setattr(matrix, "matrix_rows", spy)
    make_update(author=cast.bob, objective=objective, period=q1, status="at_risk")
    assert "At risk" in carol.get(DASHBOARD).text
    assert built == [objective]


def test_a_renamed_objective_shows_at_once(login, cast, objective):
    carol = login(cast.carol)
    assert objective.title in carol.get(DASHBOARD).text
    objective.title = "A clearer title"
    objective.save()
    assert "A clearer title" in carol.get(DASHBOARD).text


def test_readers_with_another_scope_or_language_never_share_a_fragment(
    client, cast, make_update, objective
):
    q4 = ReportingPeriod.objects.get(name="2024 Q4")
    # Mexico's submission counts as reported for the coordinator; Canada's official
    # cannot see it, so for her Mexico's cell is still missing.
    make_update(author=cast.bob, period=q4, state="submitted")
    mexico = cast.bob.membership.country

    def missing_for(user, language="en"):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(DASHBOARD)
        missing = response.context["overview"].missing
        return response, {(m.objective, m.country) for m in missing if m.period == q4}

    response, missing = missing_for(cast.carol)
    assert (objective, mexico) not in missing
    assert "Write update" not in response.text
    response, missing = missing_for(cast.alice)
    assert (objective, mexico) in missing
    assert "Write update" in response.text  # for Canada's own cells
    response, _ = missing_for(cast.alice, "es")
    assert "Pendientes: atrasados y de T4 2024" in response.text
    assert "Missing: overdue" not in response.text


def test_every_cached_fragment_is_keyed_by_what_it_shows():
    # A fragment left out of a stamp would outlive the data it shows.
    source = (settings.BASE_DIR / "templates" / "commitments" / "dashboard.html").read_text()
    names = re.findall(r'{% fragment "([^"]+)"', source)
    assert names == [
        "dashboard-head",
        "dashboard-matrix",
        "status-chart",
        "matrix-row",
        "timeliness-table",
        "dashboard-compliance",
        "dashboard-partners",
        "dashboard-missing",
        "activity-item",
    ]
    overview = {
        fragments.REFERENCE_STAMP,
        fragments.RECORD_STAMP,
        fragments.SCOPE,
        fragments.OWN_COUNTRY,
        fragments.TODAY,
        fragments.LANGUAGE,
        fragments.YEAR,
    }
    for name in ("dashboard-head", "dashboard-matrix", "dashboard-missing"):
        assert overview <= set(fragments.declared(name).parts), name
    # Partners' published contributions: the same for every reader, whatever the scope.
    partners = {fragments.REFERENCE_STAMP, fragments.RECORD_STAMP, fragments.TODAY}
    assert partners <= set(fragments.declared("dashboard-partners").parts)
    # The secretariat's final assessments: the same for every reader; assessments move
    # the reference stamp (fragments.STAMPED_TABLES).
    compliance = {fragments.REFERENCE_STAMP, fragments.LANGUAGE, fragments.YEAR}
    assert compliance <= set(fragments.declared("dashboard-compliance").parts)
    # One update's row: its id and version, the reference data, the language.
    assert set(fragments.ROW_FRAGMENTS) == {
        "activity-item",
        "action-item",
        "review-row",
        "update-row",
        "update-card",
        "update-card-with-objective",
    }
    for name in fragments.ROW_FRAGMENTS:
        parts = set(fragments.declared(name).parts)
        assert {fragments.ROW, fragments.REFERENCE_STAMP, fragments.LANGUAGE} <= parts, name
    # A matrix row: what its cells show (each update, status, period, whether reported,
    # the overdue periods), the reference data and the language.
    assert set(fragments.declared("matrix-row").parts) == {
        fragments.MATRIX_ROW,
        fragments.REFERENCE_STAMP,
        fragments.LANGUAGE,
    }
    # The status chart and the timeliness table: what they show (the counts), the
    # countries' names for the table, the language.
    assert set(fragments.declared("status-chart").parts) == {fragments.SHOWN, fragments.LANGUAGE}
    assert set(fragments.declared("timeliness-table").parts) == {
        fragments.SHOWN,
        fragments.REFERENCE_STAMP,
        fragments.LANGUAGE,
    }
    # What a report's form offers: model objects and a period kind, no words, read from
    # reference data only (the milestones still open are read with each form).
    assert set(fragments.declared("report-form").parts) == {
        fragments.SUBJECT,
        fragments.REFERENCE_STAMP,
    }
    # Whatever is drawn in words is drawn per language (the frames hold model objects).
    for name, fragment in fragments.FRAGMENTS.items():
        if name not in ("dashboard-frame", "set-frame", "report-form"):
            assert fragments.LANGUAGE in fragment.parts, name
    # Whatever shows a set is kept per year asked for.
    for name in ("dashboard-frame", "set-frame", "country-latest", "objective-list"):
        assert fragments.YEAR in fragments.declared(name).parts, name
    # A meeting's brief: the terms asked for (meeting, comparison, cut-off), published
    # and reference data (snapshots, assessments, meetings, indicators), the reader's
    # scope and the language.
    assert set(fragments.declared("meeting-brief").parts) == {
        fragments.BRIEF_TERMS,
        fragments.REFERENCE_STAMP,
        fragments.RECORD_STAMP,
        fragments.SCOPE,
        fragments.LANGUAGE,
    }
    # The missing list offers "Write update" or a link to the draft the country has.
    assert fragments.OWN_DRAFTS in fragments.declared("dashboard-missing").parts


def test_objectives_fixture_is_the_2024_set(objective):
    assert Objective.objects.filter(objective_set__year=2024).count() == 9


def test_filter_options_are_drawn_once_and_follow_the_reference_data(login, cast, objective):
    carol = login(cast.carol)
    url = reverse("update_list")
    first = carol.get(url, {"objective": objective.pk}).text
    assert f'<option value="{objective.pk}" selected>' in first
    with CaptureQueriesContext(connection) as queries:
        second = carol.get(url, {"country": "MX"}).text
    # From the cache: no option list read again, and only the new choice marked.
    assert not any("commitments_objective" in q["sql"] for q in queries.captured_queries)
    assert f'<option value="{objective.pk}">' in second
    assert '<option value="MX" selected>Mexico</option>' in second
    assert second.count(" selected>") == 7  # the other seven filters' empty choices
    objective.title = "A clearer title"
    objective.save()
    assert f"{objective.number}. A clearer title</option>" in carol.get(url).text


def test_list_rows_are_drawn_again_when_their_update_changes_by_any_path(login, cast, make_update):
    update = make_update(author=cast.alice, status="on_track")
    carol = login(cast.carol)
    url = reverse("update_list")
    assert '<span class="status status-on_track">' in carol.get(url).text
    with CaptureQueriesContext(connection) as queries:
        carol.get(url)
    # Warm: the page's ids and row versions, no join to objectives, periods or people.
    assert not any("commitments_reportingperiod" in q["sql"] for q in queries.captured_queries)
    ProgressUpdate.objects.filter(pk=update.pk).update(status="completed")  # no save()
    assert '<span class="status status-completed">' in carol.get(url).text
    cast.alice.first_name = "Alicia"
    cast.alice.save()
    assert 'data-label="Author">Alicia</td>' in carol.get(url).text


def test_a_row_whose_fragment_vanishes_before_drawing_is_still_drawn_right(
    login, cast, make_update, monkeypatch
):
    make_update(author=cast.alice, status="at_risk", narrative="Kits.")
    carol = login(cast.carol)
    url = reverse("update_list")

    def rows():
        text = carol.get(url).text
        return text[text.index('<tbody role="rowgroup">') : text.index("</tbody>")]

    expected = rows()
    assert "status-at_risk" in expected
    # Seen as cached when the page is read, gone when the template asks for it.
    cache = type(fragments.cache())
    get = cache.get

    def forgetful(self, key, default=None, version=None):
        return default if "update-row" in key else get(self, key, default, version)

    monkeypatch.setattr(cache, "get", forgetful)
    assert rows() == expected


def test_objective_and_country_pages_show_a_publication_at_once(
    login, cast, make_update, objective
):
    carol = login(cast.carol)
    objective_url = objective.get_absolute_url()
    country_url = reverse("country_detail", args=["ca"])

    def completed(url):
        return carol.get(url).text.count("status-completed")

    before = {url: completed(url) for url in (objective_url, country_url)}  # the legend
    update = make_update(author=cast.alice, state="submitted", status="completed")
    assert completed(objective_url) == before[objective_url] + 1  # the card
    assert "mark-completed" not in carol.get(objective_url).text  # the chart: published only
    assert completed(country_url) == before[country_url] + 1  # the card, not the table
    ProgressUpdate.objects.filter(pk=update.pk).update(
        state="published", published_at=timezone.now()
    )
    objective_page = carol.get(objective_url)
    chart = objective_page.context["timeline_chart"]()
    canada = next(row for row in chart["rows"] if row["label"] == "Canada")
    assert "completed" in [tile["key"] for tile in canada["tiles"]]
    assert "mark-completed" in objective_page.text  # the chart drawn again
    assert completed(country_url) == before[country_url] + 2


def test_the_filter_form_is_drawn_for_its_own_filters(login, cast):
    carol = login(cast.carol)
    url = reverse("update_list")

    def summary(response):
        text = response.text
        start = text.find('id="error-summary"')
        return text[start : text.index("</div>", start)] if start >= 0 else ""

    objective = carol.get(url, {"objective": "abc"})
    period = carol.get(url, {"period": "-1"})
    assert objective.status_code == period.status_code == 400
    assert "Objective:" in summary(objective) and "Period" not in summary(objective)
    assert "Reporting period:" in summary(period) and "Objective:" not in summary(period)
    assert summary(carol.get(url, {"objective": "abc"})) == summary(objective)  # cached
    assert summary(carol.get(url)) == ""
    export = carol.get(reverse("update_export_csv"), {"status": "nope"})
    assert export.status_code == 400 and "Status:" in summary(export)


# --- Each fragment declared once ----------------------------------------------------------

APPLICATION_CODE = [settings.BASE_DIR / "commitments", settings.BASE_DIR / "nadd"]
TEMPLATE_FOLDERS = [
    settings.BASE_DIR / "templates",
    settings.BASE_DIR / "commitments" / "templates",
]


def hand_built_keys(path):
    """What in a module reaches the fragment cache or spells a fragment's key itself."""
    names = set(fragments.FRAGMENTS)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        where = f"{path.relative_to(settings.BASE_DIR)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name | ast.Attribute) and "make_template_fragment_key" in (
            getattr(node, "id", None),
            getattr(node, "attr", None),
        ):
            found.append(f"{where} make_template_fragment_key")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "cache"
            and isinstance(node.value, ast.Name)
            and node.value.id == "fragments"
        ):
            found.append(f"{where} fragments.cache()")
        if isinstance(node, ast.Subscript) and ast.unparse(node.slice) in (
            repr(fragments.CACHE),
            "fragments.CACHE",
        ):
            found.append(f"{where} {ast.unparse(node)}")
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if any(name in text for name in names) or text.startswith("fragment:"):
                found.append(f"{where} {ast.unparse(node)}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(("fragment:", "template.cache.")):
                found.append(f"{where} {node.value!r}")
    return found


def test_no_fragment_key_is_built_anywhere_but_in_its_declaration():
    # Templates name a declared fragment; Python asks fragments.py for the key.
    for folder in TEMPLATE_FOLDERS:
        for path in folder.rglob("*.html"):
            source = path.read_text()
            assert "{% cache" not in source, path
            assert not re.search(r"{% load [^%]*\bcache\b", source), path
    modules = [
        path
        for folder in APPLICATION_CODE
        for path in folder.rglob("*.py")
        if path != settings.BASE_DIR / "commitments" / "fragments.py"
        and "migrations" not in path.parts
    ]
    assert [found for path in modules for found in hand_built_keys(path)] == []


def test_every_template_compiles_so_every_fragment_tag_names_a_declared_fragment():
    # An undeclared name, or a subject given to a fragment that takes none, fails here.
    for folder in TEMPLATE_FOLDERS:
        for path in folder.rglob("*.html"):
            engines["django"].get_template(str(path.relative_to(folder)))


@pytest.mark.parametrize(
    "source",
    [
        '{% load fragments %}{% fragment "no-such-fragment" %}x{% endfragment %}',
        '{% load fragments %}{% fragment "update-row" %}x{% endfragment %}',
        '{% load fragments %}{% fragment "objective-list" objective %}x{% endfragment %}',
        "{% load fragments %}{% fragment update-row update %}x{% endfragment %}",
    ],
)
def test_a_fragment_tag_that_does_not_match_its_declaration_is_refused(source):
    engines["django"].from_string(
        '{% load fragments %}{% fragment "update-row" update %}x{% endfragment %}'
    )
    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string(source)


def light_pages(objective):
    """A page that draws each declared row fragment, who reads it, the state of the
    update it draws (the coordinator's pages show a published one, the official's list
    of what needs their action a draft), and what else of the update table the page
    reads (the official's page: which cells have a draft, for what is not started yet)."""
    country = reverse("country_detail", args=["ca"])
    started = {"objective_id", "period_id"}
    return {
        "update-row": (reverse("update_list"), "carol", "published", set()),
        "activity-item": (DASHBOARD, "carol", "published", set()),
        "update-card": (objective.get_absolute_url(), "carol", "published", set()),
        "update-card-with-objective": (country, "carol", "published", set()),
        "action-item": (country, "alice", "draft", started),
        "review-row": (reverse("review_queue"), "carol", "submitted", set()),
    }


def update_columns_read(queries):
    """The update table's columns the queries read, beyond ids and versions."""
    read = set()
    for query in queries.captured_queries:
        selected = query["sql"].split(" FROM ", 1)[0]
        read |= set(re.findall(r'"commitments_progressupdate"\."(\w+)"', selected))
    return read - {"id", "version"}


@pytest.mark.parametrize("name", fragments.ROW_FRAGMENTS)
def test_a_row_drawn_once_is_not_read_again_on_the_next_request(
    login, cast, make_update, objective, name
):
    # fill_rows and the template build the row's key from the same declaration: the
    # second reader gets every row from the cache, reading only ids and versions.
    pages = light_pages(objective)
    assert name in pages, f"Add a page that draws {name!r} to light_pages."
    url, role, state, also_read = pages[name]
    update = make_update(author=cast.alice, narrative="Kits in every pharmacy.", state=state)
    fragments.cache().clear()
    reader = login(getattr(cast, role))
    with CaptureQueriesContext(connection) as cold:
        first = reader.get(url).text
    assert {"status", "narrative", "author_id"} <= update_columns_read(cold)
    with CaptureQueriesContext(connection) as warm:
        second = reader.get(url).text
    assert update_columns_read(warm) == also_read
    assert "status-on_track" in second
    assert update.get_absolute_url() in second
    assert re.sub(r'value="[^"]+"', "", second) == re.sub(r'value="[^"]+"', "", first)


def test_the_stamped_tables_are_the_triggers_in_the_database():
    # The list in code is what the database does: a table added to the list needs a
    # migration, a trigger added by hand needs an entry.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, p.proname, t.tgtype,
                ARRAY(SELECT a.attname FROM pg_attribute a
                      WHERE a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr))
            FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND p.proname LIKE 'commitments_stamp%%'
            """
        )
        triggers = cursor.fetchall()
    events = {4: "INSERT", 8: "DELETE", 16: "UPDATE", 32: "TRUNCATE"}
    found = {}
    for table, function, kind, columns in triggers:
        assert kind & 3 == 0, f"{table}: {function} must run after each statement"
        stamp = fragments.RECORD if "record" in function else fragments.REFERENCE
        seen = found.setdefault((table, stamp), {"events": set(), "columns": set()})
        seen["events"] |= {name for bit, name in events.items() if kind & bit}
        if kind & 16:
            seen["columns"] |= set(columns)
    assert found == {
        (entry.table, entry.stamp): {
            "events": {"INSERT", "UPDATE", "DELETE", "TRUNCATE"},
            "columns": set(entry.columns),
        }
        for entry in fragments.STAMPED_TABLES
    }


def test_what_a_rows_drawing_shows_besides_the_update_moves_the_reference_stamp():
    # Objective (number, title, set's year), country, period and the author's name.
    stamped = {entry.table: entry for entry in fragments.STAMPED_TABLES}
    for model in (Objective, ObjectiveSet, Country, ReportingPeriod, get_user_model()):
        entry = stamped[model._meta.db_table]
        assert entry.stamp == fragments.REFERENCE, model
    names = stamped[get_user_model()._meta.db_table].columns
    assert {"username", "first_name", "last_name"} <= set(names)


def test_every_write_to_an_update_moves_its_version_once(cast, make_update):
    update = make_update(author=cast.alice, state="draft")
    assert update.version == 1

    def version():
        update.refresh_from_db()
        return update.version

    ProgressUpdate.objects.filter(pk=update.pk).update(status="completed")  # no save()
    assert version() == 2
    update.narrative = "Saved without the services."
    update.save()
    assert version() == 3
    # The services move it themselves: the trigger adds nothing.
    services.submit_update(actor=cast.alice, update=update, loaded_version=3)
    assert version() == 4
    # A stale form is refused after a write by any path.
    ProgressUpdate.objects.filter(pk=update.pk).update(narrative="Changed behind the form.")
    with pytest.raises(services.StaleState):
        services.publish_update(actor=cast.carol, update=update, loaded_version=4)


def test_a_name_changed_in_the_admin_shows_at_once_in_the_rows(login, cast, make_update):
    from tests.support.forms import main_form_data as form_data

    make_update(author=cast.alice)
    carol = Client()
    carol.force_login(cast.carol)
    url = reverse("update_list")
    assert 'data-label="Author">Alice</td>' in carol.get(url).text  # drawn and cached
    admin = login(cast.dave)
    change = reverse("admin:auth_user_change", args=[cast.alice.pk])
    fields, choices = form_data(admin.get(change).text)
    # An empty text input has no value (the parser reads "on", a checkbox's default).
    data = {
        name: "" if value == ["on"] and name not in choices else value
        for name, value in fields.items()
    }
    assert admin.post(change, {**data, "first_name": "Alicia"}).status_code == 302
    assert 'data-label="Author">Alicia</td>' in carol.get(url).text


def test_a_matrix_row_shows_a_milestone_falling_overdue_the_next_day(login, cast, objective):
    """A row's fragment is keyed by what its cells show, milestones included: the day a
    milestone falls overdue, its row is drawn again though no update changed."""
    due = timezone.localdate() + timezone.timedelta(days=1)
    Milestone.objects.create(
        objective=objective, country=cast.alice.membership.country, title="Protocol", due_on=due
    )
    carol = login(cast.carol)
    assert "milestone overdue" not in carol.get(DASHBOARD).text
    with time_machine.travel(timezone.now() + timezone.timedelta(days=3)):
        assert "1 milestone overdue" in login(cast.carol).get(DASHBOARD).text
