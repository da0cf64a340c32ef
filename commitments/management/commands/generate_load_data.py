"""A long, realistic history in bulk, for load tests and the benchmark (``make bench``).

Many years of objective sets with their quarters, every member country, every review
state, long narratives, comments and audit entries in proportion, and hundreds of
users with memberships. The same ``--seed`` gives the same data. Rows go in with
PostgreSQL's COPY in batches (each batch its own transaction, so foreign keys are
checked as it goes); above ``--rebuild-indexes-over`` updates the secondary indexes
are dropped first and rebuilt once at the end, which is several times faster.

Run it on a fresh, migrated database. It refuses to run in production.
"""

import datetime
import io
import json
import random
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from commitments.audit import Action
from commitments.management.commands.load_demo import (
    AGENCIES,
    NEXT_STEPS,
    RETURN_REASONS,
    REVIEWED,
    WORK,
)
from commitments.models import (
    AuditEntry,
    Comment,
    Country,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Meeting,
    Membership,
    Milestone,
    Objective,
    ObjectiveSet,
    PriorityArea,
    ProgressUpdate,
    ReportingPeriod,
)

# Every generated account has this password; the benchmark signs in with it.
LOAD_PASSWORD = "load-test-password-not-for-production"  # noqa: S105
USERNAME_PREFIX = "load-"

State = ProgressUpdate.State
Status = ProgressUpdate.Status

# The two latest quarters are still moving through review; earlier ones are settled.
IN_FLIGHT_WEIGHTS = {
    State.PUBLISHED: 60,
    State.SUBMITTED: 12,
    State.RETURNED: 8,
    State.DRAFT: 12,
    State.WITHDRAWN: 8,
}
SETTLED_WEIGHTS = {State.PUBLISHED: 95, State.WITHDRAWN: 5}
IN_FLIGHT_PERIODS = 2
STATUS_WEIGHTS = {
    Status.ON_TRACK: 50,
    Status.AT_RISK: 20,
    Status.OFF_TRACK: 8,
    Status.NOT_STARTED: 10,
    Status.COMPLETED: 12,
}

CONTEXT = [
    "The inter-agency working group met {n} times during the period.",
    "Officials briefed the trilateral working group and answered partners' questions.",
    "{n} front-line staff completed the new training module.",
    "A memorandum on data sharing was signed by {agency} and its counterparts.",
    "The results were shared in the dialogue's common reporting template.",
    "Provincial and state authorities contributed figures for {n} regions.",
    "Civil society organisations were consulted on the draft in {n} sessions.",
    "Seizure and overdose figures for the period are annexed to the national report.",
    "Funding of {n} million was confirmed for the next phase of the programme.",
    "Partners asked for more detail on the indicators; a technical note will follow.",
]
PLACES = ["Ottawa, Canada", "Mexico City, Mexico", "Washington, D.C., United States"]
FIRST_NAMES = ["Alex", "Ana", "Chris", "Daniela", "Emma", "Jorge", "Karen", "Luis", "Marie", "Sam"]
LAST_NAMES = ["Brown", "García", "Gagnon", "López", "Martin", "Nguyen", "Roy", "Smith", "Torres"]
AREAS = ["Synthetic drugs", "Demand reduction and public health", "Trafficking modes"]
TITLES = [
    "Reduce overdose deaths",
    "Prevent youth substance use",
    "Reduce stigma in health services",
    "Share early warnings on new substances",
    "Widen international partnerships",
    "Disrupt postal and express smuggling",
    "Follow the money of synthetic drugs",
    "Control precursor chemicals",
    "Trace trafficked firearms",
    "Improve treatment access",
]


# The indicators of every set, on its first two objectives: (name, unit, additive,
# direction, each member country's usual quarterly value, its spread in per cent).
LOAD_INDICATORS = [
    ("Naloxone kits distributed", "kits", True, Indicator.Direction.HIGHER, 40_000, 30),
    (
        "Overdose deaths per 100,000 people",
        "deaths per 100,000",
        False,
        Indicator.Direction.LOWER,
        20,
        15,
    ),
]


