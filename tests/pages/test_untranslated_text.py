"""No English on a Spanish or French page.

Three nets, each able to catch what the others miss:

- every call of the code's translation functions goes by a name message extraction sees
  (an alias such as ``gettext_lazy as _lazy`` is invisible to ``makemessages``, so its
  strings never reach the catalogues);
- every message the workflow shows, produced through the pages in each language, differs
  from the English one;
- every page of the URL sweep, drawn in Spanish and French for each role, looks up no
  string the catalogues lack.
"""

import ast
import re
import uuid
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real
from django.utils.translation.trans_real import DjangoTranslation

from commitments.models import Country, Meeting, Objective, ProgressUpdate
from tests.support.urls import MATRIX, ROLES, url_for

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)

# The names ``makemessages`` (xgettext's Python keywords and Django's own) extracts from.
EXTRACTED = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


def python_sources():
    for folder in ("commitments", "nadd"):
        yield from (BASE / folder).rglob("*.py")


def test_every_translation_function_goes_by_a_name_extraction_sees():
    """``from django.utils.translation import gettext_lazy as _lazy`` hides every string
    passed to ``_lazy`` from the catalogues: only ``_`` and the functions' own names are
    extracted, and ``_`` only for ``gettext`` or ``gettext_lazy``."""
    hidden = []
    for path in python_sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    name = alias.asname or alias.name
                    if alias.name not in EXTRACTED:
                        continue
                    if name == "_" and alias.name in {"gettext", "gettext_lazy"}:
                        continue
                    if name != alias.name:
                        hidden.append(
                            f"{path.relative_to(BASE)}:{node.lineno} {alias.name} as {name}"
                        )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("django.utils.translation") and alias.asname:
                        hidden.append(f"{path.relative_to(BASE)}:{node.lineno} {alias.name}")
    assert not hidden, "makemessages does not see these names:\n" + "\n".join(hidden)


# -- every message of the workflow, in each language ---------------------------------------

MESSAGE = re.compile(r'<p class="message message-[a-z ]*">(.*?)</p>', re.S)


def shown_messages(response):
    return [unescape(text).strip() for text in MESSAGE.findall(response.text)]


def client_for(user, language):
    user.membership.language = language
    user.membership.save()
    client = Client()
    client.force_login(user)
    return client


def workflow_messages(cast, language):
    """Every message an official's and a coordinator's steps show, in order, taken through
    the pages in ``language``."""
    alice, carol = client_for(cast.alice, language), client_for(cast.carol, language)
    objectives = list(Objective.objects.filter(objective_set__year=2024).order_by("number"))
    shown = []

    def post(client, url, data):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        messages = shown_messages(response)
        # A review step also says where it leads next (the next update in the queue).
        assert 1 <= len(messages) <= 2, (url, messages)
        shown.extend(messages)

    def step(client, name, update, **data):
        update.refresh_from_db()
        post(client, reverse(name, args=[update.pk]), {"version": update.version, **data})

    def draft(objective):
        created = {
            "period": objective.objective_set.periods.order_by("starts_on").first().pk,
            "status": "on_track",
            "narrative": "Kits distributed.",
            "language": "en",
            "token": uuid.uuid4(),
        }
        post(alice, reverse("update_create", args=[objective.pk]), created)
        return ProgressUpdate.objects.filter(objective=objective).latest("pk")

    first = draft(objectives[0])
    step(
        alice,
        "update_edit",
        first,
        period=first.period_id,
        status="at_risk",
        narrative="Kits distributed in three provinces.",
        language="en",
    )
    step(alice, "update_submit", first)
    step(carol, "update_return", first, reason="Add the figures.")
    step(alice, "update_submit", first)
    step(carol, "update_publish", first)
    step(carol, "update_comment", first, body="Thank you.", token=uuid.uuid4())
    withdrawn = draft(objectives[1])
    step(alice, "update_withdraw", withdrawn)
    several = [draft(objectives[2]), draft(objectives[3])]
    batch = {"update": [str(update.pk) for update in several]}
    batch.update({f"version-{update.pk}": str(update.version) for update in several})
    post(alice, reverse("update_submit_batch"), batch)
    batch.update({f"version-{update.pk}": str(update.version + 1) for update in several})
    post(carol, reverse("review_publish_batch"), {**batch, "confirmed": "yes"})
    post(
        carol,
        reverse("update_on_behalf"),
        {
            "country": cast.bob.membership.country_id,
            "objective": objectives[4].pk,
            "period": several[0].period_id,
            "status": "at_risk",
            "narrative": "Customs training delayed.",
            "language": "es",
            "source_kind": "email",
            "source_reference": "Embassy",
            "source_date": "2025-01-17",
            "token": str(uuid.uuid4()),
        },
    )
    post(carol, reverse("open_dashboard_on", args=[2024]), {})
    return shown


