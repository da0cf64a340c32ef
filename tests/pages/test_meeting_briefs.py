"""The meeting brief: latest published status per objective and country, what changed
since the previous meeting, what is missing; as a page and as a PDF."""

import datetime
import io

import pytest
import time_machine
import weasyprint
from django.urls import reverse
from pypdf import PdfReader

from commitments import briefs, services, snapshots
from commitments.models import Meeting, Objective, ProgressUpdate, ReportingPeriod
from tests.support.jobs import ask_for_file, job_of, run_jobs

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def eighth():
    return Meeting.objects.get(kind="plenary", ordinal=8)


def pdf_of(client, meeting, terms=None, **extra):
    """The brief's PDF as its reader gets it (with the brief's ``terms``, if any): the link
    starts a job (or finds the file already drawn), the worker draws it, the job's page
    offers the download."""
    response = ask_for_file(
        client, reverse("meeting_brief_pdf", args=[meeting.pk]), terms or {}, **extra
    )
    if response.status_code != 302:
        return response
    job = job_of(response)
    run_jobs()
    return client.get(reverse("job_download", args=[job.pk]))


def content(response):
    return b"".join(response.streaming_content)


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


@pytest.fixture
def seventh():
    return Meeting.objects.get(kind="plenary", ordinal=7)


EVE_OF_THE_EIGHTH = datetime.date(2024, 11, 12)


def test_the_brief_compares_with_the_chosen_meeting(history, eighth, seventh, objective):
    brief = briefs.build(eighth, seventh, EVE_OF_THE_EIGHTH)
    assert brief.comparison == seventh and brief.cutoff == EVE_OF_THE_EIGHTH
    assert brief.earlier.reconstructed  # the 7th NADD has no snapshot
    assert brief.earlier.cutoff == datetime.date(2023, 11, 6)
    assert [s.year for s in brief.objective_sets] == [2024]
    assert len(brief.rows) == 9
    cells = cells_of(brief, objective)
    assert (cells["CA"].latest.status, cells["CA"].before.status) == ("at_risk", "on_track")
    assert cells["CA"].changed and not cells["CA"].missing
    assert cells["MX"].missing and cells["MX"].change == "unchanged"  # nothing new since
    assert cells["US"].latest is None and cells["US"].missing  # published after the cut-off
    assert (brief.changed_count, brief.new_count, brief.unchanged_count) == (1, 0, 1)
    assert brief.missing_count == 9 * 3 - 1


def test_the_brief_page(login, cast, history, eighth):
    url = reverse("meeting_brief", args=[eighth.pk])
    response = login(cast.carol).get(url, {"compare": "", "cutoff": "2024-11-12"})
    assert response.status_code == 200
    response = login(cast.carol).get(url)  # the suggestion: the 7th NADD, today
    text = response.text
    assert "the 7th North American Drug Dialogue: reconstructed from the published record" in text
    assert "Procurement of kits delayed." in text
    assert "Missing: no published update since the earlier meeting." in text
    assert reverse("meeting_brief_pdf", args=[eighth.pk]) in text


def test_drafts_are_left_out(history, eighth, objective):
    cells = cells_of(briefs.build(eighth), objective)
    assert cells["CA"].latest.state == "published"


def test_the_brief_pdf_carries_the_same_content(login, cast, history, eighth):
    response = pdf_of(login(cast.bob), eighth, terms={"cutoff": "2024-11-12"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="brief-8th-north-american-drug-dialogue.pdf"'
    )
    reader = PdfReader(io.BytesIO(content(response)))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.split())
    assert "Brief for the 8th North American Drug Dialogue" in text
    assert "Procurement of kits delayed." in text
    assert "Comprehensive overdose strategy" in text
    assert "Missing: no published update since the earlier meeting." in text
    assert len(reader.pages) >= 2


def test_user_text_in_a_pdf_is_text_and_fetches_nothing(login, cast, make_update, eighth):
    make_update(
        author=cast.alice,
        narrative='<img src="http://127.0.0.1:1/x.png"><script>alert(1)</script>',
        published_at=at(2024, 10, 1),
        created_at=at(2024, 9, 30),
    )
    response = pdf_of(login(cast.carol), eighth)
    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content(response))).pages)
    assert "<script>alert(1)</script>" in " ".join(text.split())


