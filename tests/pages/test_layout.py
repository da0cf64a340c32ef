"""The shared layout and form feedback: one base, no inline script or style, errors linked."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_loads_the_stylesheet_and_the_form_script_from_this_site(login, cast):
    response = login(cast.carol).get(reverse("dashboard"))
    text = response.text
    assert '<link rel="stylesheet" href="/static/css/app.css">' in text
    assert '<script src="/static/js/forms.js" defer></script>' in text
    assert "<script>" not in text and " style=" not in text
    assert finders.find("js/forms.js") and finders.find("css/app.css")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert 'class="skip-link" href="#main"' in text
    assert 'aria-current="page">Dashboard<' in text
    assert "Sign out" in text


def test_a_bad_submission_links_each_error_and_keeps_the_input(login, cast, objective):
    response = login(cast.alice).post(
        reverse("update_create", args=[objective.pk]),
        {"narrative": "Typed before the mistake", "evidence_links": "ftp://example.org/x"},
    )
    text = response.text
    assert response.status_code == 200
    assert 'id="error-summary"' in text and 'tabindex="-1"' in text
    for field in ["id_period", "id_status", "id_evidence_links"]:
        assert f'<a href="#{field}">' in text
    # The radio group announces its error too.
    assert '<fieldset aria-describedby="id_status_error">' in text
    assert "Typed before the mistake</textarea>" in text
    assert "ftp://example.org/x</textarea>" in text


def test_the_site_has_a_favicon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an icon file
    assert response["X-Content-Type-Options"] == "nosniff"