def test_every_workflow_message_is_translated(cast):
    english = workflow_messages(cast, "en")
    assert english[2] == "Submitted for review. A coordinator will publish or return it."
    for language in ("es", "fr"):
        translated = workflow_messages(cast, language)
        assert len(translated) == len(english)
        same = [
            text for text, original in zip(translated, english, strict=True) if text == original
        ]
        assert not same, f"{language}: shown in English: {same}"


# -- every page, in Spanish and French, for each role ---------------------------------------


class Misses(dict):
    """The strings looked up in Spanish or French that no catalogue holds, each with the
    first page that asked for it."""

    page = None

    def record(self, translation, message):
        # A string translated already and looked up again (Django's language list
        # does so) is no miss.
        if message not in self.translations(translation):
            self.setdefault((translation.language(), message), self.page)

    @staticmethod
    def translations(translation):
        if not hasattr(translation, "_translated_values"):
            values = set()
            for catalogue in translation._catalog._catalogs:
                values.update(catalogue.values())
            translation._translated_values = values
        return translation._translated_values


@pytest.fixture
def misses(monkeypatch):
    missed = Misses()
    gettext, ngettext = DjangoTranslation.gettext, DjangoTranslation.ngettext

    def looking_up(self, message):
        if self.language() != "en" and message not in self._catalog:
            missed.record(self, message)
        return gettext(self, message)

    def looking_up_plural(self, singular, plural, number):
        if self.language() != "en":
            try:
                self._catalog.plural(singular, number)
            except KeyError:
                missed.record(self, singular)
        return ngettext(self, singular, plural, number)

    monkeypatch.setattr(DjangoTranslation, "gettext", looking_up)
    monkeypatch.setattr(DjangoTranslation, "ngettext", looking_up_plural)
    yield missed
    for language in ("es", "fr"):
        trans_real.translation(language).__dict__.pop("_translated_values", None)


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_page_looks_up_only_translated_strings(cast, sample, misses, language):
    meeting = Meeting.objects.get(ordinal=8)
    sample = {**sample, "meeting_pk": meeting.pk}
    for role in ROLES[1:]:
        user = getattr(cast, role)
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        for name, answers in MATRIX.items():
            if answers[role] == 200 and not name.startswith("api_") and name != "livez":
                misses.page = f"{role} {url_for(name, sample)}"
                client.get(url_for(name, sample))
        if role == "carol":  # a report on Canada's behalf, with its figures: a second step
            canada = Country.objects.get(code="CA")
            misses.page = url = (
                f"{reverse('update_on_behalf')}?country={canada.pk}"
                f"&objective={sample['objective_pk']}"
            )
            assert "milestones_met" in client.get(url).context["form"].fields
    assert not misses, f"{language}: not in the catalogues: {misses}"


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_admin_page_looks_up_only_translated_strings(cast, misses, language):
    """The admin's index, and each registered model's list and add form: Django's words,
    the libraries' and ours (Django's Spanish catalogue and the libraries' lack some;
    commitments/admin_fixes.py names those for our catalogues)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(cast.dave)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        names = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{names}_changelist"), reverse(f"{names}_add")]
    for url in urls:
        misses.page = url
        client.get(url)
    assert not misses, f"{language}: not in the catalogues: {misses}"
