"""Evidence files and the secretariat's assessments in the JSON feed, its OpenAPI
description, the exports and the brief."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from commitments import api_schema, assessments, evidence
from commitments.models import ApiToken, Assessment, Country, EvidenceFile, Meeting, Objective
from tests.support.evidence import pdf_bytes, upload
from tests.support.jobs import fetch_file

pytestmark = pytest.mark.django_db


def final_assessment(cast, code="CA", number=1, review="interim", rating=1, reply=""):
    """A final assessment by carol of ``code`` on 2024 objective ``number``."""
    made = assessments.save_draft(
        actor=cast.carol,
        objective=Objective.objects.get(objective_set__year=2024, number=number),
        country=Country.objects.get(code=code),
        review=review,
        rating=rating,
        rationale=f"Rationale {code} {number} {review}.",
    )
    if reply:
        official = {"CA": cast.alice, "MX": cast.bob, "US": cast.uma}[code]
        made = assessments.reply(
            actor=official, assessment=made, text=reply, loaded_version=made.version
        )
    return assessments.finalise(actor=cast.carol, assessment=made, loaded_version=made.version)


def publish(update):
    """Published as the workflow would leave it (dates and all)."""
    from django.utils import timezone

    update.state, update.submitted_at, update.published_at = (
        "published",
        timezone.now(),
        timezone.now(),
    )
    update.save()


def attach(update, actor, name="Informe.pdf"):
    item = (upload(name, pdf_bytes()), EvidenceFile.Kind.PDF, name)
    evidence.change_files(actor=actor, update=update, attach=[item])
    return EvidenceFile.objects.filter(update=update).latest("pk")


@pytest.fixture
def key(cast):
    token = ApiToken(user=cast.bob, name="Mexico's dashboard")
    key = token.issue()
    token.save()
    return key


def feed(client, name, key, **params):
    return client.get(reverse(name), params, headers={"Authorization": f"Token {key}"})


def test_the_feed_lists_an_updates_files_with_their_download(client, cast, make_update, key):
    draft = make_update(state="draft")
    attached = attach(draft, cast.alice)
    publish(draft)
    results = feed(client, "api_updates", key).json()["results"]
    (files,) = [item["evidence_files"] for item in results if item["id"] == draft.pk]
    assert files == [
        {
            "id": attached.pk,
            "name": "Informe.pdf",
            "type": "pdf",
            "size": len(pdf_bytes()),
            "sha256": attached.sha256,
            "url": f"http://testserver{attached.get_absolute_url()}",
        }
    ]


def test_the_feed_lists_final_assessments_only(client, cast, key):
    final = final_assessment(cast, reply="We disagree on one point.")
    assessments.save_draft(
        actor=cast.carol,
        objective=final.objective,
        country=final.country,
        review="final",
        rating=-1,
        rationale="A draft.",
    )
    results = feed(client, "api_assessments", key).json()["results"]
    assert [(item["id"], item["score"], item["review"]) for item in results] == [
        (final.pk, 1, "interim")
    ]
    assert results[0]["reply"] == "We disagree on one point."
    assert results[0]["country"] == "CA" and results[0]["year"] == 2024
    assert feed(client, "api_assessments", key, review="final").json()["results"] == []
    assert feed(client, "api_assessments", key, country="MX").json()["results"] == []
    assert feed(client, "api_assessments", key, year=2025).json()["results"] == []
    assert feed(client, "api_assessments", key, country="ZZ").status_code == 400
    assert feed(client, "api_assessments", key, review="mid").status_code == 400


def test_the_openapi_description_declares_files_and_assessments(client, key):
    described = feed(client, "api_openapi", key).json()
    assert "/api/v1/assessments/" in described["paths"]
    schemas = described["components"]["schemas"]
    assert "evidence_files" in schemas["Update"]["properties"]
    assert schemas["Assessment"]["properties"]["score"]["enum"] == [1, 0, -1]
    assert described == api_schema.openapi_schema()


def test_the_updates_export_names_each_updates_files(client, cast, make_update):
    draft = make_update(state="draft")
    attach(draft, cast.alice, "Annex.pdf")
    client.force_login(cast.alice)
    response = fetch_file(client, reverse("update_export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = next(row for row in rows if "Evidence files" in row)
    column = header.index("Evidence files")
    assert any(row[column] == "Annex.pdf" for row in rows[rows.index(header) + 1 :])


def test_the_assessments_export_has_numbers_dates_and_the_countrys_own_status(
    client, cast, make_update
):
    make_update(status="at_risk")
    final = final_assessment(cast, rating=-1, reply="Our reply.")
    client.force_login(cast.bob)
    response = client.get(reverse("assessment_export_xlsx"), {"year": 2024})
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in rows if row and row[0] == "Year")
    (line,) = rows[rows.index(header) + 1 :]
    values = dict(zip(header, line, strict=True))
    assert values["Score (+1, 0, −1)"] == -1  # a number, not text
    assert values["Made final (UTC)"].date() == final.finalised_at.date()
    assert values["The country's reply"] == "Our reply."
    assert values["The country's own latest status"] == "At risk (2024 Q1)"
    assert values["Rating"] == "Non-compliance"
    csv_text = client.get(reverse("assessment_export_csv")).content.decode("utf-8-sig")
    assert "Non-compliance" in csv_text and "Our reply." in csv_text


def test_the_brief_shows_the_compliance_and_each_reports_files(client, cast, make_update):
    report = make_update(state="draft")
    attach(report, cast.alice, "Kits.pdf")
    Assessment.objects.all().delete()
    publish(report)
    final_assessment(cast, rating=0)
    final_assessment(cast, review="final", rating=1)
    client.force_login(cast.bob)
    meeting = Meeting.objects.get(ordinal=8)
    page = client.get(reverse("meeting_brief", args=[meeting.pk])).text
    assert "The secretariat's assessment of the 2024 objectives" in page
    assert "Compliance by country" in page and "Kits.pdf" in page
    # Canada: 0 at the interim review, +1 at the final: a change of +1.00.
    assert "0.00 (50 %)" in page and "+1.00 (100 %)" in page and "+1.00</td>" in page
    dashboard = client.get(reverse("dashboard"), {"year": 2024}).text
    assert "+1.00 (100 %)" in dashboard and "0 · Partial compliance" in dashboard
    # The PDF draws the same template.
    pdf = fetch_file(client, reverse("meeting_brief_pdf", args=[meeting.pk]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_the_pdf_brief_prints_the_same_compliance(cast, make_update):
    from commitments import briefs

    final_assessment(cast, rating=1)
    brief = briefs.build(Meeting.objects.get(ordinal=8))
    html = briefs.pdf_html(None, brief)
    assert "Compliance by country" in html and "+1 · Full compliance" in html
    assert 'href="/assessments/' not in html  # no links into the site in print


def test_a_readers_client(cast):
    client = Client()
    client.force_login(cast.bob)
    assert client.get(reverse("assessment_overview")).status_code == 200