def test_a_meeting_that_reviews_nothing_says_so(login, cast):
    first = Meeting.objects.get(kind="summit", start_date__year=2016)
    response = login(cast.carol).get(reverse("meeting_brief", args=[first.pk]))
    assert response.status_code == 200
    assert "reviews no objective set yet" in response.text
    assert pdf_of(login(cast.carol), first).status_code == 200


def test_the_meeting_page_links_to_its_brief(login, cast, eighth):
    assert (
        reverse("meeting_brief", args=[eighth.pk])
        in login(cast.alice).get(eighth.get_absolute_url()).text
    )


def test_unknown_meeting_is_404(login, cast):
    assert login(cast.carol).get(reverse("meeting_brief_pdf", args=[9999])).status_code == 404


# --- The PDF is drawn once per change of what it shows, and never for minutes ------------


@pytest.fixture
def drawings(monkeypatch):
    """Counts the PDFs drawn (the real drawing still happens)."""
    calls = []
    real = briefs.render_pdf

    def counting(request, brief):
        calls.append(brief.meeting.pk)
        return real(request, brief)

    monkeypatch.setattr(briefs, "render_pdf", counting)
    return calls


@pytest.fixture
def fake_drawing(monkeypatch):
    """No WeasyPrint at all: the HTML it would be handed is kept instead."""
    handed = []

    class FakeHTML:
        def __init__(self, string, url_fetcher):
            handed.append(string)

        def write_pdf(self, stylesheets, **options):
            return b"%PDF-1.7 drawn"

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)
    return handed


def test_a_second_request_for_the_same_brief_is_served_without_drawing_it_again(
    client, cast, history, eighth, drawings
):
    client.force_login(cast.carol)
    first = pdf_of(client, eighth)
    client.force_login(cast.bob)  # the brief is the same for everyone who may read it
    second = pdf_of(client, eighth)
    assert first.status_code == second.status_code == 200
    assert content(second) == content(first)
    assert drawings == [eighth.pk]


def test_a_publication_draws_the_brief_again(client, cast, history, eighth, drawings, make_update):
    client.force_login(cast.carol)
    pdf_of(client, eighth)
    pdf_of(client, eighth)
    make_update(
        author=cast.bob,
        status="at_risk",
        narrative="Nuevas incautaciones en el puerto.",
        published_at=at(2024, 10, 20),
        created_at=at(2024, 10, 19),
    )
    response = pdf_of(client, eighth)
    assert drawings == [eighth.pk, eighth.pk]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content(response))).pages)
    assert "Nuevas incautaciones en el puerto." in " ".join(text.split())


def test_a_draft_saved_meanwhile_serves_the_kept_pdf(client, cast, history, eighth, drawings):
    client.force_login(cast.carol)
    pdf_of(client, eighth)
    services.create_update(
        actor=cast.alice,
        membership=cast.alice.membership,
        objective=Objective.objects.get(objective_set__year=2024, number=2),
        period=ReportingPeriod.objects.get(name="2024 Q1"),
        status="on_track",
        narrative="A draft nobody else reads.",
        evidence_links=[],
    )
    pdf_of(client, eighth)
    assert drawings == [eighth.pk]


def test_each_language_has_its_own_pdf(client, cast, history, eighth, drawings):
    client.force_login(cast.carol)  # no language saved on her membership: the browser's
    pdf_of(client, eighth)
    pdf_of(client, eighth)
    response = pdf_of(client, eighth, headers={"accept-language": "fr"})
    assert drawings == [eighth.pk, eighth.pk]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content(response))).pages)
    assert "Note d'information" in text


def test_one_user_asking_for_many_fresh_pdfs_is_refused_with_429(
    client, cast, settings, fake_drawing
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "brief_pdf": (2, 600, "user")}
    meetings = list(Meeting.objects.order_by("start_date")[:3])
    client.force_login(cast.carol)
    assert [pdf_of(client, m).status_code for m in meetings[:2]] == [200, 200]
    refused = pdf_of(client, meetings[2])
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"
    assert pdf_of(client, meetings[0]).status_code == 200  # kept ones are still served
    client.force_login(cast.bob)
    assert pdf_of(client, meetings[2]).status_code == 200  # the limit is per user
    assert len(fake_drawing) == 3


