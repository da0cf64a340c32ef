"""Admins write objectives in English, Spanish and French, and keep each set's priority
areas with the set: the objective form has every language field and the "official
translations" flag, the set's rows never save an objective without its text, and every
page that shows an objective's area shows the set's own area in the reader's language."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from commitments.models import AuditEntry, Objective, ObjectiveSet, PriorityArea
from tests.support.forms import form_data

pytestmark = pytest.mark.django_db


def test_the_migration_made_the_2024_themes_the_sets_priority_areas():
    objective_set = ObjectiveSet.objects.get(year=2024)
    areas = list(objective_set.areas.order_by("number"))
    assert [area.name for area in areas] == [
        "Current and emerging synthetic drugs",
        "Drug demand and public health",
        "Modes and methods of drug trafficking",
        "Illicit finance",
        "Firearms and drug trafficking",
        "International partnerships",
    ]
    assert all(area.name_es and area.name_fr for area in areas)
    assert not objective_set.objectives.filter(area=None).exists()
    assert objective_set.objectives.get(number=9).area.name == "Firearms and drug trafficking"
    assert [c.code for c in objective_set.objectives.get(number=5).partners.all()] == ["NL"]


def test_the_objective_form_has_every_language_and_the_official_flag(login, cast, objective):
    client = login(cast.dave)
    url = f"/admin/commitments/objective/{objective.pk}/change/"
    data = form_data(client.get(url).text, "objective_form")
    for name in ("title", "title_es", "title_fr", "text", "text_es", "text_fr", "area"):
        assert name in data, name
    data |= {
        "title_es": "Estrategia integral ante las sobredosis (revisada)",
        "text_fr": "Promouvoir une stratégie globale contre les surdoses",
        "translations_official": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.title_es == "Estrategia integral ante las sobredosis (revisada)"
    assert objective.text_fr == "Promouvoir une stratégie globale contre les surdoses"
    assert objective.translations_official
    entry = AuditEntry.objects.for_object(objective).get()
    assert set(entry.changes) >= {"title_es", "text_fr", "translations_official"}


def test_a_new_objective_is_written_in_three_languages(login, cast):
    client = login(cast.dave)
    data = form_data(client.get("/admin/commitments/objective/add/").text, "objective_form")
    objective_set = ObjectiveSet.objects.get(year=2024)
    data |= {
        "objective_set": objective_set.pk,
        "number": "10",
        "area": objective_set.areas.get(number=1).pk,
        "title": "Pill presses",
        "title_es": "Prensas de pastillas",
        "title_fr": "Presses à comprimés",
        "text": "Control pill presses",
        "text_es": "Controlar las prensas de pastillas",
        "text_fr": "Contrôler les presses à comprimés",
    }
    assert client.post("/admin/commitments/objective/add/", data).status_code == 302
    new = Objective.objects.get(objective_set=objective_set, number=10)
    assert (new.title_es, new.title_fr) == ("Prensas de pastillas", "Presses à comprimés")
    assert not new.translations_official
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(new.get_absolute_url(), headers={"accept-language": "fr"}).text
    assert "Presses à comprimés" in page
    assert "Drogues de synthèse actuelles et émergentes" in page  # its area, in French


def test_an_area_of_another_set_is_refused(login, cast, objective):
    other = ObjectiveSet.objects.create(year=2031, adopted_at=objective.objective_set.adopted_at)
    foreign = PriorityArea.objects.create(objective_set=other, number=1, name="Elsewhere")
    objective.area = foreign
    with pytest.raises(ValidationError) as refused:
        objective.full_clean()
    assert "area" in refused.value.message_dict


def test_the_sets_rows_require_the_text_and_edit_areas_in_three_languages(login, cast):
    client = login(cast.dave)
    objective_set = ObjectiveSet.objects.get(year=2024)
    url = f"/admin/commitments/objectiveset/{objective_set.pk}/change/"
    data = form_data(client.get(url).text, "objectiveset_form")
    index = int(data["objectives-TOTAL_FORMS"])
    data["objectives-TOTAL_FORMS"] = str(index + 1)
    data |= {
        f"objectives-{index}-number": "10",
        f"objectives-{index}-title": "No text given",
        f"objectives-{index}-is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # shown again with the error
    assert "This field is required." in response.text
    assert not objective_set.objectives.filter(number=10).exists()

    data = form_data(client.get(url).text, "objectiveset_form")
    area_index = int(data["areas-TOTAL_FORMS"])
    data["areas-TOTAL_FORMS"] = str(area_index + 1)
    data |= {
        f"areas-{area_index}-number": "7",
        f"areas-{area_index}-name": "Precursor chemicals",
        f"areas-{area_index}-name_es": "Precursores químicos",
        f"areas-{area_index}-name_fr": "Précurseurs chimiques",
    }
    assert client.post(url, data).status_code == 302
    area = objective_set.areas.get(number=7)
    assert (area.name_es, area.name_fr) == ("Precursores químicos", "Précurseurs chimiques")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Drug demand and public health"),
        ("es", "Demanda de drogas y salud pública"),
        ("fr", "Demande de drogues et santé publique"),
    ],
)
def test_the_pages_show_the_sets_own_area_in_the_readers_language(
    login, cast, objective, language, expected
):
    client = login(cast.alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert expected in client.get("/objectives/").text
    assert expected in client.get(objective.get_absolute_url()).text
