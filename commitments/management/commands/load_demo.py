"""Demo accounts and a realistic year of progress updates, for trying the application.

Idempotent: a demo account is created with the demo password once; when it exists
already it keeps its password and its sessions (so a second ``make run`` signs nobody
out), and updates are only written when the demo officials have none yet. Refuses to run
in production.
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commitments import audit, figures, snapshots
from commitments.imports import quarters
from commitments.management import demo_assessment
from commitments.management.commands import _demo_figures
from commitments.models import (
    Comment,
    Country,
    HandlingMarking,
    Meeting,
    MeetingDocument,
    MeetingSnapshot,
    Membership,
    Objective,
    ObjectiveLink,
    ObjectiveSet,
    PriorityArea,
    ProgressUpdate,
    ReportingPeriod,
)
from commitments.services import handed_in, initial_values, on_behalf_values

DEMO_PASSWORD = "nadd-demo-2024"  # noqa: S105 - published in the README on purpose

# username, first name, last name, role, country code
ACCOUNTS = [
    ("official-ca", "Claire", "Tremblay", Membership.Role.OFFICIAL, "CA"),
    ("official-mx", "Mariana", "Hernández", Membership.Role.OFFICIAL, "MX"),
    ("official-us", "Daniel", "Brooks", Membership.Role.OFFICIAL, "US"),
    ("coordinator", "Sofía", "Navarro", Membership.Role.COORDINATOR, None),
    ("admin", "Alex", "Morgan", Membership.Role.ADMIN, None),
]

# A partner country's official: contributes to the objectives naming the Netherlands.
PARTNER_ACCOUNTS = [
    ("official-nl", "Sanne", "de Vries", Membership.Role.OFFICIAL, "NL"),
]

# The five priority areas of the 8th NADD (Mexico City, November 2024), in three languages.
AREAS_2025 = [
    ("Synthetic drugs", "Drogas sintéticas", "Drogues de synthèse"),
    (
        "Demand reduction and public health",
        "Reducción de la demanda y salud pública",
        "Réduction de la demande et santé publique",
    ),
    ("Trafficking modes", "Modalidades del tráfico", "Modes de trafic"),
    (
        "Links with firearms trafficking",
        "Vínculos con el tráfico de armas de fuego",
        "Liens avec le trafic d'armes à feu",
    ),
    ("Partnerships", "Alianzas", "Partenariats"),
]

# Demo objectives for 2025 (fictional wording): number, area number, title (en, es, fr),
# text (en, es, fr), and the 2024 objectives each continues (kind, numbers).
OBJECTIVES_2025 = [
    (
        1,
        1,
        (
            "Early warning on synthetic drugs",
            "Alerta temprana sobre drogas sintéticas",
            "Alerte précoce sur les drogues de synthèse",
        ),
        (
            "Share early warnings on new synthetic drugs and their adulterants within weeks.",
            "Compartir en pocas semanas alertas tempranas sobre nuevas drogas sintéticas y sus "
            "adulterantes.",
            "Partager en quelques semaines les alertes précoces sur les nouvelles drogues de "
            "synthèse et leurs adultérants.",
        ),
        ("continues", [4]),
    ),
    (
        2,
        1,
        (
            "Control of precursor chemicals",
            "Control de precursores químicos",
            "Contrôle des précurseurs chimiques",
        ),
        (
            "Align the control of precursor chemicals and the equipment used to make "
            "synthetic drugs.",
            "Armonizar el control de los precursores químicos y del equipo usado para fabricar "
            "drogas sintéticas.",
            "Harmoniser le contrôle des précurseurs chimiques et du matériel servant à "
            "fabriquer des drogues de synthèse.",
        ),
        ("continues", [8]),
    ),
    (
        3,
        2,
        (
            "Overdose prevention and treatment",
            "Prevención y tratamiento de sobredosis",
            "Prévention et traitement des surdoses",
        ),
        (
            "Prevent overdoses and widen access to treatment, from a mental health approach.",
            "Prevenir las sobredosis y ampliar el acceso al tratamiento, desde un enfoque de "
            "salud mental.",
            "Prévenir les surdoses et élargir l'accès au traitement, dans une approche de santé "
            "mentale.",
        ),
        ("merges", [1, 2]),
    ),
    (
        4,
        2,
        (
            "Health services without stigma",
            "Servicios de salud sin estigma",
            "Des services de santé sans stigmatisation",
        ),
        (
            "Reduce structural stigma towards people who use drugs in health and social services.",
            "Reducir el estigma estructural hacia las personas que usan drogas en los servicios "
            "de salud y sociales.",
            "Réduire la stigmatisation structurelle des personnes qui consomment des drogues "
            "dans les services de santé et sociaux.",
        ),
        ("continues", [3]),
    ),
    (
        5,
        5,
        (
            "Partnership with the Netherlands",
            "Alianza con los Países Bajos",
            "Partenariat avec les Pays-Bas",
        ),
        (
            "Exchange with the Netherlands on synthetic drug production sites and precursor "
            "diversion.",
            "Intercambiar con los Países Bajos sobre sitios de producción de drogas sintéticas "
            "y desvío de precursores.",
            "Échanger avec les Pays-Bas sur les sites de production de drogues de synthèse et "
            "le détournement de précurseurs.",
        ),
        ("continues", [5]),
    ),
    (
        6,
        3,
        (
            "Trafficking routes and illicit finance",
            "Rutas del tráfico y finanzas ilícitas",
            "Routes du trafic et finance illicite",
        ),
        (
            "Follow shipments and the money behind them across postal, maritime and land routes.",
            "Seguir los envíos y el dinero detrás de ellos por las vías postal, marítima y "
            "terrestre.",
            "Suivre les envois et l'argent qui les finance par voie postale, maritime et "
            "terrestre.",
        ),
        ("merges", [6, 7]),
    ),
    (
        7,
        4,
        (
            "Firearms linked to drug trafficking",
            "Armas de fuego vinculadas al narcotráfico",
            "Armes à feu liées au trafic de drogues",
        ),
        (
            "Trace firearms seized with drugs and share the results between the three countries.",
            "Rastrear las armas de fuego incautadas con drogas y compartir los resultados entre "
            "los tres países.",
            "Retracer les armes à feu saisies avec des drogues et partager les résultats entre "
            "les trois pays.",
        ),
        ("continues", [9]),
    ),
]

PARTNER_CONTRIBUTION = (
    "Demo text (fictional): the Dutch liaison officers shared what they learned from "
    "dismantling synthetic drug production sites, and a joint session on precursor "
    "diversion is planned for the second quarter."
)

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
            # Indicators, baselines, targets and milestones, before the reports carry values.
            _demo_figures.create_plans(users)
            created = self.create_updates(users)
            created += self.create_report_entered_on_behalf(users)
            # What the 8th NADD was shown, frozen before its 2025 set is added.
            self.create_meeting_record(users)
            created += self.create_2025_set(users)
            created += self.create_2025_reports(users)
            self.mark_fictional(users)
            # A database loaded before the demo had figures gets them here.
            _demo_figures.add_values(
                ProgressUpdate.objects.demo().select_related("objective", "country", "period")
            )
            # Evidence files on a few reports, and the secretariat's 2024 assessment.
            demo_assessment.add_evidence_files(users)
            demo_assessment.add_assessments(users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new progress updates)."))
        self.stdout.write("Sign in with any of these accounts; the password is " + DEMO_PASSWORD)
        for username, first, last, role, code in ACCOUNTS + PARTNER_ACCOUNTS:
            where = f", {code}" if code else ""
            self.stdout.write(f"  {username:<13} {first} {last} ({role.label}{where})")

    def create_accounts(self):
        User = get_user_model()
        countries = {country.code: country for country in Country.objects.all()}
        users = {}
        for username, first, last, role, code in ACCOUNTS + PARTNER_ACCOUNTS:
            user, created = User.objects.get_or_create(
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
            if created:
                # Only a new account gets the demo password: changing an existing one's
                # would end every session it has.
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
                            first_submitted_at=written if state != State.DRAFT else None,
                            published_at=reviewed if state == State.PUBLISHED else None,
                            reviewed_by=coordinator if state in REVIEWED else None,
                            version=1 if state == State.DRAFT else 2,
                            is_demo=True,
                        )
                    )
        self.make_one_report_late(updates)
        self.write(updates, coordinator, rng)
        return len(updates)

    def create_2025_reports(self, users):
        """The 2025 set's reports in progress: each member country's first two quarters
        published, the third moving through review with some cells missing, the fourth not
        yet reported; each objective's text follows the 2024 objective it continues."""
        officials = [users[name] for name in ("official-ca", "official-mx", "official-us")]
        objective_set = ObjectiveSet.objects.filter(year=2025).first()
        if (
            objective_set is None
            or ProgressUpdate.objects.filter(
                author__in=officials, objective__objective_set=objective_set
            ).exists()
        ):
            return 0
        coordinator = users["coordinator"]
        rng = random.Random(2025)
        periods = list(objective_set.periods.order_by("starts_on"))[:3]
        updates = []
        for official in officials:
            country = official.membership.country
            agencies = AGENCIES[country.code]
            objectives = objective_set.objectives.prefetch_related("links_to_earlier__earlier")
            for objective in objectives.order_by("number"):
                earlier = [link.earlier.number for link in objective.links_to_earlier.all()]
                work = WORK[earlier[0] if earlier else 1 + objective.number % 9]
                status = None
                for quarter, period in enumerate(periods):
                    last = quarter == len(periods) - 1
                    if last and rng.random() < 0.4:
                        continue
                    status = self.next_status(rng, status, quarter)
                    written = datetime.datetime.combine(
                        period.deadline - datetime.timedelta(days=rng.randint(1, 12)),
                        datetime.time(rng.randint(13, 22), rng.randint(0, 59)),
                        tzinfo=datetime.UTC,
                    )
                    state = self.review_state(rng, last)
                    reviewed = written + datetime.timedelta(days=rng.randint(1, 6))
                    updates.append(
                        ProgressUpdate(
                            objective=objective,
                            country=country,
                            period=period,
                            status=status,
                            narrative="\n\n".join(
                                [
                                    capitalised(work[quarter].format(**agencies)),
                                    rng.choice(NEXT_STEPS),
                                ]
                            ),
                            author=official,
                            state=state,
                            created_at=written,
                            updated_at=reviewed if state in REVIEWED else written,
                            submitted_at=written if state != State.DRAFT else None,
                            first_submitted_at=written if state != State.DRAFT else None,
                            published_at=reviewed if state == State.PUBLISHED else None,
                            reviewed_by=coordinator if state in REVIEWED else None,
                            version=1 if state == State.DRAFT else 2,
                            is_demo=True,
                        )
                    )
        self.write(updates, coordinator, rng)
        return len(updates)

    def write(self, updates, coordinator, rng):
        """Save demo updates with the audit entries and return reasons of their history."""
        ProgressUpdate.objects.bulk_create(updates)
        _demo_figures.add_values(updates)  # the values each report carries
        for update in updates:
            audit.record(
                actor=update.author,
                action=audit.Action.UPDATE_CREATED,
                target=update,
                changes=initial_values(update) | figures.recorded(update),
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

    def mark_fictional(self, users):
        """Every update the demo accounts wrote is fictional text and says so wherever it
        shows (a database loaded before the marker existed gets it here)."""
        ProgressUpdate.objects.filter(author__in=users.values(), is_demo=False).update(is_demo=True)

    def create_report_entered_on_behalf(self, users):
        """Mexico's 2024 Q4 report on one objective, sent by diplomatic note and entered
        and published by the coordinator on its behalf (fictional, like all demo text)."""
        coordinator = users["coordinator"]
        if ProgressUpdate.objects.filter(author=coordinator, entered_on_behalf=True).exists():
            return 0
        objective_set = ObjectiveSet.objects.filter(year=2024).first()
        period = objective_set.periods.order_by("-starts_on").first()
        mexico = users["official-mx"].membership.country
        reported = ProgressUpdate.objects.filter(country=mexico, period=period).values("objective")
        objective = (
            objective_set.objectives.exclude(pk__in=reported).order_by("number").first()
            or objective_set.objectives.order_by("number").first()
        )
        received = datetime.datetime(2025, 1, 20, 16, 30, tzinfo=datetime.UTC)
        update = ProgressUpdate.objects.create(
            objective=objective,
            country=mexico,
            period=period,
            status=ProgressUpdate.Status.ON_TRACK,
            narrative=(
                "The delegation reports that the activities planned for the quarter were "
                "carried out with partners and that a summary will be presented at the next "
                "meeting of the working group.\n\n"
                "Sent by diplomatic note; entered by the coordinators as received."
            ),
            language="en",
            author=coordinator,
            state=State.PUBLISHED,
            created_at=received,
            updated_at=received,
            submitted_at=received,
            first_submitted_at=handed_in(datetime.date(2025, 1, 10), received),
            published_at=received,
            reviewed_by=coordinator,
            entered_on_behalf=True,
            source_kind=ProgressUpdate.SourceKind.DIPLOMATIC_NOTE,
            source_reference="Note No. DEMO-0110/2025",
            source_date=datetime.date(2025, 1, 10),
            is_demo=True,
        )
        audit.record(
            actor=coordinator,
            action=audit.Action.UPDATE_ENTERED_ON_BEHALF,
            target=update,
            changes=on_behalf_values(update),
            at=received,
        )
        return 1

    # The late report of the demo: Mexico's on objective 4 for 2024 Q3, handed in nine
    # days after its deadline (the timeliness page and the dashboard show it as late).
    LATE_REPORT = ("MX", 2024, 4, "2024 Q3")
    LATE_BY_DAYS = 9

    def make_one_report_late(self, updates):
        """Hand the demo's late report in after its deadline (before the updates and
        their audit entries are written, so its history tells the same story)."""
        code, year, number, period_name = self.LATE_REPORT
        for update in updates:
            if (
                update.country.code == code
                and update.objective.objective_set.year == year
                and update.objective.number == number
                and update.period.name == period_name
                and update.submitted_at is not None
            ):
                written = datetime.datetime.combine(
                    update.period.deadline + datetime.timedelta(days=self.LATE_BY_DAYS),
                    datetime.time(16, 30),
                    tzinfo=datetime.UTC,
                )
                reviewed = written + datetime.timedelta(days=2)
                update.created_at = update.submitted_at = update.first_submitted_at = written
                update.updated_at = reviewed if update.reviewed_by else written
                if update.published_at:
                    update.published_at = reviewed

    def create_2025_set(self, users):
        """The 2025 set adopted at the 8th NADD: its five priority areas, its objectives
        in three languages continuing the 2024 ones, the Netherlands named on the
        partnership objective, the quarters of 2025, and one published contribution of
        the Netherlands. Returns the number of updates written (0 when already there)."""
        earlier = ObjectiveSet.objects.filter(year=2024).first()
        adopted_at = Meeting.objects.filter(kind=Meeting.Kind.PLENARY, ordinal=8).first()
        if earlier is None or adopted_at is None:
            raise CommandError("The 2024 objectives are missing; run migrate first.")
        netherlands = Country.objects.get(code="NL")
        objective_set, created = ObjectiveSet.objects.get_or_create(
            year=2025, defaults={"adopted_at": adopted_at}
        )
        if created:
            earlier.reviewed_at = adopted_at
            earlier.save(update_fields=["reviewed_at"])
            areas = {
                number: PriorityArea.objects.create(
                    objective_set=objective_set, number=number, name=en, name_es=es, name_fr=fr
                )
                for number, (en, es, fr) in enumerate(AREAS_2025, start=1)
            }
            previous = {objective.number: objective for objective in earlier.objectives.all()}
            for number, area, titles, texts, (kind, continued) in OBJECTIVES_2025:
                objective = Objective.objects.create(
                    objective_set=objective_set,
                    number=number,
                    area=areas[area],
                    title=titles[0],
                    title_es=titles[1],
                    title_fr=titles[2],
                    text=texts[0],
                    text_es=texts[1],
                    text_fr=texts[2],
                )
                for earlier_number in continued:
                    ObjectiveLink.objects.create(
                        objective=objective, earlier=previous[earlier_number], kind=kind
                    )
                if "Netherlands" in titles[0]:
                    objective.partners.add(netherlands)
            ReportingPeriod.objects.bulk_create(
                ReportingPeriod(
                    objective_set=objective_set,
                    name=name,
                    starts_on=starts,
                    ends_on=ends,
                    deadline=due,
                )
                for name, starts, ends, due in quarters(2025)
            )
        official = users["official-nl"]
        if ProgressUpdate.objects.filter(author=official).exists():
            return 0
        objective = objective_set.objectives.get(partners=netherlands)
        period = objective_set.periods.order_by("starts_on").first()
        written = datetime.datetime.combine(
            period.deadline - datetime.timedelta(days=3), datetime.time(15, 30), tzinfo=datetime.UTC
        )
        published = written + datetime.timedelta(days=2)
        update = ProgressUpdate.objects.create(
            objective=objective,
            country=netherlands,
            period=period,
            status=ProgressUpdate.Status.ON_TRACK,
            narrative=PARTNER_CONTRIBUTION,
            author=official,
            state=State.PUBLISHED,
            created_at=written,
            updated_at=published,
            submitted_at=written,
            first_submitted_at=written,
            published_at=published,
            reviewed_by=users["coordinator"],
            version=2,
        )
        audit.record(
            actor=official,
            action=audit.Action.UPDATE_CREATED,
            target=update,
            changes=initial_values(update),
            at=written,
        )
        audit.record(
            actor=official,
            action=audit.Action.UPDATE_SUBMITTED,
            target=update,
            changes={"state": [State.DRAFT, State.SUBMITTED]},
            at=written,
        )
        audit.record(
            actor=users["coordinator"],
            action=audit.Action.UPDATE_PUBLISHED,
            target=update,
            changes={"state": [State.SUBMITTED, State.PUBLISHED]},
            at=published,
        )
        return 1

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
