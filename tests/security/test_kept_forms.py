"""Typed text is never lost to the session timeout: a form posted after the session ended
is kept for the same person, put back after they sign in again, and the pages say what
happened (commitments/kept_forms.py); signed-in pages warn before the end and offer to stay
signed in (context_processors.session_timeout, views.accounts.session_extend)."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from commitments import kept_forms
from commitments.models import Comment, Country, Indicator, Milestone, ProgressUpdate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2024, 10, 7, 9, 0, tzinfo=datetime.UTC)
NARRATIVE = "Eight hundred and eighty characters of careful work " * 3


def csrf_token(client):
    """The token a page's forms carry (the secret in the cookie is accepted as well)."""
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def sign_in(client, user, next_url):
    """Sign in through the sign-in form, as a person would, and follow to ``next``."""
    client.get(reverse("login"))
    response = client.post(
        reverse("login"),
        {
            "username": user.username,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": csrf_token(client),
        },
    )
    assert response.status_code == 302, response.content[:500]
    return client.get(response.url)


def textarea(html, name):
    found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    return found.group(1) if found else None


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def clock():
    """The test's clock, moved by hand (``clock.shift``)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def create_url(objective):
    return reverse("update_create", args=[objective.pk])


@pytest.fixture
def post_after_idle(clock):
    def post(browser, user, url, data, minutes=31):
        """Sign in, open ``url``, stay idle ``minutes`` and post ``data`` to it."""
        sign_in(browser, user, url)
        token = csrf_token(browser)
        clock.shift(datetime.timedelta(minutes=minutes))
        return browser.post(url, {**data, "csrfmiddlewaretoken": token})

    return post


def test_a_narrative_posted_after_the_idle_timeout_comes_back_after_sign_in(
    browser, cast, q1, create_url, post_after_idle
):
    response = post_after_idle(
        browser,
        cast.alice,
        create_url,
        {"period": q1.pk, "status": "at_risk", "narrative": NARRATIVE, "token": "", "x": "y"},
    )
    # Nothing saved; the browser is sent to sign in, then back to the form.
    assert not ProgressUpdate.objects.exists()
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={create_url.replace('/', '%2F')}"
    login_page = browser.get(response.url).text
    assert "You were signed out after 30 minutes without activity" in login_page
    assert "What you were saving was kept." in login_page
    assert NARRATIVE not in login_page  # kept on the server, never sent back before sign-in

    # Only the form's own fields are kept: never the CSRF token, nor anything added.
    kept = browser.session[kept_forms.KEPT_FORM]
    assert set(kept["data"]) == {"period", "status", "narrative", "token"}
    assert kept["user"] == cast.alice.pk

    form = sign_in(browser, cast.alice, create_url).text
    assert textarea(form, "narrative") == NARRATIVE
    assert re.search(r'value="at_risk"[^>]*checked', form)
    assert "What you typed was kept and is back in the form below" in form
    # Taken once: the next visit shows an empty form.
    again = browser.get(create_url).text
    assert NARRATIVE not in again
    assert "What you typed was kept" not in again
    assert kept_forms.KEPT_FORM not in browser.session


def test_the_kept_form_is_saved_only_when_its_author_saves_it(
    browser, cast, q1, create_url, post_after_idle
):
    post_after_idle(
        browser, cast.alice, create_url, {"period": q1.pk, "status": "on_track", "narrative": "X"}
    )
    sign_in(browser, cast.alice, create_url)
    assert not ProgressUpdate.objects.exists()
    response = browser.post(
        create_url,
        {
            "period": q1.pk,
            "status": "on_track",
            "narrative": "X",
            "csrfmiddlewaretoken": csrf_token(browser),
        },
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.get().narrative == "X"


def test_another_person_signing_in_on_that_browser_never_gets_it(
    browser, cast, q1, create_url, post_after_idle
):
    post_after_idle(
        browser,
        cast.alice,
        create_url,
        {"period": q1.pk, "status": "at_risk", "narrative": NARRATIVE},
    )
    # Canada's colleague signs in on the same computer: nothing of Alice's text for him.
    colleague = type(cast.alice).objects.create_user("claude", password=PASSWORD)
    from commitments.models import Membership  # noqa: PLC0415

    Membership.objects.create(
        user=colleague, role="official", country=cast.alice.membership.country
    )
    page = sign_in(browser, colleague, create_url).text
    assert NARRATIVE not in page
    assert "What you typed was kept" not in page
    # Discarded at that sign-in: Alice signing in later on this browser gets nothing.
    assert kept_forms.KEPT_FORM not in browser.session
    browser.post(reverse("logout"), {"csrfmiddlewaretoken": csrf_token(browser)})
    assert NARRATIVE not in sign_in(browser, cast.alice, create_url).text


def test_a_forged_kept_form_for_another_user_is_not_restored(client, cast, q1, create_url):
    # Even if a session held a form kept for someone else, the page checks whose it is.
    client.force_login(cast.alice)
    session = client.session
    session[kept_forms.KEPT_FORM] = {
        "user": cast.bob.pk,
        "path": create_url,
        "data": {"narrative": [NARRATIVE]},
        "at": datetime.datetime.now().timestamp(),
    }
    session.save()
    assert NARRATIVE not in client.get(create_url).text


def test_a_kept_form_expires(browser, cast, q1, create_url, post_after_idle, clock):
    post_after_idle(
        browser,
        cast.alice,
        create_url,
        {"period": q1.pk, "status": "at_risk", "narrative": NARRATIVE},
    )
    clock.shift(datetime.timedelta(seconds=settings.KEPT_FORM_MAX_AGE + 1))
    page = sign_in(browser, cast.alice, create_url).text
    assert NARRATIVE not in page


def test_the_csrf_check_still_holds(browser, cast, q1, create_url):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(browser, cast.alice, create_url)
        traveller.shift(datetime.timedelta(minutes=31))
        response = browser.post(
            create_url,
            {"narrative": NARRATIVE, "csrfmiddlewaretoken": "forged" * 8},
        )
    assert response.status_code == 403
    assert kept_forms.KEPT_FORM not in browser.session


def test_a_browser_whose_session_ended_otherwise_keeps_nothing(browser, cast, q1, create_url):
    # Signed out on purpose (or by an administrator): no one is named, nothing is kept.
    sign_in(browser, cast.alice, create_url)
    browser.post(reverse("logout"), {"csrfmiddlewaretoken": csrf_token(browser)})
    response = browser.post(
        create_url, {"narrative": NARRATIVE, "csrfmiddlewaretoken": csrf_token(browser)}
    )
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert kept_forms.KEPT_FORM not in browser.session
    assert "You were signed out after" not in browser.get(reverse("login")).text


def test_an_edit_comes_back_with_the_version_it_was_typed_on(
    browser, cast, make_update, q1, post_after_idle
):
    update = make_update(author=cast.alice, state="draft")
    url = reverse("update_edit", args=[update.pk])
    post_after_idle(
        browser,
        cast.alice,
        url,
        {"period": q1.pk, "status": "off_track", "narrative": NARRATIVE, "version": "1"},
    )
    # Meanwhile a colleague saved a new version.
    ProgressUpdate.objects.filter(pk=update.pk).update(version=2, narrative="Theirs")
    page = sign_in(browser, cast.alice, url).text
    assert NARRATIVE in page
    assert 'name="version" value="1"' in page
    # Saving it is a conflict like any other: both texts shown, nothing overwritten.
    response = browser.post(
        url,
        {
            "period": q1.pk,
            "status": "off_track",
            "narrative": NARRATIVE,
            "version": "1",
            "csrfmiddlewaretoken": csrf_token(browser),
        },
    )
    assert response.status_code == 409
    assert ProgressUpdate.objects.get(pk=update.pk).narrative == "Theirs"


def test_a_comment_comes_back_on_the_update_page(browser, cast, make_update, clock):
    update = make_update(author=cast.alice, state="draft")
    sign_in(browser, cast.alice, update.get_absolute_url())
    token = csrf_token(browser)
    clock.shift(datetime.timedelta(minutes=45))
    response = browser.post(
        reverse("update_comment", args=[update.pk]),
        {"body": "A long comment", "csrfmiddlewaretoken": token},
    )
    # Back to the page with the comment form, not to the address the form posts to.
    assert response.url.endswith(f"?next=%2Fupdates%2F{update.pk}%2F")
    page = sign_in(browser, cast.alice, update.get_absolute_url()).text
    assert textarea(page, "body") == "A long comment"
    assert not Comment.objects.exists()


def test_the_twelve_hour_limit_says_so_and_keeps_the_form(browser, cast, q1, create_url):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(browser, cast.alice, create_url)
        for _ in range(12 * 4):
            traveller.shift(datetime.timedelta(minutes=15))
            assert browser.get(reverse("dashboard")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=1))
        response = browser.post(
            create_url,
            {"narrative": NARRATIVE, "period": q1.pk, "csrfmiddlewaretoken": csrf_token(browser)},
        )
        login_page = browser.get(response.url).text
        assert "every session ends 12 hours after sign-in" in login_page
        assert NARRATIVE in sign_in(browser, cast.alice, create_url).text


# --- the warning before the end ------------------------------------------------------------


def test_signed_in_pages_carry_the_warning_with_the_time_left(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        traveller.shift(datetime.timedelta(minutes=10))
        html = client.get(reverse("dashboard")).text
    assert '<dialog id="session-timeout"' in html
    assert 'data-idle="1800"' in html  # the request itself was activity
    assert 'data-absolute="42600"' in html  # 12 hours less the 10 minutes
    assert f'data-warning="{settings.SESSION_TIMEOUT_WARNING}"' in html
    assert "js/session_timeout.js" in html
    assert "Stay signed in" in html
    # Not for a visitor who is not signed in.
    client.logout()
    assert "session-timeout" not in client.get(reverse("login")).text


def test_stay_signed_in_keeps_the_session_going(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        traveller.shift(datetime.timedelta(minutes=26))
        answer = client.post(reverse("session_extend"), HTTP_ACCEPT="application/json")
        assert answer.json()["idle"] == 30 * 60
        traveller.shift(datetime.timedelta(minutes=26))
        assert client.get(reverse("dashboard")).status_code == 200
        # Without the script, the form goes back to the page it was on.
        back = client.post(reverse("session_extend"), {"next": reverse("objective_list")})
        assert back.status_code == 302 and back.url == reverse("objective_list")
        offsite = client.post(reverse("session_extend"), {"next": "https://evil.example/"})
        assert offsite.url == reverse("dashboard")


def test_stay_signed_in_cannot_revive_an_ended_session(client, cast):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(cast.alice)
        traveller.shift(datetime.timedelta(minutes=31))
        answer = client.post(reverse("session_extend"), HTTP_ACCEPT="application/json")
        assert answer.status_code == 302 and answer.url.startswith(reverse("login"))
        assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.parametrize(
    "language, warning, signed_out, kept",
    [
        (
            "es",
            "Mantener la sesión iniciada",
            "Se cerró su sesión tras 30 minutos sin actividad",
            "Lo que escribió se conservó",
        ),
        (
            "fr",
            "Rester connecté",
            "Vous avez été déconnecté après 30 minutes d&#x27;inactivité",
            "Ce que vous aviez tapé a été conservé",
        ),
    ],
)
def test_the_warning_and_the_notices_in_spanish_and_french(
    browser, cast, q1, create_url, post_after_idle, language, warning, signed_out, kept
):
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = post_after_idle(
        browser, cast.alice, create_url, {"period": q1.pk, "narrative": NARRATIVE}
    )
    login_page = browser.get(response.url).text
    assert f'<html lang="{language}">' in login_page
    assert signed_out in login_page
    form = sign_in(browser, cast.alice, create_url).text
    assert warning in form
    assert kept in form


@pytest.fixture
def figures_of(objective):
    """Canada's naloxone kits indicator and milestone on the objective."""
    kits = Indicator.objects.create(
        objective=objective, number=1, name="Naloxone kits", definition="Kits.", unit="kits"
    )
    milestone = Milestone.objects.create(
        objective=objective,
        country=Country.objects.get(code="CA"),
        title="Naloxone in every pharmacy",
        due_on=datetime.date(2024, 6, 30),
        owner="Health Canada",
    )
    return kits, milestone


