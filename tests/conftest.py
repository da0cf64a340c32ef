"""The cast every test uses, built once per test from the migrated reference data."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from hypothesis import settings as hypothesis_settings

from commitments.models import (
    Country,
    Indicator,
    Job,
    Meeting,
    Membership,
    Milestone,
    Objective,
    ProgressUpdate,
    ReportingPeriod,
)

# Background jobs: their files in a temporary folder, the worker run in the test.
pytest_plugins = ["tests.support.jobs", "tests.support.evidence"]

PASSWORD = "a-long-test-password-for-everyone"

# Property tests stay reproducible and leave no example database in the checkout.
hypothesis_settings.register_profile("nadd", database=None, derandomize=True)
hypothesis_settings.load_profile("nadd")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests sign in many times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language, whatever the one before switched on (a
    chart or e-mail built outside a request would otherwise speak the last test's)."""
    translation.deactivate()
    yield
    translation.deactivate()


def make_user(username, role=None, country=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        Membership.objects.create(
            user=user, role=role, country=Country.objects.get(code=country) if country else None
        )
    return user


@pytest.fixture
def cast(db):
    """alice (official, CA), bob (official, MX), uma (official, US), carol (coordinator),
    dave (admin), nora (no role), erin (inactive official of CA)."""

    class Cast:
        alice = make_user("alice", Membership.Role.OFFICIAL, "CA", first_name="Alice")
        bob = make_user("bob", Membership.Role.OFFICIAL, "MX", first_name="Bob")
        uma = make_user("uma", Membership.Role.OFFICIAL, "US")
        carol = make_user("carol", Membership.Role.COORDINATOR)
        dave = make_user("dave", Membership.Role.ADMIN, is_staff=True, is_superuser=True)
        nora = make_user("nora")
        erin = make_user("erin", Membership.Role.OFFICIAL, "CA", is_active=False)

    return Cast


@pytest.fixture
def objective(db):
    """Objective 1 of 2024: 'Promote a comprehensive strategy to address overdoses'."""
    return Objective.objects.get(objective_set__year=2024, number=1)


@pytest.fixture
def q1(db):
    return ReportingPeriod.objects.get(name="2024 Q1")


@pytest.fixture
def make_update(cast, objective, q1):
    """Write an update directly (not through a view): by default Canada's alice, published."""

    def make(author=None, **fields):
        author = author or cast.alice
        values = {
            "objective": objective,
            "country": author.membership.country,
            "period": q1,
            "status": ProgressUpdate.Status.ON_TRACK,
            "narrative": "Naloxone distribution expanded to three provinces.",
            "author": author,
            "state": ProgressUpdate.State.PUBLISHED,
        }
        values.update(fields)
        now = timezone.now()
        if values["state"] in (ProgressUpdate.State.SUBMITTED, ProgressUpdate.State.PUBLISHED):
            values.setdefault("submitted_at", now)
        if values.get("submitted_at"):  # as services.submit_update records it
            values.setdefault("first_submitted_at", values["submitted_at"])
        if values["state"] == ProgressUpdate.State.PUBLISHED:
            values.setdefault("published_at", now)
        return ProgressUpdate.objects.create(**values)

    return make


@pytest.fixture
def sample(cast, make_update, q1):
    """Ids for every URL of the sweep (tests/support/urls.py): a published update and a
    draft by alice, objective 1 of 2024, the 7th NADD, Canada, an export alice asked
    for (still waiting for a worker) and a milestone of Canada."""
    update = make_update(author=cast.alice)
    draft = make_update(author=cast.alice, state="draft")
    job = Job.objects.create(owner=cast.alice, kind=Job.Kind.EXPORT_CSV, language="en")
    milestone = Milestone.objects.create(
        objective=update.objective,
        country=update.country,
        title="Naloxone in every pharmacy",
        due_on=q1.deadline,
        owner="Health Canada",
    )
    return {
        "pk": update.pk,
        "update_pk": update.pk,
        "draft_pk": draft.pk,
        "objective_pk": update.objective_id,
        "meeting_pk": Meeting.objects.get(ordinal=7).pk,
        "code": "ca",
        "job_pk": job.pk,
        "milestone_pk": milestone.pk,
    }


@pytest.fixture
def login(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# The data migrations that ship reference data, in order.
REFERENCE_DATA_MIGRATIONS = [
    "0002_reference_data",
    "0005_eighth_dialogue",
    "0009_reference_data_translations",
    "0022_objectives",
    "0022_meetings",
    "0027_country_languages_and_email_choices",
]


@pytest.fixture
def reference_data(transactional_db):
    """Put back the reference data the migrations ship when an earlier test that commits
    for real (live server, threads) emptied the database at its end."""
    # Not serialized_rollback: Playwright's event loop gives later tests another
    # connection object, one without the serialized copy, and the restore is skipped.
    if not Country.objects.exists():
        for name in REFERENCE_DATA_MIGRATIONS:
            import_module(f"commitments.migrations.{name}").load(django_apps, None)
        # As migrated: the dashboard opens on the 2024 set.
        import_module("commitments.migrations.0022_cycle_status").keep_the_dashboard_where_it_was(
            django_apps, None
        )


@pytest.fixture
def kits(objective):
    """An indicator of the 2024 objective 1 in three languages: naloxone kits, which add up."""
    return Indicator.objects.create(
        objective=objective,
        number=1,
        name="Naloxone kits distributed",
        name_es="Kits de naloxona distribuidos",
        name_fr="Trousses de naloxone distribuées",
        definition="Kits handed out in the quarter.",
        definition_es="Kits entregados en el trimestre.",
        definition_fr="Trousses remises au cours du trimestre.",
        unit="kits",
        unit_es="kits",
        unit_fr="trousses",
        direction=Indicator.Direction.HIGHER,
        additive=True,
    )
