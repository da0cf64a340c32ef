"""The handling marking: set by an administrator in three languages, shown on every page
(a banner above the header and in the footer), in the header and footer of every page of
a brief's PDF, and first in every export; and no page pays a query for it."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from commitments import fragments
from commitments.models import HandlingMarking, Meeting
from tests.support.jobs import downloaded

pytestmark = pytest.mark.django_db

MARKING = "UNCLASSIFIED // FOR OFFICIAL USE"


@pytest.fixture
def marking():
    return HandlingMarking.objects.create(
        text=MARKING,
        text_es="NO CLASIFICADO // PARA USO OFICIAL",
        text_fr="NON CLASSIFIÉ // POUR USAGE OFFICIEL",
    )


def banner(text):
    return text.count('class="handling-marking"')


def test_no_marking_no_banner(login, cast):
    assert banner(login(cast.alice).get(reverse("dashboard")).text) == 0


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard"),
        reverse("objective_list"),
        reverse("update_list"),
        reverse("meeting_list"),
        reverse("country_list"),
    ],
)
def test_every_page_carries_the_marking_above_and_below(login, cast, marking, url):
    text = login(cast.bob).get(url).text
    assert banner(text) == 2
    assert text.index(MARKING) < text.index('class="site-header"')


def test_pages_outside_the_site_carry_it_too(client, cast, marking):
    assert MARKING in client.get(reverse("login")).text  # no membership: from the cache
    client.force_login(cast.nora)  # an account without a role, refused
    assert MARKING in client.get(reverse("dashboard")).text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "NO CLASIFICADO // PARA USO OFICIAL"), ("fr", "NON CLASSIFIÉ // POUR USAGE OFFICIEL")],
)
def test_the_marking_comes_in_the_reader_s_language(client, cast, marking, language, expected):
    client.force_login(cast.carol)
    text = client.get(reverse("dashboard"), headers={"accept-language": language}).text
    assert expected in text and MARKING not in text
    anonymous = client.__class__()
    assert expected in anonymous.get(reverse("login"), headers={"accept-language": language}).text


def test_an_untranslated_marking_falls_back_to_english(login, cast):
    HandlingMarking.objects.create(text=MARKING)
    text = login(cast.carol).get(reverse("dashboard"), headers={"accept-language": "fr"}).text
    assert MARKING in text


def test_a_change_shows_at_once_on_the_next_page(client, cast, marking):
    client.get(reverse("login"))  # cached for readers without a membership
    HandlingMarking.objects.filter(pk=1).update(text="SENSITIVE")
    assert "SENSITIVE" in client.get(reverse("login")).text
    client.force_login(cast.alice)
    assert "SENSITIVE" in client.get(reverse("country_list")).text


@pytest.mark.parametrize("url", [reverse("country_list"), reverse("meeting_list")])
def test_pages_pay_no_query_for_the_marking(client, cast, marking, url):
    client.force_login(cast.alice)
    fragments.cache().clear()
    with CaptureQueriesContext(connection) as with_marking:
        assert MARKING in client.get(url).text
    HandlingMarking.objects.all().delete()
    fragments.cache().clear()
    with CaptureQueriesContext(connection) as without:
        assert MARKING not in client.get(url).text
    assert len(with_marking) == len(without)
    assert not any("handlingmarking" in q["sql"].split(" FROM ")[-1] for q in with_marking)


def test_the_csv_export_starts_with_the_marking_and_stays_parseable(
    login, cast, marking, make_update
):
    make_update(author=cast.alice, narrative="=HYPERLINK(evil)")
    body = b"".join(downloaded(login(cast.carol), reverse("update_export_csv")).streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [MARKING]
    assert rows[1][:3] == ["Id", "Year", "Objective number"]
    assert len(rows) == 3 and len(rows[2]) == len(rows[1])
    assert rows[2][9] == "'=HYPERLINK(evil)"


def test_the_excel_export_starts_with_the_marking(login, cast, marking, make_update):
    make_update(author=cast.alice)
    response = downloaded(
        login(cast.carol), reverse("update_export_xlsx"), headers={"accept-language": "es"}
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "NO CLASIFICADO // PARA USO OFICIAL"
    assert rows[1][0].upper() == "ID"  # the headers follow
    assert len(rows) == 3


def test_without_a_marking_exports_start_with_their_headers(login, cast, make_update):
    make_update(author=cast.alice)
    body = b"".join(downloaded(login(cast.carol), reverse("update_export_csv")).streaming_content)
    assert next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[0] == "Id"


def test_every_pdf_page_has_the_marking_in_its_header_and_footer(login, cast, marking, make_update):
    eighth = Meeting.objects.get(kind="plenary", ordinal=8)
    make_update(
        author=cast.alice,
        narrative="Long enough to need pages. " * 200,
        published_at=datetime.datetime(2024, 10, 1, tzinfo=datetime.UTC),
    )
    response = downloaded(
        login(cast.carol), reverse("meeting_brief_pdf", args=[eighth.pk]), {"cutoff": "2024-11-12"}
    )
    pages = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    assert len(pages) >= 2
    for page in pages:
        assert page.extract_text().count(MARKING) >= 2
    # A change of marking draws the PDF again.
    HandlingMarking.objects.filter(pk=1).update(text="RESTRICTED")
    response = downloaded(
        login(cast.carol), reverse("meeting_brief_pdf", args=[eighth.pk]), {"cutoff": "2024-11-12"}
    )
    document = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert "RESTRICTED" in document.pages[-1].extract_text()


def test_there_is_only_one_marking():
    HandlingMarking.objects.create(text="A")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        HandlingMarking.objects.create(id=2, text="B")


def test_the_admin_carries_the_marking(client, cast, marking, settings):
    from tests.support.two_factor import verified_login

    settings.REQUIRE_MFA = True
    verified_login(client, cast.dave)
    text = client.get(reverse("admin:index")).text
    assert banner(text) == 1 and MARKING in text
    assert "css/admin" in text