def test_the_pdf_prints_a_bounded_part_of_long_narratives(
    client, cast, eighth, make_update, fake_drawing
):
    """Every cell with a 10,000-character narrative: WeasyPrint is handed a bounded page."""
    authors = [cast.alice, cast.bob, cast.uma]
    long_text = ("Naloxone kits reached remote clinics. " * 300)[:10_000]
    for objective in Objective.objects.filter(objective_set__year=2024):
        for author in authors:
            make_update(
                author=author,
                objective=objective,
                narrative=long_text,
                published_at=at(2024, 10, 1),
                created_at=at(2024, 9, 30),
            )
    client.force_login(cast.carol)
    assert pdf_of(client, eighth).status_code == 200
    [html] = fake_drawing
    cells = 9 * len(authors)
    assert html.count("Shortened for print. The full narrative is online:") == cells
    assert html.count("Naloxone kits reached remote clinics.") <= cells * (
        briefs.PRINT_NARRATIVE_CHARS // len("Naloxone kits reached remote clinics. ") + 1
    )
    assert len(html) < 100_000  # 27 narratives in full would be over 270,000 characters
    update = ProgressUpdate.objects.filter(narrative=long_text).first()
    assert f"http://127.0.0.1:8000/updates/{update.pk}/" in html
    # The page itself still shows every narrative in full.
    page = client.get(reverse("meeting_brief", args=[eighth.pk])).text
    assert page.count("Naloxone kits reached remote clinics.") >= cells * 250


def test_many_short_lines_are_bounded_too(make_update, cast):
    text, shortened = briefs.shorten_for_print("line\n" * 2000)
    assert shortened and text.count("\n") < briefs.PRINT_NARRATIVE_LINES
    text, shortened = briefs.shorten_for_print("word " * 1000)
    assert shortened and len(text) <= briefs.PRINT_NARRATIVE_CHARS + 2
    assert text.endswith("word …")  # cut after a whole word
    assert briefs.shorten_for_print("Short and sweet.") == ("Short and sweet.", False)


def test_the_pdf_stylesheet_reaches_weasyprint_page_numbers_and_all(login, cast, history, eighth):
    response = pdf_of(login(cast.carol), eighth)
    reader = PdfReader(io.BytesIO(content(response)))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert f"{number} / {pages}" in page.extract_text()


# --- The comparison is chosen, against what that meeting saw -------------------------------


@pytest.fixture
def check_in():
    """A senior officials' virtual check-in between the 7th and 8th NADD."""
    return Meeting.objects.create(
        kind="senior_officials",
        name="Senior officials' check-in",
        start_date=datetime.date(2024, 6, 15),
        end_date=datetime.date(2024, 6, 15),
    )


def test_the_suggested_comparison_is_the_previous_plenary_not_a_check_in(eighth, seventh, check_in):
    assert briefs.default_comparison(eighth) == seventh
    assert briefs.default_comparison(check_in) == seventh
    assert briefs.default_comparison(seventh).ordinal == 6


def test_the_brief_compares_with_the_snapshot_of_the_chosen_meeting(
    cast, make_update, eighth, check_in, objective
):
    """Canada on track at the check-in, at risk since; Mexico first reported after it; the
    United States unchanged. The check-in's snapshot, not the record rewritten later, is
    what the brief compares with."""
    canada = make_update(author=cast.alice, status="on_track", published_at=at(2024, 4, 10))
    us = make_update(author=cast.uma, status="on_track", published_at=at(2024, 4, 12))
    snapshots.take_snapshot(actor=cast.carol, meeting=check_in, cutoff=datetime.date(2024, 6, 14))
    make_update(author=cast.alice, status="at_risk", published_at=at(2024, 10, 1))
    make_update(author=cast.bob, status="on_track", published_at=at(2024, 9, 1))
    # Canada's April report rewritten afterwards: the snapshot keeps what the meeting saw.
    ProgressUpdate.objects.filter(pk=canada.pk).update(status="completed")

    brief = briefs.build(eighth, check_in, EVE_OF_THE_EIGHTH)
    assert not brief.earlier.reconstructed
    assert brief.earlier.cutoff == datetime.date(2024, 6, 14)
    cells = cells_of(brief, objective)
    assert (cells["CA"].before.status, cells["CA"].latest.status, cells["CA"].change) == (
        "on_track",
        "at_risk",
        "changed",
    )
    assert (cells["MX"].before, cells["MX"].change) == (None, "new")
    assert cells["US"].change == "unchanged" and cells["US"].latest == us and cells["US"].missing
    assert (brief.changed_count, brief.new_count, brief.unchanged_count) == (1, 1, 1)