def quarter_start(year, quarter):
    """The first day of quarter 0-3 of ``year`` (quarter 4 is next year's first)."""
    return datetime.date(year + quarter // 4, 3 * (quarter % 4) + 1, 1)


def copy_value(value):
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_array(values):
    return "{" + ",".join('"' + value.replace('"', '\\"') + '"' for value in values) + "}"


class Table:
    """Rows buffered for one COPY into one table."""

    def __init__(self, model, columns):
        self.model = model
        self.columns = columns
        self.buffer = io.StringIO()
        self.count = 0
        self.total = 0
        self.next_id = None

    def start_ids(self, cursor):
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.model._meta.db_table}")  # noqa: S608
        self.next_id = cursor.fetchone()[0] + 1

    def add(self, *values):
        row_id = self.next_id
        self.next_id += 1
        self.buffer.write("\t".join([str(row_id), *(copy_value(value) for value in values)]) + "\n")
        self.count += 1
        return row_id

    def flush(self, cursor):
        if not self.count:
            return
        self.buffer.seek(0)
        table = self.model._meta.db_table
        cursor.copy_expert(f"COPY {table} (id, {', '.join(self.columns)}) FROM STDIN", self.buffer)
        self.total += self.count
        self.buffer = io.StringIO()
        self.count = 0

    def reset_sequence(self, cursor):
        table = self.model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


