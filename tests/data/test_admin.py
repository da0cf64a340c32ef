"""Admins keep the reference data and roles current in the Django admin; each change is audited."""

import pytest
from django.contrib.auth import get_user_model

from commitments.models import AuditEntry, Objective

User = get_user_model()

pytestmark = pytest.mark.django_db

TRANSLATIONS = ["title_es", "title_fr", "text_es", "text_fr"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/commitments/objective/?area__id__exact=2",
        "/admin/commitments/objective/?q=fentanyl",
        "/admin/commitments/country/",
        "/admin/commitments/meeting/?q=Washington",
        "/admin/commitments/reportingperiod/",
        "/admin/commitments/objectiveset/1/change/",
        "/admin/commitments/membership/",
        "/admin/commitments/progressupdate/",
        "/admin/commitments/progressupdate/?entered_on_behalf__exact=1&is_demo__exact=0",
        "/admin/commitments/auditentry/",
        "/admin/auth/user/?membership__role=official",
    ],
)
def test_admin_pages_open(login, cast, path):
    assert login(cast.dave).get(path).status_code == 200


def test_an_admin_edits_an_objective_and_the_change_is_audited(login, cast, objective):
    response = login(cast.dave).post(
        f"/admin/commitments/objective/{objective.pk}/change/",
        {
            "objective_set": objective.objective_set_id,
            "number": objective.number,
            "title": "Overdose strategy",
            "text": objective.text,
            "area": objective.area_id,
            **{name: getattr(objective, name) for name in TRANSLATIONS},
            **{name: getattr(objective, name) for name in TRANSLATIONS},
            "is_active": "on",
            "loaded_version": 1,
            "links_to_earlier-TOTAL_FORMS": "0",
            "links_to_earlier-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.title == "Overdose strategy"
    entry = AuditEntry.objects.for_object(objective).get()
    assert entry.action == "objective.changed"
    assert entry.changes == {
        "title": ["Comprehensive overdose strategy", "Overdose strategy"],
        "version": [1, 2],
    }
    assert entry.actor == cast.dave


def test_an_admin_changes_a_role_and_the_change_is_audited(login, cast):
    membership = cast.bob.membership
    response = login(cast.dave).post(
        f"/admin/commitments/membership/{membership.pk}/change/",
        {"user": cast.bob.pk, "role": "coordinator", "country": "", "language": "en"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.country) == ("coordinator", None)
    entry = AuditEntry.objects.for_object(membership).get()
    assert entry.changes["role"] == ["official", "coordinator"]


def test_an_official_without_a_country_is_refused_with_a_message(login, cast):
    membership = cast.carol.membership
    response = login(cast.dave).post(
        f"/admin/commitments/membership/{membership.pk}/change/",
        {"user": cast.carol.pk, "role": "official", "country": "", "language": "en"},
    )
    assert response.status_code == 200
    assert "An official must act for a country." in response.text
    membership.refresh_from_db()
    assert membership.role == "coordinator"
    assert not AuditEntry.objects.exists()


def test_adding_a_person_invites_them_and_types_no_password(
    login, cast, mailoutbox, django_capture_on_commit_callbacks
):
    """The add page asks who the person is and the role they hold; the account gets no
    usable password until its owner chooses one (tests/security/test_invitations.py)."""
    client = login(cast.dave)
    page = client.get("/admin/auth/user/add/").text
    assert 'name="password1"' not in page
    assert 'name="is_superuser"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/auth/user/add/",
            {
                "username": "newcomer",
                "email": "newcomer@example.org",
                "membership-TOTAL_FORMS": "1",
                "membership-INITIAL_FORMS": "0",
                "membership-MIN_NUM_FORMS": "1",
                "membership-MAX_NUM_FORMS": "1",
                "membership-0-role": "official",
                "membership-0-country": "2",
                "membership-0-language": "es",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.membership.role == "official"
    assert not newcomer.has_usable_password()
    assert (newcomer.is_staff, newcomer.is_superuser) == (False, False)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"user.created", "membership.created", "user.invited"} <= actions
    assert [message.to for message in mailoutbox] == [["newcomer@example.org"]]


def test_progress_updates_and_audit_entries_are_read_only_in_the_admin(login, cast, make_update):
    update = make_update()
    client = login(cast.dave)
    assert client.get("/admin/commitments/progressupdate/add/").status_code == 403
    assert (
        client.post(
            f"/admin/commitments/progressupdate/{update.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get("/admin/commitments/auditentry/add/").status_code == 403
    assert Objective.objects.count() == 9


def objective_form(objective, **overrides):
    data = {
        "objective_set": objective.objective_set_id,
        "number": objective.number,
        "title": objective.title,
        "text": objective.text,
        "area": objective.area_id,
        **{name: getattr(objective, name) for name in TRANSLATIONS},
        "is_active": "on",
        "loaded_version": objective.version,
        "links_to_earlier-TOTAL_FORMS": "0",
        "links_to_earlier-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_two_admins_editing_one_objective_never_overwrite_each_other(cast, objective):
    from django.test import Client

    from tests.conftest import make_user

    other_admin = make_user("eve", "admin", is_staff=True, is_superuser=True)
    first, second = Client(), Client()
    first.force_login(cast.dave)
    second.force_login(other_admin)
    url = f"/admin/commitments/objective/{objective.pk}/change/"
    assert 'name="loaded_version" value="1"' in first.get(url).text
    assert 'name="loaded_version" value="1"' in second.get(url).text
    assert first.post(url, objective_form(objective, title="First title")).status_code == 302
    response = second.post(url, objective_form(objective, title="Second title"))
    assert response.status_code == 200
    assert "Someone else changed this objective since you opened it" in response.text
    assert "Second title" in response.text  # the second admin's input is kept
    objective.refresh_from_db()
    assert (objective.title, objective.version) == ("First title", 2)
    assert AuditEntry.objects.for_object(objective).count() == 1


def test_admins_filter_the_audit_log(login, cast, make_update):
    from commitments import services

    update = make_update(state="draft")
    services.submit_update(actor=cast.alice, update=update, loaded_version=1)
    client = login(cast.dave)
    response = client.get("/admin/commitments/auditentry/?action=update.submitted")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert client.get("/admin/commitments/auditentry/?q=alice").context["cl"].result_count == 1
