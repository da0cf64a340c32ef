"""Meetings as the dialogue has them: kinds, dates to be confirmed, the host and the
outcome documents in their language versions, on the meeting list and page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from commitments.models import Country, Meeting, MeetingDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def eighth():
    return Meeting.objects.get(kind="plenary", ordinal=8)


@pytest.fixture
def statement(eighth):
    """The joint statement: English as a link, Spanish and French as text."""
    return [
        MeetingDocument.objects.create(
            meeting=eighth,
            kind="joint_statement",
            language="en",
            title="Joint statement",
            url="https://example.org/joint-statement",
        ),
        MeetingDocument.objects.create(
            meeting=eighth,
            kind="joint_statement",
            language="es",
            title="Declaración conjunta",
            text="Los tres países acordaron acciones para 2025.",
        ),
        MeetingDocument.objects.create(
            meeting=eighth,
            kind="joint_statement",
            language="fr",
            title="Déclaration conjointe",
            text="Les trois pays ont convenu d'actions pour 2025.",
        ),
    ]


def test_the_reference_meetings_keep_their_names_under_the_new_kinds():
    kinds = dict(Meeting.objects.values_list("name", "kind"))
    assert kinds["8th North American Drug Dialogue"] == "plenary"
    assert kinds["7th North American Drug Dialogue"] == "plenary"
    assert kinds["NADD Public Health Summit"] == "summit"
    assert kinds["North American Leaders' Summit 2016"] == "summit"
    assert Meeting.objects.get(ordinal=8).host.code == "MX"


def test_the_meeting_page_shows_host_and_outcome_documents(login, cast, eighth, statement):
    text = login(cast.bob).get(eighth.get_absolute_url()).text
    assert "Plenary dialogue" in text and "Mexico" in text
    assert '<a href="https://example.org/joint-statement" rel="noopener noreferrer">' in text
    assert "Los tres países acordaron acciones para 2025." in text
    assert 'lang="fr"' in text and "Déclaration conjointe" in text


def test_a_meeting_without_documents_says_so(login, cast, eighth):
    assert (
        "No outcome document has been recorded"
        in login(cast.bob).get(eighth.get_absolute_url()).text
    )


def test_dates_to_be_confirmed(login, cast):
    Meeting.objects.create(
        kind="senior_officials", name="Senior officials 2026", date_precision="tbc"
    )
    Meeting.objects.create(
        kind="working_group",
        name="Working group on precursors",
        date_precision="tbc",
        start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2026, 3, 2),
    )
    page = login(cast.alice).get(reverse("meeting_list")).text
    assert "Dates to be confirmed" in page
    assert "(to be confirmed)" in page  # tentative dates are shown as such
    assert page.index("Senior officials 2026") < page.index("8th North American")  # first


def test_the_database_keeps_meeting_dates_consistent():
    cases = [
        {"date_precision": "day"},  # exact dates, none given
        {"date_precision": "tbc", "start_date": datetime.date(2026, 1, 1)},  # one date only
        {
            "date_precision": "tbc",
            "start_date": datetime.date(2026, 1, 2),
            "end_date": datetime.date(2026, 1, 1),
        },
        {"date_precision": "someday"},
    ]
    for fields in cases:
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.create(kind="summit", name="Bad", **fields)


def test_the_admin_form_explains_bad_dates():
    meeting = Meeting(kind="summit", name="Undated", date_precision="day")
    with pytest.raises(ValidationError, match="mark them as to be confirmed"):
        meeting.full_clean()
    meeting = Meeting(kind="summit", name="Half", start_date=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="Give both dates"):
        meeting.full_clean()


def test_an_outcome_document_has_an_https_link_or_a_text(eighth):
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingDocument.objects.create(meeting=eighth, kind="decisions", language="en", title="X")
    document = MeetingDocument(
        meeting=eighth, kind="decisions", language="en", title="X", url="http://example.org/"
    )
    with pytest.raises(ValidationError):
        document.full_clean()


def test_is_after_compares_dates_and_knows_undated_meetings(eighth):
    seventh = Meeting.objects.get(ordinal=7)
    undated = Meeting(kind="plenary", date_precision="tbc")
    assert eighth.is_after(seventh) and not seventh.is_after(eighth)
    assert not eighth.is_after(eighth)
    assert undated.is_after(eighth) and not eighth.is_after(undated)
    assert set(Meeting.objects.earlier_than(seventh).values_list("ordinal", flat=True)) == {6, None}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", ["Documentos finales", "Anfitrión", "Diálogo plenario", "Declaración conjunta"]),
        ("fr", ["Documents finaux", "Hôte", "Dialogue plénier", "Déclaration conjointe"]),
    ],
)
def test_the_meeting_pages_are_translated(login, cast, eighth, statement, language, expected):
    client = login(cast.alice)
    text = client.get(eighth.get_absolute_url(), headers={"accept-language": language}).text
    for phrase in expected:
        assert phrase in text, phrase
    listed = client.get(reverse("meeting_list"), headers={"accept-language": language}).text
    assert expected[2] in listed


def test_a_partner_host_is_shown(login, cast):
    belgium = Country.objects.get(code="BE")
    meeting = Meeting.objects.create(
        kind="working_group",
        name="Working group in Brussels",
        start_date=datetime.date(2025, 5, 5),
        end_date=datetime.date(2025, 5, 6),
        host=belgium,
    )
    assert belgium.get_absolute_url() in login(cast.alice).get(meeting.get_absolute_url()).text
