"""The reason a coordinator gave for returning an update is shown where its official acts
on it: at the top of the update's page, above the actions, and on its edit form."""

import pytest
from django.conf import settings
from django.urls import reverse

from commitments import services
from commitments.models import ProgressUpdate

pytestmark = pytest.mark.django_db

FIRST = "Give the number of kits distributed"
SECOND = "The Ontario totals still do not match the annex"


@pytest.fixture
def returned(cast, make_update):
    """Canada's update, returned twice: the second reason is the one in force."""
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    for reason in (FIRST, SECOND):
        update = services.submit_update(
            actor=cast.alice, update=update, loaded_version=update.version
        )
        update = services.return_update(
            actor=cast.carol, update=update, loaded_version=update.version, reason=reason
        )
    return update


def test_the_update_page_shows_the_reason_in_force_above_the_actions(login, cast, returned):
    html = login(cast.alice).get(returned.get_absolute_url()).text
    top = html.index('class="return-reason"')
    assert html.index("see the reason below") < top < html.index('id="actions-heading"')
    assert SECOND in html[top : html.index('id="actions-heading"')]
    assert FIRST not in html[top : html.index('id="actions-heading"')]
    # The whole conversation is still under "Discussion".
    assert FIRST in html[html.index('id="comments-heading"') :]


def test_the_edit_form_shows_the_reason_above_the_form(login, cast, returned):
    html = login(cast.alice).get(reverse("update_edit", args=[returned.pk])).text
    assert SECOND in html
    assert html.index('class="return-reason"') < html.index(
        '<form method="post" enctype="multipart/form-data" novalidate'
    )
    # Who gave it, as the page names people (carol has no full name).
    assert "From carol," in html


def test_no_reason_once_the_update_is_submitted_again(login, cast, returned):
    update = services.submit_update(
        actor=cast.alice, update=returned, loaded_version=returned.version
    )
    html = login(cast.alice).get(update.get_absolute_url()).text
    assert 'class="return-reason"' not in html


def test_a_draft_never_returned_shows_no_reason(login, cast, make_update):
    update = make_update(author=cast.alice, state=ProgressUpdate.State.DRAFT)
    html = login(cast.alice).get(reverse("update_edit", args=[update.pk])).text
    assert 'class="return-reason"' not in html


def test_another_countrys_official_never_reaches_the_reason(login, cast, returned):
    client = login(cast.bob)
    assert client.get(returned.get_absolute_url()).status_code == 404
    assert client.get(reverse("update_edit", args=[returned.pk])).status_code == 404


@pytest.mark.parametrize(
    "language, heading", [("es", "Motivo de la devolución"), ("fr", "Motif du renvoi")]
)
def test_the_reason_is_introduced_in_the_readers_language(login, cast, returned, language, heading):
    client = login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in (returned.get_absolute_url(), reverse("update_edit", args=[returned.pk])):
        html = client.get(url).text
        assert f'<html lang="{language}">' in html
        assert heading in html[html.index('class="return-reason"') :]
