"""The meeting brief: latest published status per objective and country, what changed
since the previous meeting, what is missing; as a page and as a PDF."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from commitments import briefs
from commitments.models import Meeting

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def eighth():
    return Meeting.objects.get(kind="nadd", ordinal=8)


@pytest.fixture
def history(cast, make_update, objective):
    """Canada reported on objective 1 before the 7th NADD (on track) and before the 8th (at
    risk); Mexico only before the 7th; the United States only after the 8th began."""
    make_update(
        author=cast.alice,
        status="on_track",
        published_at=at(2023, 10, 1),
        created_at=at(2023, 9, 30),
    )
    make_update(
        author=cast.alice,
        status="at_risk",
        narrative="Procurement of kits delayed.",
        published_at=at(2024, 10, 1),
        created_at=at(2024, 9, 30),
    )
    make_update(
        author=cast.bob,
        status="on_track",
        narrative="Sin cambios.",
        published_at=at(2023, 10, 2),
        created_at=at(2023, 10, 1),
    )
    make_update(
        author=cast.uma,
        status="completed",
        published_at=at(2024, 12, 1),
        created_at=at(2024, 11, 30),
    )
    make_update(author=cast.alice, status="completed", state="draft", created_at=at(2024, 10, 5))


def cells_of(brief, objective):
    return {cell.country.code: cell for o, cells in brief.rows if o == objective for cell in cells}


def test_the_brief_compares_with_the_previous_meeting(history, eighth, objective):
    brief = briefs.build(eighth)
    assert brief.previous.ordinal == 7
    assert [s.year for s in brief.objective_sets] == [2024]
    assert len(brief.rows) == 9
    cells = cells_of(brief, objective)
    assert (cells["CA"].latest.status, cells["CA"].before.status) == ("at_risk", "on_track")
    assert cells["CA"].changed and not cells["CA"].missing
    assert cells["MX"].missing and not cells["MX"].changed  # nothing new since the 7th NADD
    assert cells["US"].latest is None and cells["US"].missing  # published after the meeting
    assert brief.changed_count == 1
    assert brief.missing_count == 9 * 3 - 1


def test_the_brief_page(login, cast, history, eighth):
    response = login(cast.carol).get(reverse("meeting_brief", args=[eighth.pk]))
    assert response.status_code == 200
    text = response.text
    assert "Progress since the 7th North American Drug Dialogue" in text
    assert "Procurement of kits delayed." in text
    assert "Missing: no published update since the previous meeting." in text
    assert reverse("meeting_brief_pdf", args=[eighth.pk]) in text


def test_drafts_are_left_out(history, eighth, objective):
    cells = cells_of(briefs.build(eighth), objective)
    assert cells["CA"].latest.state == "published"


def test_the_brief_pdf_carries_the_same_content(login, cast, history, eighth):
    response = login(cast.bob).get(reverse("meeting_brief_pdf", args=[eighth.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="brief-8th-north-american-drug-dialogue.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.split())
    assert "Brief for the 8th North American Drug Dialogue" in text
    assert "Procurement of kits delayed." in text
    assert "Comprehensive overdose strategy" in text
    assert "Missing: no published update since the previous meeting." in text
    assert len(reader.pages) >= 2


def test_user_text_in_a_pdf_is_text_and_fetches_nothing(login, cast, make_update, eighth):
    make_update(
        author=cast.alice,
        narrative='<img src="http://127.0.0.1:1/x.png"><script>alert(1)</script>',
        published_at=at(2024, 10, 1),
        created_at=at(2024, 9, 30),
    )
    response = login(cast.carol).get(reverse("meeting_brief_pdf", args=[eighth.pk]))
    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "<script>alert(1)</script>" in " ".join(text.split())


def test_a_meeting_that_reviews_nothing_says_so(login, cast):
    first = Meeting.objects.get(kind="leaders_summit", start_date__year=2016)
    response = login(cast.carol).get(reverse("meeting_brief", args=[first.pk]))
    assert response.status_code == 200
    assert "reviews no objective set yet" in response.text
    assert login(cast.carol).get(reverse("meeting_brief_pdf", args=[first.pk])).status_code == 200


def test_the_meeting_page_links_to_its_brief(login, cast, eighth):
    assert (
        reverse("meeting_brief", args=[eighth.pk])
        in login(cast.alice).get(eighth.get_absolute_url()).text
    )


def test_unknown_meeting_is_404(login, cast):
    assert login(cast.carol).get(reverse("meeting_brief_pdf", args=[9999])).status_code == 404