def test_an_updates_figures_come_back_with_it(
    browser, cast, q1, create_url, post_after_idle, figures_of
):
    kits, milestone = figures_of
    post_after_idle(
        browser,
        cast.alice,
        create_url,
        {
            "period": q1.pk,
            "status": "on_track",
            "narrative": NARRATIVE,
            f"value_{kits.pk}": "12,500",
            "milestones_met": [str(milestone.pk)],
            "value_x": "1",  # no figure's name: not kept
        },
    )
    kept = browser.session[kept_forms.KEPT_FORM]
    assert set(kept["data"]) == {
        "period",
        "status",
        "narrative",
        f"value_{kits.pk}",
        "milestones_met",
    }
    form = sign_in(browser, cast.alice, create_url).text
    assert f'name="value_{kits.pk}" value="12,500"' in form
    assert re.search(rf'name="milestones_met" value="{milestone.pk}"[^>]*checked', form)
    assert not ProgressUpdate.objects.exists()


def test_a_report_entered_on_a_countrys_behalf_comes_back_with_its_figures(
    browser, cast, objective, q1, post_after_idle, figures_of
):
    kits, milestone = figures_of
    url = reverse("update_on_behalf")
    post_after_idle(
        browser,
        cast.carol,
        url,
        {
            "country": milestone.country_id,
            "objective": objective.pk,
            "period": q1.pk,
            "status": "at_risk",
            "narrative": NARRATIVE,
            "source_kind": "email",
            "source_reference": "From the embassy",
            "source_date": "2024-04-02",
            f"value_{kits.pk}": "12,500",
            "milestones_met": [str(milestone.pk)],
        },
    )
    form = sign_in(browser, cast.carol, url).text
    assert textarea(form, "narrative") == NARRATIVE
    assert f'name="value_{kits.pk}" value="12,500"' in form
    assert re.search(rf'name="milestones_met" value="{milestone.pk}"[^>]*checked', form)
    assert 'value="From the embassy"' in form
    assert not ProgressUpdate.objects.exists()
