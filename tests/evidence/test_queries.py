"""Pages, the feed and the brief read evidence files and assessments in a fixed number of
queries, however many there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import evidence, fragments
from commitments.models import Country, EvidenceFile, Meeting, Objective
from tests.evidence.test_feed_and_exports import final_assessment, publish
from tests.support.evidence import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def queries(client, url):
    fragments.cache().clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def with_files(update, actor, count):
    items = [
        (upload(f"f{n}.pdf", pdf_bytes()), EvidenceFile.Kind.PDF, f"f{n}.pdf") for n in range(count)
    ]
    evidence.change_files(actor=actor, update=update, attach=items)


def test_the_update_page_reads_its_files_in_one_query(login, cast, make_update):
    one, five = make_update(state="draft"), make_update(state="draft")
    with_files(one, cast.alice, 1)
    with_files(five, cast.alice, 5)
    client = login(cast.carol)
    assert queries(client, one.get_absolute_url()) == queries(client, five.get_absolute_url())


def test_the_assessment_pages_do_not_grow_with_the_assessments(login, cast):
    client = login(cast.bob)
    final_assessment(cast)
    overview = reverse("assessment_overview")
    export = reverse("assessment_export_csv")
    few = queries(client, overview), queries(client, export)
    for number in range(2, 10):
        for code in ("CA", "MX", "US"):
            for review in ("interim", "final"):
                final_assessment(cast, code=code, number=number, review=review)
    assert (queries(client, overview), queries(client, export)) == few
    first = Objective.objects.get(objective_set__year=2024, number=1)
    page = reverse("assessment_detail", args=[first.pk, "ca", "interim"])
    assert queries(client, page) <= 12


def test_the_dashboard_and_the_brief_read_the_assessments_once(login, cast, make_update):
    client = login(cast.bob)
    meeting = reverse("meeting_brief", args=[Meeting.objects.get(ordinal=8).pk])
    report = make_update(state="draft")
    with_files(report, cast.alice, 1)
    publish(report)
    final_assessment(cast)
    few = queries(client, reverse("dashboard")), queries(client, meeting)
    for country in Country.objects.members():
        for number in range(2, 10):
            update = make_update(
                author={"CA": cast.alice, "MX": cast.bob, "US": cast.uma}[country.code],
                objective=Objective.objects.get(objective_set__year=2024, number=number),
                state="draft",
            )
            with_files(update, update.author, 2)
            publish(update)
            final_assessment(cast, code=country.code, number=number)
    assert (queries(client, reverse("dashboard")), queries(client, meeting)) == few


def test_the_feed_reads_files_in_one_query_per_page(client, cast, make_update):
    from commitments.models import ApiToken

    token = ApiToken(user=cast.bob, name="feed")
    key = token.issue()
    token.save()
    headers = {"Authorization": f"Token {key}"}

    def count(name):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name), headers=headers).status_code == 200
        return len(captured)

    update = make_update(state="draft")
    with_files(update, cast.alice, 1)
    publish(update)
    final_assessment(cast)
    few = count("api_updates"), count("api_assessments")
    for number in range(2, 8):
        each = make_update(
            objective=Objective.objects.get(objective_set__year=2024, number=number),
            state="draft",
        )
        with_files(each, cast.alice, 3)
        publish(each)
        final_assessment(cast, number=number)
    assert (count("api_updates"), count("api_assessments")) == few


def test_making_an_assessment_final_redraws_the_dashboards_compliance(login, cast):
    client = login(cast.bob)
    client.get(reverse("dashboard"))  # drawn and cached without any assessment
    assert "Compliance by country" not in client.get(reverse("dashboard")).text
    final_assessment(cast)
    assert "Compliance by country" in client.get(reverse("dashboard")).text
