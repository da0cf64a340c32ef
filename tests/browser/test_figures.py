"""Figures in a real browser: an official sets a target, enters a value with a report (a
refused one first), the coordinator publishes it, and the objective page charts it with
its table; a Mexican official types a Spanish number; no axe violation on the way."""

import datetime
from decimal import Decimal

from django.urls import reverse
from playwright.sync_api import expect

from commitments.models import (
    Country,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    ProgressUpdate,
)
from tests.browser.conftest import BROWSER_DB, axe_violations, sign_in

pytestmark = BROWSER_DB


def test_an_official_enters_a_value_and_it_is_charted_once_published(
    new_page, cast, objective, kits, axe_source
):
    Milestone.objects.create(
        objective=objective,
        country=Country.objects.get(code="CA"),
        title="Naloxone in every pharmacy",
        due_on=datetime.date(2024, 6, 30),
        owner="Health Canada",
    )
    page = sign_in(new_page(), cast.alice)
    page.goto(objective.get_absolute_url())
    page.get_by_role("link", name="Baselines, targets and milestones of Canada").click()
    page.get_by_label("Baseline", exact=True).fill("10,000")
    page.get_by_label("Baseline year").fill("2023")
    page.get_by_label("Target", exact=True).fill("15,000")
    page.get_by_label("Target date").fill("2024-12-31")
    page.get_by_role("button", name="Save baselines and targets").click()
    expect(page.get_by_role("status")).to_contain_text("baselines and targets were saved")
    assert IndicatorTarget.objects.get().target == 15000

    page.goto(objective.get_absolute_url())
    page.get_by_role("link", name="Write an update for Canada").click()
    page.get_by_label("On track", exact=True).check()
    page.get_by_label("Narrative", exact=True).fill("Kits went out to every province.")
    field = page.get_by_label("Naloxone kits distributed (kits)")
    expect(page.locator("fieldset.figures")).to_contain_text("Target: 15,000")
    field.fill("12,500 kits")
    page.get_by_label("Naloxone in every pharmacy (due").check()
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="Save draft").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("“12,500 kits” is not a number")
    expect(summary).to_be_focused()
    assert not ProgressUpdate.objects.exists()
    assert axe_violations(page, axe_source) == []

    page.get_by_label("Naloxone kits distributed (kits)").fill("12,500")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft was saved.")
    expect(page.locator(".figures-table")).to_contain_text("12,500")
    page.get_by_role("button", name="Submit for review").click()
    update = ProgressUpdate.objects.get()
    assert IndicatorValue.objects.get(update=update, indicator=kits).value == 12500

    coordinator = sign_in(new_page(), cast.carol)
    coordinator.goto(update.get_absolute_url())
    coordinator.get_by_role("link", name="Publish this update").click()
    coordinator.get_by_role("button", name="Yes, publish it").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Published")

    reader = sign_in(new_page(), cast.bob)
    reader.goto(objective.get_absolute_url())
    table = reader.get_by_role("table", name="Naloxone kits distributed by country")
    expect(table).to_contain_text("12,500")
    expect(table).to_contain_text("15,000")
    expect(reader.locator(".indicator-chart").first).to_contain_text("Canada")
    expect(reader.get_by_role("table", name="Canada: 1 of 1 milestone met")).to_be_visible()
    assert axe_violations(reader, axe_source) == []


def test_a_mexican_official_types_a_spanish_number(new_page, cast, objective, kits):
    page = sign_in(new_page(), cast.bob)
    page.get_by_role("button", name="español").click()
    page.goto(reverse("update_create", args=[objective.pk]))
    page.get_by_label("Conforme a lo programado", exact=True).check()
    page.get_by_label("Descripción", exact=True).fill("Se entregaron kits en todo el país.")
    page.get_by_label("Kits de naloxona distribuidos (kits)").fill("1.234,5")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator(".figures-table")).to_contain_text("1.234,5")
    assert IndicatorValue.objects.get(indicator=kits).value == Decimal("1234.5")


def test_a_coordinator_enters_the_figures_of_a_report_mexico_sent(
    new_page, cast, objective, kits, axe_source
):
    """Mexico's note gives its value and a milestone met: the coordinator chooses Mexico
    and the objective, then types them in Spanish with the report."""
    milestone = Milestone.objects.create(
        objective=objective,
        country=Country.objects.get(code="MX"),
        title="Naloxona en cada farmacia",
        due_on=datetime.date(2024, 6, 30),
        owner="SSA",
    )
    page = sign_in(new_page(), cast.carol)
    page.get_by_role("button", name="español").click()
    page.goto(reverse("update_on_behalf"))
    page.get_by_label("País que envió el reporte").select_option(label="México")
    page.get_by_label("Objetivo").select_option(str(objective.pk))
    page.get_by_role("button", name="Continuar").click()
    figures = page.locator("fieldset.figures")
    expect(figures).to_contain_text("Kits de naloxona distribuidos (kits)")
    page.get_by_label("Periodo de reporte").select_option(label="T1 2024")
    page.get_by_label("En riesgo", exact=True).check()
    page.get_by_label("Descripción", exact=True).fill("Capacitación aduanera retrasada.")
    page.get_by_label("Kits de naloxona distribuidos (kits)").fill("1.234,5")
    page.get_by_label("Naloxona en cada farmacia (").check()
    page.get_by_label("Nota diplomática").check()
    page.get_by_label("Referencia de la fuente").fill("Nota No. 0117/2025")
    page.get_by_label("Fecha de la nota o del correo").fill("2025-01-17")
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="Publicar en nombre del país").click()
    expect(page.locator(".figures-table")).to_contain_text("1.234,5")
    update = ProgressUpdate.objects.get()
    assert update.entered_on_behalf and update.state == "published"
    assert IndicatorValue.objects.get(update=update, indicator=kits).value == Decimal("1234.5")
    assert list(update.milestones_met.all()) == [milestone]
