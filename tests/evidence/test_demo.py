"""The demo's evidence files and the secretariat's assessment of the 2024 set."""

import pytest
from django.core.management import call_command
from django.test import Client

from commitments import evidence
from commitments.models import Assessment, AuditEntry, EvidenceFile

pytestmark = pytest.mark.django_db


def test_the_demo_has_files_an_interim_and_a_final_review_and_a_reply():
    call_command("load_demo", stdout=None)
    files = EvidenceFile.objects.select_related("update")
    assert files.filter(update__state="published").count() >= 6
    assert files.filter(update__state="draft", update__country__code="CA").exists()
    for each in files:
        # Every demo file is what it says it is, by the same checks an upload passes.
        with evidence.storage().open(each.stored_as) as kept:
            kept.size = each.size
            assert evidence.identify(kept) == each.kind
    assessments = Assessment.objects.filter(is_demo=True)
    assert assessments.filter(review="interim", state="final").count() == 27
    assert assessments.filter(review="final", state="final").count() == 26
    (draft,) = assessments.filter(state="draft")
    assert (draft.country.code, draft.objective.number, draft.review) == ("US", 9, "final")
    (replied,) = assessments.exclude(reply="")
    assert (replied.country.code, replied.objective.number, replied.state) == ("MX", 4, "final")
    assert set(assessments.values_list("rating", flat=True)) == {-1, 0, 1}
    assert AuditEntry.objects.filter(action="assessment.finalised").count() == 53
    # Loading again adds nothing.
    call_command("load_demo", stdout=None)
    assert Assessment.objects.count() == 54 and EvidenceFile.objects.count() == files.count()


def test_the_demo_draft_awaits_the_united_states_reply():
    call_command("load_demo", stdout=None)
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="official-us"))
    draft = Assessment.objects.get(state="draft")
    page = client.get(draft.get_absolute_url()).text
    assert "Reply to the draft" in page and "Fictional demo text" in page
