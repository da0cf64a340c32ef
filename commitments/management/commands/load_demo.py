"""Demo accounts and a realistic year of progress updates, for trying the application.

Idempotent: accounts are reset to the demo password, and updates are only written when
the demo officials have none yet. Refuses to run in production.
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commitments import audit, snapshots
from commitments.models import (
    Comment,
    Country,
    HandlingMarking,
    Meeting,
    MeetingDocument,
    MeetingSnapshot,
    Membership,
    ObjectiveSet,
    ProgressUpdate,
)
from commitments.services import initial_values

DEMO_PASSWORD = "nadd-demo-2024"  # noqa: S105 - published in the README on purpose

# username, first name, last name, role, country code
ACCOUNTS = [
    ("official-ca", "Claire", "Tremblay", Membership.Role.OFFICIAL, "CA"),
    ("official-mx", "Mariana", "Hernández", Membership.Role.OFFICIAL, "MX"),
    ("official-us", "Daniel", "Brooks", Membership.Role.OFFICIAL, "US"),
    ("coordinator", "Sofía", "Navarro", Membership.Role.COORDINATOR, None),
    ("admin", "Alex", "Morgan", Membership.Role.ADMIN, None),
]

AGENCIES = {
    "CA": {
        "health": "Health Canada",
        "border": "the Canada Border Services Agency",
        "police": "the RCMP",
        "fiu": "FINTRAC",
        "post": "Canada Post",
        "regulator": "Health Canada's Office of Controlled Substances",
    },
    "MX": {
        "health": "the Secretaría de Salud",
        "border": "the Agencia Nacional de Aduanas de México",
        "police": "the Fiscalía General de la República",
        "fiu": "the Unidad de Inteligencia Financiera",
        "post": "Correos de México",
        "regulator": "COFEPRIS",
    },
    "US": {
        "health": "HHS and SAMHSA",
        "border": "U.S. Customs and Border Protection",
        "police": "the DEA",
        "fiu": "FinCEN",
        "post": "the U.S. Postal Inspection Service",
        "regulator": "the DEA Diversion Control Division",
    },
}

# One line of work per objective and quarter; {agency} names come from AGENCIES.
WORK = {
    1: [
        "{health} circulated a draft national overdose action plan to the other two delegations.",
        "{health} expanded naloxone distribution through community pharmacies in three regions.",
        "Trilateral experts met to compare overdose surveillance indicators and agreed a shared set.",
        "{health} published its annual overdose report and briefed partners on the results.",
    ],
    2: [
        "{health} mapped school-based prevention programmes that use a mental health approach.",
        "A pilot linking youth mental health services with substance use prevention started.",
        "{health} shared an evaluation of the pilot's first cohort with partners.",
        "Prevention guidance for primary care was updated with partners' comments.",
    ],
    3: [
        "{health} reviewed health-system rules that discourage people who use drugs from seeking care.",
        "A workshop with people with lived experience identified stigmatising practices in services.",
        "Training on non-stigmatising language reached front-line health and social workers.",
        "{health} shared a best-practice note on reducing structural stigma with the other delegations.",
    ],
    4: [
        "{police} shared quarterly seizure data on fentanyl and methamphetamine with partners.",
        "An early-warning bulletin on xylazine and nitazenes was exchanged with the other delegations.",
        "Drug-checking and wastewater data were added to the shared trend report.",
        "{police} and {health} jointly presented emerging threats to the trilateral working group.",
    ],
    5: [
        "Officials met counterparts from the Netherlands to discuss port security cooperation.",
        "An exchange visit to the port of Rotterdam was planned with {border}.",
        "{border} took part in a joint exercise on container targeting with Dutch customs.",
        "Options for inviting further partner countries to the next dialogue were circulated.",
    ],
    6: [
        "{border} and {post} began sharing indicators of fentanyl shipments in small parcels.",
        "A joint analysis of smuggling routes through postal and express consignment was drafted.",
        "{post} trained screening staff on new indicators agreed with partners.",
        "The supply chain analysis was completed and presented to the working group.",
    ],
    7: [
        "{fiu} shared typologies of fentanyl-related money laundering with partners.",
        "A joint study of trade-based money laundering linked to precursor purchases began.",
        "{fiu} hosted a trilateral workshop with financial institutions on red-flag indicators.",
        "Cooperation on tracing cryptocurrency payments for synthetic drugs was agreed.",
    ],
    8: [
        "{regulator} shared its process for scheduling new precursor chemicals.",
        "Lists of chemicals of concern were compared to find gaps between the three countries.",
        "{regulator} scheduled two additional fentanyl precursors after consultation.",
        "Best practices on novel psychoactive substances were compiled for the dialogue.",
    ],
    9: [
        "{police} shared trends in firearms seized together with synthetic drugs.",
        "A joint analysis of firearms trafficking routes southbound was started.",
        "Tracing requests for firearms recovered in drug investigations were expedited.",
        "Findings on the links between firearms and drug trafficking were prepared for the dialogue.",
    ],
}

NEXT_STEPS = [
    "Next quarter, the team will report on results to the trilateral working group.",
    "Work continues with partners; no obstacle has been identified so far.",
    "Progress depends on a data-sharing arrangement that is still under legal review.",
    "Budget approval for the next phase is pending, which may delay the timeline.",
]

State = ProgressUpdate.State
# The states a coordinator's review leaves an update in, each with its audit action.
REVIEWED = {
    State.PUBLISHED: audit.Action.UPDATE_PUBLISHED,
    State.RETURNED: audit.Action.UPDATE_RETURNED,
}

RETURN_REASONS = [
    "Please add the figures for the quarter and a link to the published report.",
    "The narrative describes plans only; say what was done in this period.",
    "Please check the status: the narrative mentions a delay that puts the objective at risk.",
]

EVIDENCE = {
    "CA": "https://www.canada.ca/en/health-canada/services/opioids.html",
    "MX": "https://www.gob.mx/salud",
    "US": "https://www.whitehouse.gov/ondcp/",
}


# The 8th NADD's joint statement as the demo shows it: a summary of the public record,
# marked as demo text (the governments' own statement is what a real deployment records).
EIGHTH_STATEMENT = {
    "en": (
        "Joint statement of the 8th North American Drug Dialogue",
        "Demo text, summarising the public record; not the official statement.\n\n"
        "Meeting in Mexico City on 13 and 14 November 2024, Canada, Mexico and the United "
        "States reviewed the year's progress on their priority areas and agreed cooperation "
        "actions for 2025: wastewater testing and early-warning systems for illicit drugs; "
        "postal and border security; tracking synthetic drug trends to disrupt organised "
        "crime; and reviewing joint actions on the links between synthetic drugs and "
        "firearms trafficking. Belgium and the Netherlands attended as partners.",
    ),
    "es": (
        "Declaración conjunta del 8.º Diálogo de América del Norte sobre Drogas",
        "Texto de demostración que resume el registro público; no es la declaración "
        "oficial.\n\n"
        "Reunidos en la Ciudad de México el 13 y 14 de noviembre de 2024, Canadá, México y "
        "los Estados Unidos examinaron los avances del año en sus áreas prioritarias y "
        "acordaron acciones de cooperación para 2025: análisis de aguas residuales y sistemas "
        "de alerta temprana sobre drogas ilícitas; seguridad postal y fronteriza; seguimiento "
        "de las tendencias de las drogas sintéticas para desarticular la delincuencia "
        "organizada; y revisión de las acciones conjuntas sobre los vínculos entre las drogas "
        "sintéticas y el tráfico de armas de fuego. Bélgica y los Países Bajos asistieron "
        "como socios.",
    ),
    "fr": (
        "Déclaration conjointe du 8e Dialogue nord-américain sur les drogues",
        "Texte de démonstration résumant le dossier public ; ce n'est pas la déclaration "
        "officielle.\n\n"
        "Réunis à Mexico les 13 et 14 novembre 2024, le Canada, le Mexique et les "
        "États-Unis ont examiné les progrès de l'année dans leurs domaines prioritaires et "
        "convenu d'actions de coopération pour 2025 : analyse des eaux usées et systèmes "
        "d'alerte précoce sur les drogues illicites ; sécurité postale et frontalière ; "
        "suivi des tendances des drogues de synthèse pour démanteler le crime organisé ; et "
        "examen des actions conjointes sur les liens entre drogues de synthèse et trafic "
        "d'armes à feu. La Belgique et les Pays-Bas y ont assisté comme partenaires.",
    ),
}
DEMO_MARKING = {
    "text": "UNCLASSIFIED // FOR OFFICIAL USE // DEMO",
    "text_es": "NO CLASIFICADO // PARA USO OFICIAL // DEMOSTRACIÓN",
    "text_fr": "NON CLASSIFIÉ // POUR USAGE OFFICIEL // DÉMONSTRATION",
}
# The snapshot of the 8th NADD: the record as published the day before it opened, taken
# by the coordinator on its first morning.
EIGHTH_SNAPSHOT_CUTOFF = datetime.date(2024, 11, 12)
EIGHTH_SNAPSHOT_TAKEN = datetime.datetime(2024, 11, 13, 8, 30, tzinfo=datetime.UTC)


def capitalised(sentence):
    return sentence[:1].upper() + sentence[1:]


class Command(BaseCommand):
    help = "Create the demo accounts and a realistic set of demo progress updates."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Demo accounts are never created in production.")
        with transaction.atomic():
            users = self.create_accounts()
            created = self.create_updates(users)
            self.create_meeting_record(users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new progress updates)."))
        self.stdout.write("Sign in with any of these accounts; the password is " + DEMO_PASSWORD)
        for username, first, last, role, code in ACCOUNTS:
            where = f", {code}" if code else ""
            self.stdout.write(f"  {username:<13} {first} {last} ({role.label}{where})")

    def create_accounts(self):
        User = get_user_model()
        countries = {country.code: country for country in Country.objects.all()}
        users = {}
        for username, first, last, role, code in ACCOUNTS:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_active": True,
                    "is_staff": role == Membership.Role.ADMIN,
                    "is_superuser": role == Membership.Role.ADMIN,
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            Membership.objects.update_or_create(
                user=user, defaults={"role": role, "country": countries.get(code)}
            )
            users[username] = user
        return users

    @staticmethod
    def next_status(rng, previous, quarter):
        """A plausible next status: mostly on track, some slipping, a few done by year end."""
        Status = ProgressUpdate.Status
        if previous is None and rng.random() < 0.3:
            return Status.NOT_STARTED
        if quarter == 3 and previous == Status.ON_TRACK and rng.random() < 0.4:
            return Status.COMPLETED
        return rng.choices([Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK], weights=[6, 3, 1])[
            0
        ]

    def create_updates(self, users):
        officials = [users[name] for name in ("official-ca", "official-mx", "official-us")]
        if ProgressUpdate.objects.filter(author__in=officials).exists():
            return 0
        objective_set = ObjectiveSet.objects.filter(year=2024).first()
        if objective_set is None:
            raise CommandError("The 2024 objectives are missing; run migrate first.")
        coordinator = users["coordinator"]
        rng = random.Random(2024)
        periods = list(objective_set.periods.order_by("starts_on"))
        updates = []
        for official in officials:
            country = official.membership.country
            agencies = AGENCIES[country.code]
            for objective in objective_set.objectives.order_by("number"):
                status = None
                for quarter, period in enumerate(periods):
                    # The last quarter is still being reported: a third of the cells are missing.
                    if quarter == len(periods) - 1 and rng.random() < 0.35:
                        continue
                    status = self.next_status(rng, status, quarter)
                    narrative = "\n\n".join(
                        [
                            capitalised(WORK[objective.number][quarter].format(**agencies)),
                            rng.choice(NEXT_STEPS),
                        ]
                    )
                    written = datetime.datetime.combine(
                        period.deadline - datetime.timedelta(days=rng.randint(1, 12)),
                        datetime.time(rng.randint(13, 22), rng.randint(0, 59)),
                        tzinfo=datetime.UTC,
                    )
                    state = self.review_state(rng, quarter == len(periods) - 1)
                    reviewed = written + datetime.timedelta(days=rng.randint(1, 6))
                    updates.append(
                        ProgressUpdate(
                            objective=objective,
                            country=country,
                            period=period,
                            status=status,
                            narrative=narrative,
                            evidence_links=[EVIDENCE[country.code]] if rng.random() < 0.5 else [],
                            author=official,
                            state=state,
                            created_at=written,
                            updated_at=reviewed if state in REVIEWED else written,
                            submitted_at=written if state != State.DRAFT else None,
                            published_at=reviewed if state == State.PUBLISHED else None,
                            reviewed_by=coordinator if state in REVIEWED else None,
                            version=1 if state == State.DRAFT else 2,
                        )
                    )
        ProgressUpdate.objects.bulk_create(updates)
        for update in updates:
            audit.record(
                actor=update.author,
                action=audit.Action.UPDATE_CREATED,
                target=update,
                changes=initial_values(update),
                at=update.created_at,
            )
            if update.state != State.DRAFT:
                audit.record(
                    actor=update.author,
                    action=audit.Action.UPDATE_SUBMITTED,
                    target=update,
                    changes={"state": [State.DRAFT, State.SUBMITTED]},
                    at=update.submitted_at,
                )
            reason = rng.choice(RETURN_REASONS) if update.state == State.RETURNED else None
            if update.state in REVIEWED:
                changes = {"state": [State.SUBMITTED, update.state]}
                if reason:
                    changes["reason"] = [None, reason]
                audit.record(
                    actor=coordinator,
                    action=REVIEWED[update.state],
                    target=update,
                    changes=changes,
                    at=update.updated_at,
                )
            if reason:
                Comment.objects.create(
                    update=update,
                    author=coordinator,
                    kind=Comment.Kind.RETURN_REASON,
                    body=reason,
                    created_at=update.updated_at,
                )
        return len(updates)

    def create_meeting_record(self, users):
        """The 8th NADD as the meeting page shows it: hosted by Mexico, its joint statement
        in three languages, the snapshot of the record it was shown; and a demo marking."""
        eighth = Meeting.objects.filter(kind=Meeting.Kind.PLENARY, ordinal=8).first()
        if eighth is None:
            raise CommandError("The 8th NADD is missing; run migrate first.")
        if eighth.host is None:
            eighth.host = Country.objects.get(code="MX")
            eighth.save(update_fields=["host"])
        for language, (title, text) in EIGHTH_STATEMENT.items():
            MeetingDocument.objects.get_or_create(
                meeting=eighth,
                kind=MeetingDocument.Kind.JOINT_STATEMENT,
                language=language,
                defaults={"title": title, "text": text},
            )
        if not MeetingSnapshot.objects.filter(meeting=eighth).exists():
            snapshots.take_snapshot(
                actor=users["coordinator"],
                meeting=eighth,
                cutoff=EIGHTH_SNAPSHOT_CUTOFF,
                now=EIGHTH_SNAPSHOT_TAKEN,
            )
        # An administrator's own marking is never replaced.
        HandlingMarking.objects.get_or_create(
            pk=HandlingMarking.SINGLETON_ID, defaults=DEMO_MARKING
        )

    @staticmethod
    def review_state(rng, last_quarter):
        """Earlier quarters are published; the last one is still moving through review."""
        if not last_quarter:
            return State.PUBLISHED
        return rng.choices(
            [State.PUBLISHED, State.SUBMITTED, State.RETURNED, State.DRAFT], weights=[4, 3, 2, 2]
        )[0]
