"""Demo content is fictional and says so wherever it shows: the update page, the lists,
the objective and country pages, the review queue, the exports and the brief (page and
PDF). Real reports show nothing extra."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from commitments.models import AuditEntry, Meeting, ProgressUpdate
from tests.support.jobs import downloaded

pytestmark = pytest.mark.django_db

MARK = "Fictional demo text"


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def test_the_demo_command_marks_everything_it_writes_and_enters_a_report_from_a_note():
    call_command("load_demo")
    updates = ProgressUpdate.objects.all()
    assert updates.count() > 60
    assert updates.demo().count() == updates.count()
    on_behalf = updates.entered_on_behalf().get()
    assert (on_behalf.country.code, on_behalf.state) == ("MX", "published")
    assert on_behalf.author.username == "coordinator"
    assert on_behalf.source_kind == "diplomatic_note" and on_behalf.source_reference
    entry = AuditEntry.objects.for_object(on_behalf).get()
    assert entry.action == "update.entered_on_behalf"
    call_command("load_demo")  # idempotent: nothing new, nothing marked twice
    assert ProgressUpdate.objects.count() == updates.count()
    assert updates.entered_on_behalf().count() == 1


def test_updates_loaded_before_the_marker_are_marked_by_the_next_run():
    call_command("load_demo")
    ProgressUpdate.objects.update(is_demo=False)
    call_command("load_demo")
    assert not ProgressUpdate.objects.filter(is_demo=False).exists()


@pytest.fixture
def pair(cast, make_update, objective):
    """A demo update by Mexico and a real one by Canada, both published before the 8th
    NADD, and a demo update awaiting review."""
    demo = make_update(
        author=cast.bob,
        is_demo=True,
        narrative="Invented demo narrative.",
        created_at=at(2024, 10, 1),
        published_at=at(2024, 10, 2),
    )
    real = make_update(
        author=cast.alice,
        narrative="A real report.",
        created_at=at(2024, 10, 1),
        published_at=at(2024, 10, 2),
    )
    queued = make_update(author=cast.uma, is_demo=True, state="submitted")
    return demo, real, queued


def test_pages_mark_demo_updates_and_only_them(login, cast, pair, objective):
    demo, real, queued = pair
    client = login(cast.carol)
    assert MARK in client.get(demo.get_absolute_url()).text
    assert MARK not in client.get(real.get_absolute_url()).text
    assert MARK in client.get(queued.get_absolute_url()).text
    # Lists: one mark per demo row shown.
    assert client.get(reverse("update_list")).text.count(MARK) == 2
    assert client.get(reverse("objective_detail", args=[objective.pk])).text.count(MARK) == 2
    assert client.get(reverse("country_detail", args=["mx"])).text.count(MARK) == 1
    assert MARK not in client.get(reverse("country_detail", args=["ca"])).text
    assert client.get(reverse("review_queue")).text.count(MARK) == 1
    # The dashboard's recent activity: the published demo update and the queued one.
    activity = client.get(reverse("dashboard")).text.split('id="recent-heading"')[1]
    assert activity.count(MARK) == 2


def test_real_data_shows_nothing_extra(login, cast, make_update, objective):
    make_update(author=cast.alice)
    client = login(cast.carol)
    for url in [
        reverse("dashboard"),
        reverse("update_list"),
        reverse("objective_detail", args=[objective.pk]),
        reverse("country_detail", args=["ca"]),
    ]:
        text = client.get(url).text
        assert MARK not in text and "Entered by the coordinators" not in text, url


def test_the_exports_have_a_column_for_it(login, cast, pair):
    demo, real, queued = pair
    response = downloaded(login(cast.carol), reverse("update_export_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()[1:])))
    column = rows[0].index(MARK)
    marks = {int(row[0]): row[column] for row in rows[1:]}
    assert marks == {demo.pk: "Yes", real.pk: "", queued.pk: "Yes"}


def test_the_brief_marks_demo_narratives_on_the_page_and_in_the_pdf(login, cast, pair):
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    client = login(cast.carol)
    page = client.get(reverse("meeting_brief", args=[eighth.pk])).text
    assert "Invented demo narrative." in page and "A real report." in page
    assert page.count(MARK) == 1
    response = downloaded(client, reverse("meeting_brief_pdf", args=[eighth.pk]))
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert text.count(MARK) == 1


@pytest.mark.parametrize(
    ("language", "mark"),
    [("es", "Texto ficticio de demostración"), ("fr", "Texte fictif de démonstration")],
)
def test_the_mark_in_spanish_and_french(login, cast, pair, language, mark):
    demo = pair[0]
    client = login(cast.carol)
    headers = {"accept-language": language}
    assert mark in client.get(demo.get_absolute_url(), headers=headers).text
    assert mark in client.get(reverse("update_list"), headers=headers).text


def test_the_history_of_a_demo_update_is_marked(login, cast, pair):
    demo, real, queued = pair
    client = login(cast.carol)
    assert MARK in client.get(reverse("update_history", args=[demo.pk])).text
    assert MARK not in client.get(reverse("update_history", args=[real.pk])).text
