"""The secretariat's assessment: draft → the country's reply → final (then immutable), who
reads and writes what, the figures, and the pages showing it beside the country's own
status."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from commitments import assessments
from commitments.models import Assessment, AuditEntry, Country, Objective

pytestmark = pytest.mark.django_db
Review = Assessment.Review


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, objective, code, review="interim"):
    return reverse(name, args=[objective.pk, code, review])


def write(client, objective, code="ca", review="interim", **data):
    values = {"rating": 0, "rationale": "Work under way in three provinces.", **data}
    return client.post(url("assessment_save", objective, code, review), values)


@pytest.fixture
def canada():
    return Country.objects.get(code="CA")


@pytest.fixture
def draft(cast, objective, canada):
    return assessments.save_draft(
        actor=cast.carol,
        objective=objective,
        country=canada,
        review=Review.INTERIM,
        rating=0,
        rationale="Work under way in three provinces.",
    )


def test_draft_reply_final_through_the_pages(cast, objective, make_update, canada):
    report = make_update()  # Canada's published report on objective 1
    carol = client_of(cast.carol)
    response = write(carol, objective, evidence_updates=[report.pk])
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.state, assessment.rating, assessment.author) == ("draft", 0, cast.carol)
    assert list(assessment.evidence_updates.all()) == [report]

    alice = client_of(cast.alice)
    page = alice.get(assessment.get_absolute_url()).text
    assert "Partial compliance" in page and "Reply to the draft" in page
    reply = {"reply": "The fourth province joined in March.", "version": assessment.version}
    assert alice.post(url("assessment_reply", objective, "ca"), reply).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.reply, assessment.replied_by) == (reply["reply"], cast.alice)

    finalise = {"version": assessment.version}
    assert carol.post(url("assessment_finalise", objective, "ca"), finalise).status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == "final" and assessment.finalised_by == cast.carol
    assert list(
        AuditEntry.objects.for_object(assessment).reverse().values_list("action", flat=True)
    ) == ["assessment.drafted", "assessment.replied", "assessment.finalised"]
    # Final: every reader sees it with its reply; nobody changes it.
    bob = client_of(cast.bob).get(assessment.get_absolute_url()).text
    assert "The fourth province joined in March." in bob and "Partial compliance" in bob
    assert "History of this assessment" not in bob
    assert write(carol, objective, rating=1, version=assessment.version).status_code == 409
    reply["version"] = assessment.version
    assert alice.post(url("assessment_reply", objective, "ca"), reply).status_code == 409
    assessment.refresh_from_db()
    assert assessment.rating == 0


def test_the_country_and_the_assessment_are_side_by_side_never_merged(
    cast, objective, make_update, draft
):
    report = make_update(status="at_risk")
    page = client_of(cast.alice).get(draft.get_absolute_url()).text
    assert "The country&#x27;s own report" in page or "The country's own report" in page
    assert "status-at_risk" in page and "Partial compliance" in page
    report.refresh_from_db()
    assert report.status == "at_risk"  # the assessment changes nothing of the report


def test_a_draft_is_read_only_by_the_secretariat_and_the_country(cast, draft):
    address = draft.get_absolute_url()
    for reader in (cast.alice, cast.carol, cast.dave):
        assert "Work under way" in client_of(reader).get(address).text
        overview = client_of(reader).get(reverse("assessment_overview")).text
        assert "state-draft" in overview
    for outsider in (cast.bob, cast.uma):
        page = client_of(outsider).get(address)
        assert page.status_code == 200
        assert "Work under way" not in page.text and "Not assessed yet" in page.text
        overview = client_of(outsider).get(reverse("assessment_overview")).text
        assert "state-draft" not in overview
    assert client_of(cast.nora).get(address).status_code == 403
    # The feed and the exports say nothing of drafts either.
    csv = client_of(cast.bob).get(reverse("assessment_export_csv")).content.decode()
    assert "Work under way" not in csv
    assert (
        "Work under way"
        in client_of(cast.alice).get(reverse("assessment_export_csv")).content.decode()
    )


def test_only_coordinators_write_and_finalise(cast, objective, draft):
    for outsider in (cast.alice, cast.bob, cast.dave):
        response = write(client_of(outsider), objective, rating=1, version=draft.version)
        assert response.status_code == 403
        response = client_of(outsider).post(
            url("assessment_finalise", objective, "ca"), {"version": draft.version}
        )
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        assessments.finalise(actor=cast.alice, assessment=draft, loaded_version=draft.version)
    draft.refresh_from_db()
    assert (draft.rating, draft.state) == (0, "draft")


def test_only_the_assessed_countrys_officials_reply(cast, objective, draft):
    for outsider in (cast.bob, cast.uma):
        response = client_of(outsider).post(
            url("assessment_reply", objective, "ca"), {"reply": "x", "version": draft.version}
        )
        assert response.status_code == 404  # another country's draft is out of scope
    response = client_of(cast.carol).post(
        url("assessment_reply", objective, "ca"), {"reply": "x", "version": draft.version}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        assessments.reply(actor=cast.bob, assessment=draft, text="x", loaded_version=1)
    draft.refresh_from_db()
    assert draft.reply == ""


def test_revising_needs_the_version_seen(cast, objective, draft):
    carol = client_of(cast.carol)
    assert write(carol, objective, rating=1, version=draft.version).status_code == 302
    response = write(carol, objective, rating=-1, version=draft.version)  # stale
    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.rating == 1
    edited = AuditEntry.objects.get(action="assessment.edited")
    assert edited.changes == {"rating": ["0", "+1"]}


def test_bad_input_is_refused_with_a_message_and_saves_nothing(cast, objective, make_update):
    carol = client_of(cast.carol)
    other = make_update(author=cast.bob)  # Mexico's report: not Canada's evidence
    for data, message in [
        ({"rating": 5}, "Choose one of the ratings listed."),
        ({"rationale": ""}, "Write the rationale for the rating."),
        ({"evidence_updates": [other.pk]}, "Choose among the country&#x27;s published reports."),
    ]:
        response = write(carol, objective, **data)
        assert response.status_code == 400
        assert message in response.text
    assert Assessment.objects.count() == 0
    assert client_of(cast.carol).get(url("assessment_detail", objective, "nl")).status_code == 404
    assert (
        client_of(cast.carol).get(url("assessment_detail", objective, "ca", "mid")).status_code
        == 404
    )


def test_a_final_assessment_is_immutable_in_the_database_too(cast, draft, make_update):
    report = make_update()
    assessments.finalise(actor=cast.carol, assessment=draft, loaded_version=draft.version)
    for statement, params in (
        ("UPDATE commitments_assessment SET rating = 1", []),
        ("DELETE FROM commitments_assessment", []),
        (
            "INSERT INTO commitments_assessment_evidence_updates "
            "(assessment_id, progressupdate_id) VALUES (%s, %s)",
            [draft.pk, report.pk],
        ),
    ):
        with pytest.raises(DatabaseError, match="final assessment"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
    draft.refresh_from_db()
    assert (draft.rating, draft.state) == (0, "final")


def test_compliance_figures_count_final_ratings_only(cast):
    objectives = list(Objective.objects.filter(objective_set__year=2024).order_by("number")[:2])
    countries = list(Country.objects.members().order_by("name"))
    ca, mx = (Country.objects.get(code=code) for code in ("CA", "MX"))
    plan = [
        (objectives[0], ca, Review.INTERIM, -1, True),
        (objectives[0], ca, Review.FINAL, 1, True),
        (objectives[1], ca, Review.INTERIM, 0, True),
        (objectives[1], ca, Review.FINAL, 1, True),
        (objectives[0], mx, Review.INTERIM, 1, True),
        (objectives[0], mx, Review.FINAL, -1, False),  # a draft: not counted
    ]
    for objective, country, review, rating, final in plan:
        made = assessments.save_draft(
            actor=cast.carol,
            objective=objective,
            country=country,
            review=review,
            rating=rating,
            rationale="Because.",
        )
        if final:
            assessments.finalise(actor=cast.carol, assessment=made, loaded_version=made.version)
    objective_set = objectives[0].objective_set
    figures = assessments.published_compliance(objective_set, objectives, countries)
    canada = next(line for line in figures.by_country if line.subject == ca)
    assert (canada.interim.score_text, canada.interim.percent) == ("−0.50", 25)
    assert (canada.final.score_text, canada.final.percent, canada.change) == ("+1.00", 100, "+1.50")
    mexico = next(line for line in figures.by_country if line.subject == mx)
    assert (mexico.interim.score_text, mexico.final.count, mexico.change) == ("+1.00", 0, "")
    first = figures.by_objective[0]
    assert (first.interim.score_text, first.final.score_text) == ("0.00", "+1.00")
    assert figures.overall.interim.count == 3


def test_the_country_is_told_which_drafts_await_its_reply(cast, draft):
    page = client_of(cast.alice).get(reverse("assessment_overview")).text
    assert "1 draft assessment of your country is open for your reply" in page
    assert draft.get_absolute_url() in page
    for other in (cast.bob, cast.carol):
        assert (
            "open for your reply" not in client_of(other).get(reverse("assessment_overview")).text
        )
