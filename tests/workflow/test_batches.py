"""Several updates at once: officials submit their drafts together from "My country",
coordinators publish together from the review queue. Each update is checked, versioned
and audited as it would be alone; the batch is all or nothing: one refused update leaves
every other unchanged, and the page names each refusal."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import audit, fragments, services
from commitments.models import (
    AuditEntry,
    Objective,
    ObjectiveSet,
    ProgressUpdate,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafts(cast, make_update):
    """Three of Canada's updates needing action: two drafts and a returned one."""
    objectives = Objective.objects.filter(objective_set__year=2024).order_by("number")
    return [
        make_update(author=cast.alice, objective=objectives[0], state="draft"),
        make_update(author=cast.alice, objective=objectives[1], state="draft"),
        make_update(author=cast.alice, objective=objectives[2], state="returned"),
    ]


def batch(updates, **versions):
    """The form's data: each update chosen, with the version the page showed (and, for
    publishing, confirmed on the page listing them: tests/workflow/test_reviewing.py)."""
    data = {"update": [str(update.pk) for update in updates], "confirmed": "yes"}
    for update in updates:
        data[f"version-{update.pk}"] = str(versions.get(f"v{update.pk}", update.version))
    return data


def snapshot():
    return sorted(ProgressUpdate.objects.values_list("pk", "state", "version"))


def test_an_official_submits_several_drafts_at_once(login, cast, drafts):
    client = login(cast.alice)
    page = client.get(reverse("country_detail", args=["ca"])).text
    for update in drafts:
        assert f'name="update" value="{update.pk}"' in page
    response = client.post(reverse("update_submit_batch"), batch(drafts), follow=True)
    assert response.redirect_chain == [(reverse("country_detail", args=["ca"]), 302)]
    assert "3 updates were submitted for review." in response.text
    for update in drafts:
        current = ProgressUpdate.objects.get(pk=update.pk)
        assert (current.state, current.version) == ("submitted", update.version + 1)
        assert current.submitted_at is not None
        entry = AuditEntry.objects.for_object(current).get()
        assert (entry.action, entry.actor) == ("update.submitted", cast.alice)
        assert entry.changes == {"state": [update.state, "submitted"]}


def test_one_stale_update_leaves_the_whole_batch_unchanged(login, cast, drafts):
    """Alice chose three, but a colleague edited the second meanwhile: nothing is
    submitted, and the page names the one that changed."""
    client = login(cast.alice)
    data = batch(drafts)
    services.edit_update(
        actor=cast.alice, update=drafts[1], loaded_version=drafts[1].version, narrative="New"
    )
    before = snapshot()
    entries = AuditEntry.objects.count()
    response = client.post(reverse("update_submit_batch"), data)
    assert response.status_code == 409
    assert snapshot() == before
    assert AuditEntry.objects.count() == entries
    text = response.text
    assert "Nothing was submitted" in text
    assert "1 of the updates you chose could not take this step" in text
    assert drafts[1].get_absolute_url() in text
    assert drafts[0].get_absolute_url() not in text
    assert "This update was changed or is no longer a draft" in text


def test_an_update_already_submitted_refuses_the_batch(login, cast, drafts, make_update):
    submitted = make_update(author=cast.alice, state="submitted")
    before = snapshot()
    response = login(cast.alice).post(reverse("update_submit_batch"), batch([*drafts, submitted]))
    assert response.status_code == 409
    assert snapshot() == before
    assert submitted.get_absolute_url() in response.text


@pytest.mark.parametrize("whose", ["draft", "published"])
def test_another_countrys_update_in_the_batch_is_404_and_changes_nothing(
    login, cast, drafts, make_update, whose
):
    mexican = make_update(author=cast.bob, state=whose)
    before = snapshot()
    response = login(cast.alice).post(reverse("update_submit_batch"), batch([*drafts, mexican]))
    assert response.status_code == 404
    assert snapshot() == before
    assert not AuditEntry.objects.exists()


