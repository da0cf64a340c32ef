"""Evidence files and the assessment in Spanish and French: the pages, the messages of a
refused file, and the scale's definitions."""

import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from commitments import assessments
from commitments.models import Country
from tests.evidence.test_feed_and_exports import final_assessment
from tests.support.evidence import exe_bytes, upload

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def no_update_rate_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "update_create": (10_000, 3600, "user")}


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    ("language", "attach", "program"),
    [
        ("es", "Adjuntar archivos", "Este archivo es un programa"),
        ("fr", "Joindre des fichiers", "Ce fichier est un programme"),
    ],
)
def test_the_update_forms_files_in_spanish_and_french(
    login, cast, objective, q1, language, attach, program
):
    client = in_language(login(cast.alice), language)
    form = client.get(reverse("update_create", args=[objective.pk])).text
    assert attach in form
    response = client.post(
        reverse("update_create", args=[objective.pk]),
        {
            "period": q1.pk,
            "status": "on_track",
            "narrative": "x",
            "token": uuid.uuid4(),
            "evidence-files": [upload("a.pdf", exe_bytes())],
        },
    )
    assert response.status_code == 400
    assert program in response.text


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", ["Evaluación de la secretaría", "Cumplimiento total", "Cumplimiento por país"]),
        ("fr", ["Évaluation du secrétariat", "Conformité totale", "Conformité par pays"]),
    ],
)
def test_the_assessment_pages_in_spanish_and_french(login, cast, language, words):
    final = final_assessment(cast, reply="Respuesta.")
    client = in_language(login(cast.bob), language)
    overview = client.get(reverse("assessment_overview")).text
    page = client.get(final.get_absolute_url()).text
    for word in words:
        assert word in overview or word in page, word
    if language == "fr":
        assert f"Télécharger{NBSP}:" in overview
        csv_text = client.get(reverse("assessment_export_csv")).content.decode("utf-8-sig")
        assert "Conformité totale" in csv_text and "Examen à mi-parcours" in csv_text
    # The definitions are published in the reader's language.
    definition = {"es": "El país ha hecho lo que pide", "fr": "Le pays a fait ce que demande"}
    assert definition[language] in overview


def test_a_draft_in_french_offers_the_reply(login, cast):
    canada = Country.objects.get(code="CA")
    made = final_assessment(cast)
    draft = assessments.save_draft(
        actor=cast.carol,
        objective=made.objective,
        country=canada,
        review="final",
        rating=0,
        rationale="Projet.",
    )
    page = in_language(login(cast.alice), "fr").get(draft.get_absolute_url()).text
    assert "Répondre au projet" in page and "Envoyer la réponse" in page
