"""A page that is not for its reader says so plainly, with what they can do instead: the
admin for anyone but an administrator, another country's update's edit page for an
official who may read that update. Where the thing itself must stay invisible (another
country's draft), the answer stays a bare 404."""

import html

import pytest
from django.conf import settings
from django.urls import reverse

from commitments.models import ProgressUpdate

pytestmark = pytest.mark.django_db


def text_of(response):
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("path", ["/admin/", "/admin/commitments/objective/", "/admin/auth/user/"])
def test_a_coordinator_opening_the_admin_is_told_it_is_not_for_them(client, cast, path):
    client.force_login(cast.carol)
    response = client.get(path)
    assert response.status_code == 403
    page = text_of(response)
    assert "Your role does not use them." in page
    assert 'name="password"' not in page  # not the sign-in form
    assert "What you can do instead" in page
    assert reverse("review_queue") in page


def test_an_official_opening_the_admin_is_offered_their_country(client, cast):
    client.force_login(cast.alice)
    page = text_of(client.get("/admin/"))
    assert reverse("country_detail", args=["ca"]) in page
    assert reverse("review_queue") not in page


def test_a_post_to_the_admin_by_a_coordinator_changes_nothing(client, cast):
    client.force_login(cast.carol)
    response = client.post("/admin/commitments/country/add/", {"name": "Atlantis", "code": "AT"})
    assert response.status_code == 403


def test_an_anonymous_visitor_is_still_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302


def test_the_admin_navigation_link_follows_the_role(client, cast):
    client.force_login(cast.dave)
    assert f'href="{reverse("admin:index")}"' in client.get(reverse("dashboard")).text
    client.force_login(cast.carol)
    assert f'href="{reverse("admin:index")}"' not in client.get(reverse("dashboard")).text


def test_another_countrys_published_update_edit_page_says_why(client, cast, make_update):
    published = make_update(author=cast.alice)
    client.force_login(cast.bob)
    response = client.get(reverse("update_edit", args=[published.pk]))
    assert response.status_code == 403
    page = text_of(response)
    assert "This update is Canada's: only its officials can edit it." in page
    assert f'href="{published.get_absolute_url()}">Read this update</a>' in page
    assert reverse("country_detail", args=["mx"]) in page
    # A forged POST is refused the same way and changes nothing.
    response = client.post(
        reverse("update_edit", args=[published.pk]),
        {"status": "completed", "narrative": "Hijacked", "version": published.version},
    )
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.narrative != "Hijacked"


def test_another_countrys_draft_stays_invisible(client, cast, make_update):
    draft = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    client.force_login(cast.bob)
    response = client.get(reverse("update_edit", args=[draft.pk]))
    assert response.status_code == 404
    assert "edit it" not in text_of(response)
    assert draft.narrative not in text_of(response)


def test_the_own_countrys_update_still_opens(client, cast, make_update):
    draft = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    client.force_login(cast.alice)
    assert client.get(reverse("update_edit", args=[draft.pk])).status_code == 200


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("es", "Lo que puede hacer en su lugar"),
        ("fr", "Ce que vous pouvez faire à la place"),
    ],
)
def test_the_refusal_in_spanish_and_french(client, cast, make_update, language, said):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(cast.carol)
    assert said in text_of(client.get("/admin/"))