def test_an_unknown_id_is_404(login, cast, drafts):
    data = batch(drafts)
    data["update"].append("999999")
    data["version-999999"] = "1"
    assert login(cast.alice).post(reverse("update_submit_batch"), data).status_code == 404
    assert {u.state for u in ProgressUpdate.objects.all()} == {"draft", "returned"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one update."),
        ({"update": ["abc"]}, "The form named an update that does not exist."),
        ({"update": ["{pk}"]}, "The form was incomplete; reload the page and choose again."),
        (
            {"update": ["{pk}"], "version-{pk}": "x"},
            "The form was incomplete; reload the page and choose again.",
        ),
    ],
)
def test_a_bad_form_is_400_with_a_message(login, cast, drafts, data, message):
    pk = str(drafts[0].pk)
    data = {
        key.replace("{pk}", pk): [v.replace("{pk}", pk) for v in value]
        if isinstance(value, list)
        else value
        for key, value in data.items()
    }
    before = snapshot()
    response = login(cast.alice).post(reverse("update_submit_batch"), data)
    assert response.status_code == 400
    assert message in response.text
    assert snapshot() == before


def test_too_many_at_once_is_refused(login, cast, drafts):
    data = {"update": [str(pk) for pk in range(1, 102)]}
    response = login(cast.alice).post(reverse("update_submit_batch"), data)
    assert response.status_code == 400
    assert "Choose at most 100 updates at once." in response.text


@pytest.mark.parametrize("role", ["carol", "dave", "nora"])
def test_only_officials_submit_in_a_batch(login, cast, drafts, role):
    before = snapshot()
    response = login(getattr(cast, role)).post(reverse("update_submit_batch"), batch(drafts))
    assert response.status_code == 403
    assert snapshot() == before


def test_a_failure_while_auditing_rolls_back_every_update(cast, drafts, monkeypatch):
    """The third step's audit entry cannot be written: the first two steps, taken and
    audited already, are rolled back with it."""
    calls = []
    real = audit.record

    def failing(**kwargs):
        calls.append(kwargs["action"])
        if len(calls) == 3:
            raise RuntimeError("audit table unavailable")
        return real(**kwargs)

    monkeypatch.setattr(audit, "record", failing)
    before = snapshot()
    with pytest.raises(RuntimeError):
        services.submit_updates(actor=cast.alice, items=[(u, u.version) for u in drafts])
    assert snapshot() == before
    assert not AuditEntry.objects.exists()


# --- Coordinators publish several at once from the review queue ----------------------


@pytest.fixture
def queue(cast, make_update):
    objectives = Objective.objects.filter(objective_set__year=2024).order_by("number")
    return [
        make_update(author=cast.alice, objective=objectives[0], state="submitted"),
        make_update(author=cast.bob, objective=objectives[0], state="submitted"),
        make_update(author=cast.uma, objective=objectives[1], state="submitted"),
    ]


def test_a_coordinator_publishes_several_at_once(login, cast, queue):
    client = login(cast.carol)
    page = client.get(reverse("review_queue")).text
    assert page.count('name="update"') == 3
    response = client.post(reverse("review_publish_batch"), batch(queue[:2]), follow=True)
    assert response.redirect_chain == [(reverse("review_queue"), 302)]
    assert "2 updates were published." in response.text
    for update in queue[:2]:
        current = ProgressUpdate.objects.get(pk=update.pk)
        assert (current.state, current.reviewed_by) == ("published", cast.carol)
        assert current.version == update.version + 1
        entry = AuditEntry.objects.for_object(current).get()
        assert (entry.action, entry.actor) == ("update.published", cast.carol)
    assert ProgressUpdate.objects.get(pk=queue[2].pk).state == "submitted"


def test_one_update_returned_meanwhile_publishes_none(login, cast, queue):
    data = batch(queue)
    services.return_update(
        actor=cast.carol, update=queue[1], loaded_version=queue[1].version, reason="Figures?"
    )
    before = snapshot()
    entries = AuditEntry.objects.count()
    response = login(cast.carol).post(reverse("review_publish_batch"), data)
    assert response.status_code == 409
    assert snapshot() == before
    assert AuditEntry.objects.count() == entries
    assert "Nothing was published" in response.text
    assert queue[1].get_absolute_url() in response.text