def test_a_new_set_is_all_new_since_the_meeting_that_adopted_it(cast, make_update, eighth):
    """The 2025 set adopted at the 8th NADD and reviewed at the 9th: nothing at the 8th
    (its snapshot holds empty cells), so every reported cell is new, not 'unchanged'."""
    ninth = Meeting.objects.create(
        kind="plenary",
        ordinal=9,
        name="9th North American Drug Dialogue",
        start_date=datetime.date(2025, 11, 20),
        end_date=datetime.date(2025, 11, 21),
    )
    from commitments.models import ObjectiveSet

    next_set = ObjectiveSet.objects.create(year=2025, adopted_at=eighth, reviewed_at=ninth)
    goals = [
        Objective.objects.create(objective_set=next_set, number=n, title=f"Goal {n}", text="Text")
        for n in (1, 2)
    ]
    period = ReportingPeriod.objects.create(
        objective_set=next_set,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )
    snapshots.take_snapshot(actor=cast.carol, meeting=eighth, cutoff=EVE_OF_THE_EIGHTH)
    assert eighth.snapshot.rows.filter(objective_set=next_set, update=None).count() == 2 * 3
    for author in (cast.alice, cast.bob):
        make_update(author=author, objective=goals[0], period=period, published_at=at(2025, 4, 1))
    brief = briefs.build(ninth, briefs.default_comparison(ninth), datetime.date(2025, 11, 19))
    assert brief.comparison == eighth
    assert [s.year for s in brief.objective_sets] == [2025]
    assert (brief.changed_count, brief.new_count, brief.unchanged_count) == (0, 2, 0)
    assert brief.missing_count == 6 - 2


def test_a_brief_prepared_a_year_after_its_meeting(login, cast, history, eighth, make_update):
    """A year on, the brief for the 8th NADD takes today's cut-off (what was published
    since, the fourth quarter included), says when it was generated, and still compares
    with the 7th NADD as reconstructed."""
    make_update(
        author=cast.bob,
        status="completed",
        narrative="Informe del cuarto trimestre.",
        published_at=at(2025, 1, 20),
    )
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, 0, tzinfo=datetime.UTC)):
        response = login(cast.carol).get(reverse("meeting_brief", args=[eighth.pk]))
    assert response.status_code == 200
    brief = response.context["brief"]()  # built when the page was drawn
    assert brief.cutoff == datetime.date(2025, 11, 20)
    assert brief.generated_at.date() == datetime.date(2025, 11, 20)
    text = response.text
    assert "Updates published on or before Nov. 20, 2025" in text
    assert "Informe del cuarto trimestre." in text  # published two months after the meeting
    assert "reconstructed from the published record as of Nov. 6, 2023" in text
    # The PDF link makes the same suggestion; a chosen cut-off travels with it.
    assert f'action="{reverse("meeting_brief_pdf", args=[eighth.pk])}"' in text
    chosen = login(cast.carol).get(
        reverse("meeting_brief", args=[eighth.pk]), {"compare": "", "cutoff": "2024-11-12"}
    )
    assert "?compare=&amp;cutoff=2024-11-12" in chosen.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"compare": "NEXT", "cutoff": "2024-11-12"}, "Choose a meeting held before this one."),
        ({"compare": "SELF", "cutoff": "2024-11-12"}, "Choose a meeting held before this one."),
        ({"compare": "999999", "cutoff": "2024-11-12"}, "Select a valid choice."),
        ({"compare": "", "cutoff": "2999-01-01"}, "The cut-off cannot be in the future."),
        ({"compare": "", "cutoff": "yesterday"}, "Enter a valid date."),
    ],
)
def test_bad_terms_are_refused_with_a_message(login, cast, eighth, query, message):
    later = Meeting.objects.create(kind="working_group", name="Working group", date_precision="tbc")
    query = {
        **query,
        "compare": {"NEXT": later.pk, "SELF": eighth.pk}.get(query["compare"], query["compare"]),
    }
    client = login(cast.carol)
    page = client.get(reverse("meeting_brief", args=[eighth.pk]), query)
    assert page.status_code == 400 and message in page.text
    pdf = ask_for_file(client, reverse("meeting_brief_pdf", args=[eighth.pk]), query)
    assert pdf.status_code == 400 and message in pdf.text