class Command(BaseCommand):
    help = "Create a long, realistic history of progress updates in bulk (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--updates", type=int, required=True, help="How many updates.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--years", type=int, default=15, help="Objective sets, 2024 last.")
        parser.add_argument("--users", type=int, default=300, help="Accounts with a role.")
        parser.add_argument("--batch", type=int, default=20_000, help="Updates per COPY.")
        parser.add_argument(
            "--rebuild-indexes-over",
            type=int,
            default=100_000,
            help="Drop and rebuild secondary indexes when loading more updates than this.",
        )

    def handle(self, *args, updates, seed, years, users, batch, rebuild_indexes_over, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Load data is never generated in production.")
        if updates < 0 or years < 1 or users < 10:
            raise CommandError("Give --updates >= 0, --years >= 1 and --users >= 10.")
        if get_user_model().objects.filter(username__startswith=USERNAME_PREFIX).exists():
            raise CommandError("Load data is already here; generate it into a fresh database.")
        current = ObjectiveSet.objects.filter(year=2024).first()
        if current is None:
            raise CommandError("The 2024 objectives are missing; run migrate first.")
        started = time.monotonic()
        # Bulk loading and rebuilding the indexes of a million rows outlast the site's
        # 30 s statement limit, the more so on a busy machine: this session has none.
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.countries = list(Country.objects.members().order_by("code"))
        with transaction.atomic():
            self.create_users(users)
            sets = self.create_objective_sets(current, years)
            self.create_figures(sets, seed)
        rebuild = updates > rebuild_indexes_over
        models = [ProgressUpdate, Comment, AuditEntry]
        if rebuild:
            self.drop_indexes(models)
        try:
            self.create_updates(sets, updates, batch)
        finally:
            if rebuild:
                self.stdout.write("Rebuilding indexes...")
                self.create_indexes(models)
        # The planner's statistics at once, rather than whenever autovacuum comes by: on a
        # table just filled they say it is empty, and the feed's first page, planned on
        # that, read the whole table (seconds instead of milliseconds).
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {self.tables['updates'].total} updates, "
                f"{self.tables['comments'].total} comments, "
                f"{self.tables['audit'].total} audit entries, "
                f"{self.tables['values'].total} indicator values and {users} users "
                f"over {len(sets)} years in {time.monotonic() - started:.0f} s (seed {seed})."
            )
        )

    def create_users(self, count):
        rng = self.rng
        User = get_user_model()
        password = make_password(LOAD_PASSWORD, salt="loaddata")
        coordinators = max(2, count // 10)
        admins = max(1, count // 50)
        officials = count - coordinators - admins
        plan = [(Membership.Role.COORDINATOR, None, i) for i in range(coordinators)]
        plan += [(Membership.Role.ADMIN, None, i) for i in range(admins)]
        plan += [
            (Membership.Role.OFFICIAL, self.countries[i % len(self.countries)], i // 3)
            for i in range(officials)
        ]
        accounts = []
        for role, country, number in plan:
            where = f"{country.code.lower()}-" if country else ""
            accounts.append(
                User(
                    username=f"{USERNAME_PREFIX}{role}-{where}{number:03d}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    email=f"{role}-{where}{number:03d}@example.org",
                    password=password,
                    is_staff=role == Membership.Role.ADMIN,
                    is_superuser=role == Membership.Role.ADMIN,
                )
            )
        accounts = User.objects.bulk_create(accounts)
        Membership.objects.bulk_create(
            Membership(user=user, role=role, country=country)
            for user, (role, country, _) in zip(accounts, plan, strict=True)
        )
        self.coordinators = [
            u for u, p in zip(accounts, plan, strict=True) if p[0] == "coordinator"
        ]
        self.officials = {
            country.pk: [u for u, p in zip(accounts, plan, strict=True) if p[1] == country]
            for country in self.countries
        }

    def create_objective_sets(self, current, years):
        """Earlier sets (retired) before the current 2024 set, each with four quarters."""
        rng = self.rng
        sets = []
        for year in range(2024 - years + 1, 2024):
            meeting = Meeting.objects.create(
                kind=Meeting.Kind.PLENARY,
                name=f"North American Drug Dialogue {year - 1}",
                start_date=datetime.date(year - 1, 11, 7),
                end_date=datetime.date(year - 1, 11, 8),
                place=PLACES[year % len(PLACES)],
                summary=f"The dialogue agreed the cooperation objectives for {year}.",
            )
            meeting.participants.set(self.countries)
            objective_set = ObjectiveSet.objects.create(year=year, adopted_at=meeting)
            titles = rng.sample(TITLES, rng.randint(7, 10))
            areas = PriorityArea.objects.bulk_create(
                PriorityArea(objective_set=objective_set, number=number, name=name)
                for number, name in enumerate(AREAS, start=1)
            )
            Objective.objects.bulk_create(
                Objective(
                    objective_set=objective_set,
                    number=number,
                    title=title,
                    text=f"{title}, in cooperation with the other members of the dialogue.",
                    area=rng.choice(areas),
                    is_active=False,
                )
                for number, title in enumerate(titles, start=1)
            )
            ReportingPeriod.objects.bulk_create(
                ReportingPeriod(
                    objective_set=objective_set,
                    name=f"{year} Q{quarter + 1}",
                    starts_on=quarter_start(year, quarter),
                    ends_on=quarter_start(year, quarter + 1) - datetime.timedelta(days=1),
                    deadline=quarter_start(year, quarter + 1) + datetime.timedelta(days=14),
                )
                for quarter in range(4)
            )
            sets.append(objective_set)
        sets.append(current)
        return [
            (
                objective_set,
                list(objective_set.objectives.order_by("number")),
                list(objective_set.periods.order_by("starts_on")),
            )
            for objective_set in sets
        ]

    def create_figures(self, sets, seed):
        """Two indicators on the first two objectives of every set (a count that adds up,
        a rate that does not), each member country's baseline and target for them, and a
        milestone per country on the first; every update of those objectives then carries
        its value of each (``add_update``). Drawn from a generator of their own, so the
        rest of the data stays what the same seed always gave."""
        rng = self.figures_rng = random.Random(seed + 1_000_003)  # noqa: S311 - test data
        self.indicators = {}
        for objective_set, objectives, periods in sets:
            for objective, spec in zip(objectives[:2], LOAD_INDICATORS, strict=False):
                name, unit, additive, direction, usual, _spread = spec
                indicator, _ = Indicator.objects.get_or_create(
                    objective=objective,
                    number=1,
                    defaults={
                        "name": name,
                        "definition": f"{name}, in the quarter.",
                        "unit": unit,
                        "additive": additive,
                        "direction": direction,
                    },
                )
                indicator.usual = usual
                self.indicators[objective.pk] = [indicator]
                IndicatorTarget.objects.bulk_create(
                    [
                        IndicatorTarget(
                            indicator=indicator,
                            country=country,
                            baseline=usual,
                            baseline_year=objective_set.year - 1,
                            target=round(usual * (1.2 if additive else 0.8)),
                            target_date=periods[-1].ends_on,
                            updated_by=self.officials[country.pk][0],
                        )
                        for country in self.countries
                    ],
                    ignore_conflicts=True,
                )
            Milestone.objects.bulk_create(
                [
                    Milestone(
                        objective=objectives[0],
                        country=country,
                        title=f"{objectives[0].title}: plan adopted",
                        due_on=periods[min(1, len(periods) - 1)].ends_on,
                        owner=rng.choice(list(AGENCIES[country.code].values())),
                    )
                    for country in self.countries
                ],
                ignore_conflicts=True,
            )

    def indicator_value(self, indicator):
        """A quarter's value: about the usual one, to two decimals for a rate."""
        spread = self.figures_rng.uniform(0.7, 1.3)
        if indicator.additive:
            return round(indicator.usual * spread)
        return round(indicator.usual * spread, 2)

    def drop_indexes(self, models):
        with connection.schema_editor() as editor:
            for model in models:
                for index in model._meta.indexes:
                    editor.execute(f"DROP INDEX IF EXISTS {editor.quote_name(index.name)}")

    def create_indexes(self, models):
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
        with connection.schema_editor() as editor:
            for model in models:
                for index in model._meta.indexes:
                    editor.add_index(model, index)

    def narrative(self, objective, country):
        rng = self.rng
        agencies = AGENCIES[country.code]
        work = WORK.get(objective.number) or WORK[1 + objective.number % 9]
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            sentences = [rng.choice(work)] + [rng.choice(CONTEXT) for _ in range(rng.randint(1, 4))]
            paragraphs.append(
                " ".join(sentences).format(
                    n=rng.randint(2, 40), agency=agencies["health"], **agencies
                )
            )
        paragraphs.append(rng.choice(NEXT_STEPS))
        return "\n\n".join(paragraphs)

    def create_updates(self, sets, total, batch):
        rng = self.rng
        content_type = ContentType.objects.get_for_model(ProgressUpdate)
        self.tables = tables = {
            "updates": Table(
                ProgressUpdate,
                [
                    "objective_id",
                    "country_id",
                    "period_id",
                    "status",
                    "narrative",
                    "language",
                    "evidence_links",
                    "author_id",
                    "state",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "first_submitted_at",
                    "published_at",
                    "reviewed_by_id",
                    "version",
                ],
            ),
            "comments": Table(Comment, ["update_id", "author_id", "kind", "body", "created_at"]),
            # The value of each indicator of the update's objective (create_figures).
            "values": Table(IndicatorValue, ["update_id", "indicator_id", "value"]),
            # The one writer of audit entries besides audit.record: millions of rows for
            # the benchmark go in by COPY, which is many times faster than an INSERT each.
            # Their actions are audit.Action names, as record() would demand.
            "audit": Table(
                AuditEntry,
                [
                    "actor_id",
                    "action",
                    "target_type_id",
                    "target_id",
                    "target_repr",
                    "changes",
                    "created_at",
                    "request_id",
                ],
            ),
        }
        # Every (objective, country, period) of every year is a slot; updates spread over them.
        slots = [
            (objective, country, period)
            for _, objectives, periods in sets
            for period in periods
            for objective in objectives
            for country in self.countries
        ]
        in_flight = {period.pk for period in sets[-1][2][-IN_FLIGHT_PERIODS:]}
        statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            for table in tables.values():
                table.start_ids(cursor)
        done = 0
        while done < total:
            size = min(batch, total - done)
            for i in range(done, done + size):
                objective, country, period = slots[i * len(slots) // max(total, 1)]
                weights = IN_FLIGHT_WEIGHTS if period.pk in in_flight else SETTLED_WEIGHTS
                state = rng.choices(list(weights), list(weights.values()))[0]
                if i >= total - len(State.values):
                    # The last few updates show every state, whatever the weights drew.
                    state = State.values[total - 1 - i]
                status = rng.choices(statuses, status_weights)[0]
                self.add_update(tables, content_type, objective, country, period, state, status)
            with transaction.atomic(), connection.cursor() as cursor:
                for table in tables.values():
                    table.flush(cursor)
            done += size
            if total >= 10 * batch and done % (10 * batch) == 0:
                self.stdout.write(f"  {done} / {total} updates")
        with connection.cursor() as cursor:
            for table in tables.values():
                table.reset_sequence(cursor)
            cursor.execute("SET synchronous_commit = DEFAULT")

    def add_update(self, tables, content_type, objective, country, period, state, status):
        rng = self.rng
        author = rng.choice(self.officials[country.pk])
        coordinator = rng.choice(self.coordinators)
        window = max((period.deadline - period.starts_on).days, 1)
        created = datetime.datetime.combine(
            period.starts_on + datetime.timedelta(days=rng.randrange(window)),
            datetime.time(rng.randint(7, 20), rng.randint(0, 59), rng.randint(0, 59)),
            tzinfo=datetime.UTC,
        )
        narrative = self.narrative(objective, country)
        links = [
            f"https://example.org/{country.code.lower()}/reports/{period.name.replace(' ', '-')}"
            f"/{rng.randint(1, 999)}"
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))
        ]
        events = []  # (actor, action, changes, at)
        edited = rng.random() < 0.1
        first_text = narrative.rsplit("\n\n", 1)[0] if edited else narrative
        values = [
            (indicator, self.indicator_value(indicator))
            for indicator in self.indicators.get(objective.pk, ())
        ]
        events.append(
            (
                author,
                Action.UPDATE_CREATED,
                {
                    "status": [None, status],
                    "narrative": [None, first_text],
                    "evidence_links": [None, links],
                    "period": [None, period.name],
                    **{f"indicator:{indicator.pk}": [None, str(v)] for indicator, v in values},
                },
                created,
            )
        )
        at = created
        if edited:
            at += datetime.timedelta(hours=rng.randint(1, 72))
            events.append(
                (author, Action.UPDATE_EDITED, {"narrative": [first_text, narrative]}, at)
            )
        submitted_at = published_at = reviewed_by = None
        if state == State.WITHDRAWN:
            at += datetime.timedelta(days=rng.randint(1, 10))
            events.append((author, Action.UPDATE_WITHDRAWN, {"state": [State.DRAFT, state]}, at))
        elif state != State.DRAFT:
            at += datetime.timedelta(hours=rng.randint(1, 96))
            submitted_at = at
            events.append(
                (author, Action.UPDATE_SUBMITTED, {"state": [State.DRAFT, State.SUBMITTED]}, at)
            )
            if state in REVIEWED:
                at += datetime.timedelta(hours=rng.randint(2, 200))
                reviewed_by = coordinator
                changes = {"state": [State.SUBMITTED, state]}
                if state == State.PUBLISHED:
                    published_at = at
                else:
                    changes["reason"] = [None, rng.choice(RETURN_REASONS)]
                events.append((coordinator, REVIEWED[state], changes, at))
        update_id = tables["updates"].add(
            objective.pk,
            country.pk,
            period.pk,
            status,
            narrative,
            "en",  # the generated narratives are English
            copy_array(links),
            author.pk,
            state,
            created,
            at,
            submitted_at,
            submitted_at,  # first_submitted_at: generated updates are submitted once
            published_at,
            reviewed_by.pk if reviewed_by else None,
            len(events),  # one version per change so far
        )
        for indicator, value in values:
            tables["values"].add(update_id, indicator.pk, value)
        # Discussions: the return reason, and now and then a short exchange.
        for actor, action, changes, when in events:
            if action == Action.UPDATE_RETURNED:
                tables["comments"].add(
                    update_id, actor.pk, Comment.Kind.RETURN_REASON, changes["reason"][1], when
                )
        if rng.random() < 0.12:
            when = at
            for _ in range(rng.randint(1, 3)):
                when += datetime.timedelta(hours=rng.randint(1, 48))
                actor = rng.choice([coordinator, author])
                body = rng.choice(CONTEXT).format(n=rng.randint(2, 40), agency="the team")
                tables["comments"].add(update_id, actor.pk, Comment.Kind.COMMENT, body, when)
                events.append((actor, Action.UPDATE_COMMENTED, {"comment": [None, body]}, when))
        target_repr = f"{objective.title} · {country.name} · {period.name}"
        for actor, action, changes, when in events:
            # Written by COPY, not audit.record (see create_updates): a declared action each.
            tables["audit"].add(
                actor.pk,
                action,
                content_type.pk,
                str(update_id),
                target_repr,
                json.dumps(changes, ensure_ascii=False),
                when,
                "",  # generated history has no request behind it
            )