@pytest.mark.parametrize("role", ["alice", "bob", "dave", "nora"])
def test_only_coordinators_publish_in_a_batch(login, cast, queue, role):
    before = snapshot()
    response = login(getattr(cast, role)).post(reverse("review_publish_batch"), batch(queue))
    assert response.status_code == 403
    assert snapshot() == before
    assert not AuditEntry.objects.exists()


def test_a_draft_cannot_be_published_through_the_batch(login, cast, queue, make_update):
    """A forged id of a draft (never in the queue): the batch is refused as a whole."""
    draft = make_update(author=cast.alice, state="draft")
    before = snapshot()
    response = login(cast.carol).post(reverse("review_publish_batch"), batch([*queue, draft]))
    assert response.status_code == 409
    assert snapshot() == before


@pytest.mark.parametrize(
    ("language", "button", "refused"),
    [
        ("es", "Publicar las actualizaciones elegidas", "No se publicó nada"),
        ("fr", "Publier les mises à jour choisies", "Rien n&#x27;a été publié"),
    ],
)
def test_the_queue_and_a_refused_batch_in_spanish_and_french(
    login, cast, queue, language, button, refused
):
    client = login(cast.carol)
    headers = {"accept-language": language}
    assert button in client.get(reverse("review_queue"), headers=headers).text
    data = batch(queue, **{f"v{queue[0].pk}": 99})
    response = client.post(reverse("review_publish_batch"), data, headers=headers)
    assert response.status_code == 409
    assert refused in response.text.replace("'", "&#x27;")


@pytest.mark.parametrize(
    ("language", "button"),
    [
        ("es", "Enviar a revisión las actualizaciones elegidas"),
        ("fr", "Soumettre pour examen les mises à jour choisies"),
    ],
)
def test_my_country_offers_the_batch_in_spanish_and_french(login, cast, drafts, language, button):
    page = login(cast.alice).get(
        reverse("country_detail", args=["ca"]), headers={"accept-language": language}
    )
    assert button in page.text


def test_the_queue_with_its_batch_controls_costs_the_same_queries_for_3_or_30_rows(
    login, cast, queue, make_update
):
    """Pinned: the checkboxes and versions come from the rows already read. Seven queries,
    nothing cached: the three every signed-in page pays (session, user, membership), the
    data stamps, the queue's count, its page as ids and versions, and the rows not drawn
    yet (all of them), whole."""
    client = login(cast.carol)

    def count():
        fragments.cache().clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("review_queue"))
        assert 'name="update"' in response.text
        return len(queries)

    few = count()
    for _ in range(27):
        make_update(author=cast.bob, state="submitted", is_demo=True)
    assert count() == few == 7


def test_a_batch_spans_the_seam_between_two_years(login, cast, make_update, objective):
    """The 2025 set is adopted while 2024's last reports still wait for review: the
    coordinator publishes a 2024 Q4 and a 2025 Q1 report together, each in its own year."""
    later = ObjectiveSet.objects.create(year=2025, adopted_at=objective.objective_set.adopted_at)
    new_objective = Objective.objects.create(
        objective_set=later, number=1, title="Synthetic drugs", text="Act on synthetic drugs."
    )
    q1_2025 = ReportingPeriod.objects.create(
        objective_set=later,
        name="2025 Q1",
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 3, 31),
        deadline=datetime.date(2025, 4, 15),
    )
    q4_2024 = ReportingPeriod.objects.get(name="2024 Q4")
    old = make_update(author=cast.alice, period=q4_2024, state="submitted")
    new = make_update(author=cast.alice, objective=new_objective, period=q1_2025, state="submitted")
    response = login(cast.carol).post(reverse("review_publish_batch"), batch([old, new]))
    assert response.status_code == 302
    published = ProgressUpdate.objects.published().order_by("period__starts_on")
    assert [(u.period.name, u.objective.objective_set.year) for u in published] == [
        ("2024 Q4", 2024),
        ("2025 Q1", 2025),
    ]
    assert AuditEntry.objects.filter(action="update.published").count() == 2
