"""An official writes and edits their own country's update; nobody else can."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse

from commitments.models import AuditEntry, ObjectiveSet, ProgressUpdate, ReportingPeriod

pytestmark = pytest.mark.django_db


def form_data(period, **overrides):
    data = {
        "period": period.pk,
        "status": "on_track",
        "narrative": "Health Canada expanded naloxone distribution.",
        "evidence_links": "https://www.canada.ca/en/health-canada.html\nhttp://example.org/report",
    }
    data.update(overrides)
    return data


def create_url(objective):
    return reverse("update_create", args=[objective.pk])


def test_official_writes_an_update_and_sees_it_in_the_timeline(login, cast, objective, q1):
    client = login(cast.alice)
    response = client.post(create_url(objective), form_data(q1))
    update = ProgressUpdate.objects.get()
    assert response.status_code == 302
    assert response.url == update.get_absolute_url()
    assert (update.country.code, update.author, update.version) == ("CA", cast.alice, 1)
    assert update.evidence_links == [
        "https://www.canada.ca/en/health-canada.html",
        "http://example.org/report",
    ]
    detail = client.get(update.get_absolute_url())
    assert "Your draft was saved." in detail.text
    assert update.state == "draft"
    page = client.get(objective.get_absolute_url())
    assert "Health Canada expanded naloxone distribution." in page.text
    assert AuditEntry.objects.for_object(update).get().action == "update.created"


def test_forged_country_and_author_are_ignored(login, cast, objective, q1):
    client = login(cast.bob)
    client.post(
        create_url(objective),
        form_data(
            q1, country="1", author=str(cast.alice.pk), version="99", created_at="2001-01-01"
        ),
    )
    update = ProgressUpdate.objects.get()
    assert (update.country.code, update.author, update.version) == ("MX", cast.bob, 1)
    assert update.created_at.year != 2001
    assert not ProgressUpdate.objects.filter(country__code="CA").exists()


def test_official_edits_their_update_and_the_version_moves_on(login, cast, make_update, q1):
    update = make_update(author=cast.alice, state="draft")
    client = login(cast.alice)
    edit_url = reverse("update_edit", args=[update.pk])
    form = client.get(edit_url)
    assert 'name="version" value="1"' in form.text
    response = client.post(
        edit_url, form_data(q1, status="at_risk", narrative="Delayed by procurement.", version=1)
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.status, update.narrative, update.version) == (
        "at_risk",
        "Delayed by procurement.",
        2,
    )
    entry = AuditEntry.objects.for_object(update).get(action="update.edited")
    assert entry.changes["status"] == ["on_track", "at_risk"]
    assert entry.actor == cast.alice


def test_a_colleague_of_the_same_country_may_edit(login, cast, make_update, q1):
    from tests.conftest import make_user

    colleague = make_user("claude", "official", "CA")
    update = make_update(author=cast.alice, state="draft")
    response = login(colleague).post(
        reverse("update_edit", args=[update.pk]), form_data(q1, narrative="Revised", version=1)
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.narrative, update.author) == ("Revised", cast.alice)


def test_another_countrys_official_cannot_reach_the_edit_page(login, cast, make_update):
    update = make_update(author=cast.alice)
    client = login(cast.bob)
    # Readable, so the refusal says whose it is (tests/access/test_not_for_you.py).
    assert client.get(reverse("update_edit", args=[update.pk])).status_code == 403
    assert client.get(reverse("update_edit", args=[999999])).status_code == 404
    detail = client.get(update.get_absolute_url())
    assert detail.status_code == 200
    assert reverse("update_edit", args=[update.pk]) not in detail.text


def test_a_stale_edit_is_refused_and_keeps_the_typed_text(login, cast, make_update, q1):
    update = make_update(author=cast.alice, state="draft")
    edit_url = reverse("update_edit", args=[update.pk])
    first, second = login(cast.alice), login(cast.alice)
    first.post(edit_url, form_data(q1, narrative="First editor's text", version=1))
    response = second.post(edit_url, form_data(q1, narrative="Second editor's text", version=1))
    assert response.status_code == 409
    assert "Someone else saved this update" in response.text
    assert "Second editor&#x27;s text" in response.text
    assert "First editor&#x27;s text" in response.text
    assert 'name="version" value="2"' in response.text
    update.refresh_from_db()
    assert (update.narrative, update.version) == ("First editor's text", 2)
    # Saving again, now against the version shown, goes through.
    again = second.post(edit_url, form_data(q1, narrative="Merged text", version=2))
    assert again.status_code == 302
    update.refresh_from_db()
    assert (update.narrative, update.version) == ("Merged text", 3)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # Each message says what to do (tests/pages/test_update_form_guidance.py).
        ({"narrative": ""}, "Write the narrative: what was done in this period"),
        ({"narrative": "x" * 10_001}, "Shorten the narrative to 10000 characters or fewer"),
        ({"status": "approved"}, "Choose one of the statuses listed."),
        ({"status": ""}, "Choose the status that best describes the progress"),
        ({"period": "999999"}, "Choose a reporting period of this objective"),
        ({"period": "not-a-number"}, "Choose a reporting period of this objective"),
        ({"evidence_links": "javascript:alert(1)"}, "is not a web address starting with http"),
        ({"evidence_links": "ftp://example.org/file"}, "is not a web address starting with http"),
        ({"evidence_links": "not a link"}, "is not a web address starting with http"),
        (
            {"evidence_links": "\n".join(f"https://e.org/{i}" for i in range(11))},
            "at most 10 links",
        ),
        ({"evidence_links": "https://e.org/" + "a" * 600}, "longer than 500 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_keeps_the_text_and_saves_nothing(
    login, cast, objective, q1, overrides, message
):
    data = form_data(q1, narrative="Typed with care")
    data.update(overrides)
    response = login(cast.alice).post(create_url(objective), data)
    assert response.status_code == 200
    assert message in response.text
    assert "Please correct the following" in response.text
    if "narrative" not in overrides:
        assert "Typed with care" in response.text
    assert ProgressUpdate.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_what_the_models_own_checks_refuse_is_shown_on_the_form_and_nothing_is_saved(
    login, cast, make_update, objective, q1, monkeypatch
):
    # The form checks what it shows; the services check the whole update with the
    # model's full_clean() before saving. A rule only the model has is still a message.
    def refuse(update):
        raise ValidationError(
            {"narrative": "The model refuses this text.", NON_FIELD_ERRORS: "Refused whole."}
        )

    draft = make_update(author=cast.alice, state="draft", narrative="Kept as it was.")
    monkeypatch.setattr(ProgressUpdate, "clean", refuse)
    client = login(cast.alice)
    created = client.post(create_url(objective), form_data(q1, narrative="Typed with care"))
    edited = client.post(
        reverse("update_edit", args=[draft.pk]), form_data(q1, narrative="New text", version=1)
    )
    for response in (created, edited):
        assert response.status_code == 200
        assert "The model refuses this text." in response.text
        assert "Refused whole." in response.text
    assert "Typed with care" in created.text and "New text" in edited.text
    assert ProgressUpdate.objects.get() == draft
    draft.refresh_from_db()
    assert (draft.narrative, draft.version) == ("Kept as it was.", 1)
    assert AuditEntry.objects.count() == 0


def test_a_period_of_another_objective_set_is_refused(login, cast, objective):
    from commitments.models import Meeting

    later = ObjectiveSet.objects.create(year=2025, adopted_at=Meeting.objects.get(ordinal=7))
    other = ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on="2025-01-01",
        ends_on="2025-03-31",
        deadline="2025-04-15",
    )
    response = login(cast.alice).post(create_url(objective), form_data(other))
    assert response.status_code == 200
    assert "Choose a reporting period of this objective" in response.text
    assert ProgressUpdate.objects.count() == 0


def test_the_edit_form_needs_its_version(login, cast, make_update, q1):
    update = make_update(author=cast.alice, state="draft")
    response = login(cast.alice).post(
        reverse("update_edit", args=[update.pk]), form_data(q1, narrative="No version")
    )
    assert response.status_code == 200
    assert "missing its version" in response.text
    update.refresh_from_db()
    assert update.version == 1


def test_retired_objectives_take_no_new_updates(login, cast, objective, q1):
    objective.is_active = False
    objective.save()
    client = login(cast.alice)
    assert client.get(create_url(objective)).status_code == 404
    assert client.post(create_url(objective), form_data(q1)).status_code == 404
    assert ProgressUpdate.objects.count() == 0


def test_the_form_preselects_the_current_period_and_lists_only_this_years(login, cast, objective):
    response = login(cast.alice).get(create_url(objective))
    assert response.status_code == 200
    periods = list(
        response.context["form"].fields["period"].queryset.values_list("name", flat=True)
    )
    assert periods == ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4"]
    # Today is after 2024, so the last quarter of the set is the current one.
    assert response.context["form"].initial["period"].name == "2024 Q4"
    assert "- Select an option -" not in response.text


def test_script_in_a_narrative_is_shown_as_text(login, cast, make_update):
    update = make_update(author=cast.alice, narrative='<script>alert("x")</script>')
    for url in [
        update.get_absolute_url(),
        update.objective.get_absolute_url(),
        reverse("dashboard"),
    ]:
        text = login(cast.carol).get(url).text
        assert '<script>alert("x")</script>' not in text
    assert "&lt;script&gt;" in login(cast.carol).get(update.get_absolute_url()).text


def test_a_period_added_to_the_set_after_the_form_was_drawn_is_accepted(login, cast, objective):
    """The set's periods a post is checked against are reference data kept per reference
    stamp (forms.form_reference): a period added since moves the stamp, and a report
    for it is taken; a period of the set removed since is refused."""
    client = login(cast.alice)
    assert client.get(create_url(objective)).status_code == 200  # the reference kept

    def period(name, month):
        return ReportingPeriod.objects.create(
            objective_set=objective.objective_set,
            name=name,
            starts_on=f"2024-{month}-01",
            ends_on=f"2024-{month}-28",
            deadline="2025-01-15",
        )

    added = period("2024 extra", 12)
    assert client.post(create_url(objective), form_data(added)).status_code == 302
    assert ProgressUpdate.objects.get().period == added
    gone = period("2024 gone", 11)
    assert client.get(create_url(objective)).status_code == 200
    pk = gone.pk
    gone.delete()
    response = client.post(create_url(objective), {**form_data(added), "period": pk})
    assert "Choose a reporting period of this objective" in response.text
    assert ProgressUpdate.objects.count() == 1