def test_the_form_offers_only_earlier_meetings(login, cast, eighth, seventh):
    later = Meeting.objects.create(kind="summit", name="A later summit", date_precision="tbc")
    page = login(cast.carol).get(reverse("meeting_brief", args=[eighth.pk])).text
    assert f'<option value="{seventh.pk}" selected>' in page
    assert f'value="{later.pk}"' not in page and f'value="{eighth.pk}"' not in page


def test_a_meeting_to_be_confirmed_has_a_brief(login, cast, history, seventh):
    tbc = Meeting.objects.create(kind="plenary", ordinal=10, name="10th NADD", date_precision="tbc")
    response = login(cast.carol).get(reverse("meeting_brief", args=[tbc.pk]))
    assert response.status_code == 200
    assert response.context["brief"]().comparison.ordinal == 8


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", ["Comparada con", "Fecha de corte", "Generada", "Nuevo desde entonces"]),
        ("fr", ["Comparée avec", "Date d'arrêt", "Générée", "Nouveau depuis"]),
    ],
)
def test_the_brief_is_translated(login, cast, eighth, make_update, language, expected):
    make_update(author=cast.alice, published_at=at(2024, 10, 1))
    response = login(cast.carol).get(
        reverse("meeting_brief", args=[eighth.pk]), headers={"accept-language": language}
    )
    text = response.text.replace("&#x27;", "'")
    for phrase in expected:
        assert phrase in text, phrase


def test_the_pdf_says_when_it_was_generated_and_its_cutoff_with_page_numbers(
    login, cast, history, eighth
):
    response = pdf_of(login(cast.carol), eighth, terms={"cutoff": "2024-11-12"})
    reader = PdfReader(io.BytesIO(content(response)))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Generated" in first
    assert "Updates published on or before Nov. 12, 2024" in first
    assert "2" in reader.pages[1].extract_text()  # the second page is numbered
    assert f"2 / {len(reader.pages)}" in reader.pages[1].extract_text()


@pytest.mark.parametrize(
    ("language", "file_name"),
    [
        ("en", "brief-8th-north-american-drug-dialogue.pdf"),
        ("es", "nota-informativa-8o-dialogo-de-america-del-norte-sobre-drogas.pdf"),
        ("fr", "note-d-information-8e-dialogue-nord-americain-sur-les-drogues.pdf"),
    ],
)
def test_the_pdf_is_tagged_in_the_readers_language_with_a_localised_name(
    login, cast, history, eighth, language, file_name
):
    cast.carol.membership.language = language
    cast.carol.membership.save()
    response = pdf_of(login(cast.carol), eighth, terms={"cutoff": "2024-11-12"})
    assert response["Content-Disposition"] == f'attachment; filename="{file_name}"'
    reader = PdfReader(io.BytesIO(content(response)))
    catalog = reader.trailer["/Root"]
    # Tagged: a structure tree a screen reader follows, marked content, the language set.
    assert catalog["/MarkInfo"]["/Marked"]
    tree = catalog["/StructTreeRoot"].get_object()
    assert tree["/K"]
    assert catalog["/Lang"] == language
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert b"pdfuaid" in catalog["/Metadata"].get_object().get_data()


def test_a_long_status_label_stays_on_one_line_in_the_pdf(login, cast, history, eighth):
    cast.carol.membership.language = "es"
    cast.carol.membership.save()
    response = pdf_of(login(cast.carol), eighth, terms={"cutoff": "2024-11-12"})
    lines = [
        line.strip()
        for page in PdfReader(io.BytesIO(content(response))).pages
        for line in page.extract_text().splitlines()
    ]
    assert any("Conforme a lo programado" in line for line in lines)
    assert not any(line.endswith(("Conforme a lo", "Conforme a")) for line in lines)


# --- The brief's page, drawn once per change of what it shows (fragment "meeting-brief") ---


