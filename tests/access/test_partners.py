"""Partner countries (Belgium, the Netherlands) contribute only to the objectives they are
named on: the forms and the POST beneath them refuse any other objective, they are never
counted as missing or reminded about other objectives, and what they publish shows
wherever the objective does."""

import datetime

import pytest
from django.conf import settings
from django.core import mail

from commitments import policy, reminders
from commitments.models import Membership, Objective, ProgressUpdate, ReportingPeriod
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(db):
    """nils, an official of the Netherlands (named on 2024 objective 5), and bea, an
    official of Belgium (named on none)."""

    class Partners:
        nils = make_user("nils", Membership.Role.OFFICIAL, "NL", email="nils@example.org")
        bea = make_user("bea", Membership.Role.OFFICIAL, "BE", email="bea@example.org")
        partnership = Objective.objects.get(objective_set__year=2024, number=5)
        overdoses = Objective.objects.get(objective_set__year=2024, number=1)

    return Partners


def draft(period):
    return {
        "period": period.pk,
        "status": "on_track",
        "narrative": "Joint session on precursor diversion held in The Hague.",
        "language": "en",
        "evidence_links": "",
    }


def test_a_partner_writes_on_the_objective_it_is_named_on(login, partners, q1):
    client = login(partners.nils)
    url = f"/objectives/{partners.partnership.pk}/updates/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, draft(q1))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(country__code="NL")
    assert update.objective == partners.partnership


@pytest.mark.parametrize("who", ["nils", "bea"])
def test_a_forged_post_on_another_objective_is_refused_and_saves_nothing(login, partners, q1, who):
    client = login(getattr(partners, who))
    url = f"/objectives/{partners.overdoses.pk}/updates/new/"
    assert client.get(url).status_code == 403
    response = client.post(url, draft(q1))
    assert response.status_code == 403
    assert "contributes only to the objectives it is named on" in response.text
    assert not ProgressUpdate.objects.exists()


def test_belgium_named_on_no_objective_writes_on_none(login, partners, q1):
    response = login(partners.bea).post(
        f"/objectives/{partners.partnership.pk}/updates/new/", draft(q1)
    )
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_the_service_refuses_too(partners, q1):
    from commitments import services

    with pytest.raises(Exception, match="named on"):
        services.create_update(
            actor=partners.nils,
            membership=partners.nils.membership,
            objective=partners.overdoses,
            period=q1,
            status="on_track",
            narrative="Forged past the form.",
            evidence_links=[],
        )
    assert not ProgressUpdate.objects.exists()


def test_the_write_button_is_offered_only_where_the_partner_is_named(login, partners):
    client = login(partners.nils)
    write = f"/objectives/{partners.partnership.pk}/updates/new/"
    assert write in client.get(partners.partnership.get_absolute_url()).text
    other = client.get(partners.overdoses.get_absolute_url()).text
    assert f"/objectives/{partners.overdoses.pk}/updates/new/" not in other


def test_members_still_write_on_every_objective(cast, partners):
    assert policy.may_write_update_for(cast.alice, partners.overdoses)
    assert policy.may_write_update_for(cast.alice, partners.partnership)


def test_partners_are_missing_and_reminded_only_where_named(cast, partners):
    cast.alice.email = "alice@example.org"
    cast.alice.save()
    q1 = ReportingPeriod.objects.get(name="2024 Q1")
    netherlands = partners.nils.membership.country
    belgium = partners.bea.membership.country
    assert list(reminders.missing_objectives(q1, netherlands)) == [partners.partnership]
    assert not reminders.missing_objectives(q1, belgium).exists()
    assert reminders.missing_objectives(q1, cast.alice.membership.country).count() == 9
    outcomes = reminders.send_all(datetime.date(2024, 4, 10))
    recipients = {message.to[0]: message for message in mail.outbox}
    assert "bea@example.org" not in recipients
    assert "nils@example.org" in recipients
    assert "alice@example.org" in recipients
    assert outcomes["sent"] == 2
    body = recipients["nils@example.org"].body
    assert partners.partnership.title in body
    assert partners.overdoses.title not in body


@pytest.fixture
def contribution(partners, q1, make_update):
    return make_update(
        author=partners.nils,
        objective=partners.partnership,
        narrative="Dutch liaison officers shared what they learned.",
    )


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Partner contributions"),
        ("es", "Contribuciones de los países socios"),
        ("fr", "Contributions des pays partenaires"),
    ],
)
def test_a_published_contribution_shows_wherever_the_objective_does(
    login, cast, partners, contribution, language, heading
):
    client = login(cast.uma)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    dashboard = client.get("/").text
    assert heading in dashboard
    assert contribution.get_absolute_url() in dashboard
    objective_page = client.get(partners.partnership.get_absolute_url()).text
    assert heading in objective_page
    assert contribution.get_absolute_url() in objective_page
    netherlands = client.get("/countries/nl/").text
    assert contribution.get_absolute_url() in netherlands
    # The Netherlands' page lists the objectives it is named on, not the others.
    assert partners.partnership.get_absolute_url() in netherlands
    assert f'href="{partners.overdoses.get_absolute_url()}"' not in netherlands


def test_partners_are_never_counted_as_missing_on_the_dashboard(login, cast, partners):
    response = login(cast.carol).get("/")
    page = response.text
    assert "reports are overdue or still owed" in page
    owed = {item.country.code for item in response.context["overview"].missing}
    assert owed and owed <= {"CA", "MX", "US"}
    assert "— Netherlands" not in page
    assert "— Belgium" not in page


def test_a_draft_contribution_stays_out_of_the_partner_note(login, cast, partners, make_update):
    draft_update = make_update(author=partners.nils, objective=partners.partnership, state="draft")
    page = login(cast.uma).get("/").text
    assert draft_update.get_absolute_url() not in page