def brief_page(client, meeting, **terms):
    """The brief's page and how many queries it took."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("meeting_brief", args=[meeting.pk]), terms)
    assert response.status_code == 200
    return response.text, len(queries)


def body(page):
    """The brief below its form (the page around it holds a CSRF token and a nonce)."""
    return page.split('class="brief-facts"')[1].split("</main>")[0]


@pytest.fixture
def fresh_fragments():
    from commitments import fragments

    fragments.cache().clear()


def test_a_second_view_of_the_brief_takes_its_drawing_from_the_cache(
    login, cast, history, eighth, fresh_fragments
):
    client = login(cast.carol)
    first, cold = brief_page(client, eighth)
    second, warm = brief_page(client, eighth)
    assert body(second) == body(first)  # the same brief...
    assert "Procurement of kits delayed." in second
    # ...without building the brief: session, user, membership; the meeting, the
    # suggested comparison and the earlier meetings the form offers; the data stamps.
    assert warm == 7
    assert cold > warm + 8  # the sets, objectives, countries, record, files, figures...


def test_a_correction_published_after_a_view_shows_at_once(
    login, cast, history, eighth, fresh_fragments, make_update
):
    client = login(cast.carol)
    before, _ = brief_page(client, eighth, compare="", cutoff=datetime.date.today().isoformat())
    assert "Procurement of kits delayed." in before
    # Canada files a correction; the coordinator publishes it through the review page.
    correction = make_update(
        author=cast.alice,
        status="on_track",
        state="submitted",
        narrative="Kits delivered after all: correction.",
    )
    response = client.post(
        reverse("update_publish", args=[correction.pk]), {"version": correction.version}
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.get(pk=correction.pk).state == "published"
    after, queries = brief_page(
        client, eighth, compare="", cutoff=datetime.date.today().isoformat()
    )
    assert "Kits delivered after all: correction." in after
    assert "Procurement of kits delayed." not in after
    assert queries > 7  # drawn again


def test_a_draft_saved_meanwhile_leaves_the_brief_cached(
    login, cast, history, eighth, fresh_fragments
):
    client = login(cast.carol)
    brief_page(client, eighth)
    services.create_update(
        actor=cast.alice,
        membership=cast.alice.membership,
        objective=Objective.objects.get(objective_set__year=2024, number=2),
        period=ReportingPeriod.objects.get(name="2024 Q1"),
        status="on_track",
        narrative="A draft nobody else reads.",
        evidence_links=[],
    )
    text, queries = brief_page(client, eighth)
    assert queries == 7 and "A draft nobody else reads." not in text


def test_each_cutoff_comparison_and_language_has_its_own_drawing(
    login, cast, history, eighth, seventh, fresh_fragments
):
    client = login(cast.carol)
    suggested, _ = brief_page(client, eighth)
    assert "Procurement of kits delayed." in suggested
    # Before Canada's second report was published: its first one, and the 7th NADD left out.
    earlier, _ = brief_page(client, eighth, compare="", cutoff="2024-09-30")
    assert "Procurement of kits delayed." not in earlier
    assert "No earlier meeting" in earlier
    compared, _ = brief_page(client, eighth, compare=seventh.pk, cutoff="2024-09-30")
    assert "the 7th North American Drug Dialogue: reconstructed" in compared
    assert "Procurement of kits delayed." not in compared
    client.cookies["django_language"] = "es"
    spanish, _ = brief_page(client, eighth)
    assert "Comparada con" in spanish and "Compared with" not in spanish


def test_a_snapshot_taken_or_a_meeting_renamed_draws_the_brief_again(
    login, cast, history, eighth, seventh, fresh_fragments
):
    client = login(cast.carol)
    text, _ = brief_page(client, eighth)
    assert "reconstructed from the published record" in text
    snapshots.take_snapshot(actor=cast.carol, meeting=seventh, cutoff=datetime.date(2023, 11, 6))
    text, _ = brief_page(client, eighth)
    assert "reconstructed from the published record" not in text
    assert "its snapshot, taken on" in text
    Meeting.objects.filter(pk=seventh.pk).update(name="Seventh Dialogue, renamed")
    text, _ = brief_page(client, eighth)
    assert "Seventh Dialogue, renamed" in text


@pytest.mark.parametrize(("reader", "shared"), [("alice", False), ("bob", False), ("dave", True)])
def test_readers_of_another_scope_get_their_own_drawing_of_the_same_brief(
    login, cast, history, eighth, fresh_fragments, reader, shared
):
    """Published only, the brief reads the same for every reader with a role; but only
    readers of the same scope (coordinators and administrators: every country) share a
    drawing, officials each draw their own."""
    coordinator, _ = brief_page(login(cast.carol), eighth)
    text, queries = brief_page(login(getattr(cast, reader)), eighth)
    assert (queries == 7) == shared
    # The same brief, but for when it was generated.
    assert body(text).split("</dl>", 1)[1] == body(coordinator).split("</dl>", 1)[1]
