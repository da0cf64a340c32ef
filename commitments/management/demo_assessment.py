"""The demo's evidence files and the secretariat's assessment of the 2024 set (load_demo).

A few published 2024 reports carry a document and a chart, and one of Canada's drafts a
document its official may still remove; the coordinators' interim review (finalised in
July 2024) and final review (November 2024, before the 8th NADD) rate every member
country on every 2024 objective, each relying on the country's latest published report
then, with Mexico's reply to one final assessment and one final assessment of the
United States still a draft, open for its reply. Every text is fictional, and marked so.
"""

import datetime
import hashlib
import io
import random
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from commitments import audit, evidence
from commitments.models import Assessment, Country, EvidenceFile, ObjectiveSet, ProgressUpdate

State = ProgressUpdate.State
INTERIM_AT = datetime.datetime(2024, 7, 31, 15, 0, tzinfo=datetime.UTC)
FINAL_AT = datetime.datetime(2024, 11, 8, 15, 0, tzinfo=datetime.UTC)
INTERIM_CUTOFF = datetime.date(2024, 7, 20)

# (country code, objective number, quarter): published reports carrying demo files.
FILED = [("CA", 1, 3), ("MX", 4, 3), ("US", 2, 2), ("MX", 7, 2)]

Rating = Assessment.Rating
# The ratings a status suggests at each review, one drawn at random (the coordinators'
# judgement in the demo): work on track at mid-year is mostly partial compliance, and
# mostly full by the end of the year.
RATING_OF = {
    "completed": ((Rating.FULL,), (Rating.FULL,)),
    "on_track": ((Rating.FULL, Rating.PARTIAL, Rating.PARTIAL), (Rating.FULL,)),
    "at_risk": ((Rating.PARTIAL, Rating.NONE), (Rating.PARTIAL,)),
    "off_track": ((Rating.NONE,), (Rating.NONE,)),
    "not_started": ((Rating.NONE,), (Rating.NONE,)),
}
RATIONALE = {
    Assessment.Rating.FULL: (
        "Fictional demo text. {country}'s reports up to {period} show the action completed "
        "as the objective asks, with the results it describes."
    ),
    Assessment.Rating.PARTIAL: (
        "Fictional demo text. {country}'s reports up to {period} show work under way on "
        "most of what the objective asks; part of it is not yet in place."
    ),
    Assessment.Rating.NONE: (
        "Fictional demo text. {country}'s reports up to {period} show no step yet on what "
        "the objective asks in the period."
    ),
}
MEXICO_REPLY = (
    "Fictional demo text. Mexico notes that the data-sharing protocol was signed on "
    "30 October 2024 and asks that the final assessment take it into account."
)


def pdf_document(title):
    """A one-page PDF saying what it is (fictional demo content)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj 0 -24 Td (Fictional demo document.) Tj ET"
    stream = stream.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    )
    return out.getvalue()


def png_chart(values):
    """A small bar chart (a PNG image) of ``values``."""
    image = Image.new("RGB", (240, 120), "white")
    draw = ImageDraw.Draw(image)
    for index, value in enumerate(values):
        left = 20 + index * 50
        draw.rectangle([left, 110 - value, left + 30, 110], fill=(18, 53, 91))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _keep(update, actor, name, kind, content, at):
    stored_as = evidence.storage().save(f"{update.pk}/{uuid.uuid4().hex}", ContentFile(content))
    made = EvidenceFile.objects.create(
        update=update,
        name=name,
        kind=kind,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        stored_as=stored_as,
        uploaded_by=actor,
        uploaded_at=at,
    )
    return made


def add_evidence_files(users):
    """Files on a few published 2024 reports and on one of Canada's drafts; none when
    the demo reports already carry some."""
    if EvidenceFile.objects.filter(update__is_demo=True).exists():
        return 0
    objective_set = ObjectiveSet.objects.filter(year=2024).first()
    periods = list(objective_set.periods.order_by("starts_on"))
    made = 0
    for code, number, quarter in FILED:
        update = (
            ProgressUpdate.objects.published()
            .filter(
                country__code=code,
                objective__objective_set=objective_set,
                objective__number=number,
                period=periods[quarter - 1],
                is_demo=True,
            )
            .first()
        )
        if update is None:
            continue
        at = update.created_at
        files = [
            _keep(
                update,
                update.author,
                f"{code}-objective-{number}-Q{quarter}-report.pdf",
                EvidenceFile.Kind.PDF,
                pdf_document(f"{code} objective {number}, 2024 Q{quarter}: supporting report"),
                at,
            ),
            _keep(
                update,
                update.author,
                f"{code}-objective-{number}-Q{quarter}-chart.png",
                EvidenceFile.Kind.PNG,
                png_chart([30 + quarter * 10, 50, 70, 60]),
                at,
            ),
        ]
        _audit(update, files, at)
        made += len(files)
    draft = (
        ProgressUpdate.objects.filter(
            country__code="CA",
            state=State.DRAFT,
            is_demo=True,
            objective__objective_set=objective_set,
        )
        .order_by("objective__number")
        .first()
    )
    if draft is not None:
        file = _keep(
            draft,
            draft.author,
            "draft-annex.pdf",
            EvidenceFile.Kind.PDF,
            pdf_document("Draft annex, still to be checked"),
            draft.updated_at,
        )
        _audit(draft, [file], draft.updated_at)
        made += 1
    return made


def _audit(update, files, at):
    audit.record(
        actor=update.author,
        action=audit.Action.UPDATE_FILES_ATTACHED,
        target=update,
        changes={"evidence_files": [[], [f.description for f in files]]},
        at=at,
    )


def _latest(objective, country, cutoff):
    return (
        ProgressUpdate.objects.published()
        .filter(objective=objective, country=country, published_at__date__lte=cutoff)
        .select_related("period")
        .latest_period_first()
        .first()
    )


def add_assessments(users):
    """The interim and final review of the 2024 set; none when the demo has them."""
    if Assessment.objects.filter(is_demo=True).exists():
        return 0
    coordinator = users["coordinator"]
    objective_set = ObjectiveSet.objects.filter(year=2024).first()
    countries = list(Country.objects.members().order_by("name"))
    rng = random.Random(15)  # noqa: S311 - demo judgement, not a secret
    made = 0
    for review, cutoff, at in (
        (Assessment.Review.INTERIM, INTERIM_CUTOFF, INTERIM_AT),
        (Assessment.Review.FINAL, FINAL_AT.date(), FINAL_AT),
    ):
        for objective in objective_set.objectives.order_by("number"):
            for country in countries:
                latest = _latest(objective, country, cutoff)
                step = 0 if review == Assessment.Review.INTERIM else 1
                rating = rng.choice(RATING_OF[latest.status][step]) if latest else Rating.NONE
                period = latest.period.name if latest else objective_set.year
                left_draft = (country.code, objective.number, review) == ("US", 9, "final")
                replied = (country.code, objective.number, review) == ("MX", 4, "final")
                made += _assess(
                    coordinator=coordinator,
                    official=users.get(f"official-{country.code.lower()}"),
                    objective=objective,
                    country=country,
                    review=review,
                    rating=rating,
                    rationale=RATIONALE[rating].format(country=country.name, period=period),
                    latest=latest,
                    at=at,
                    final=not left_draft,
                    reply=MEXICO_REPLY if replied else "",
                )
    return made


def _assess(
    *,
    coordinator,
    official,
    objective,
    country,
    review,
    rating,
    rationale,
    latest,
    at,
    final,
    reply,
):
    written = at - datetime.timedelta(days=10)
    assessment = Assessment.objects.create(
        objective=objective,
        country=country,
        review=review,
        rating=rating,
        rationale=rationale,
        author=coordinator,
        created_at=written,
        updated_at=written,
        is_demo=True,
    )
    if latest is not None:
        assessment.evidence_updates.set([latest])
        assessment.evidence_files.set(evidence.current_files(latest))
    audit.record(
        actor=coordinator,
        action=audit.Action.ASSESSMENT_DRAFTED,
        target=assessment,
        changes={
            "rating": [None, {1: "+1", 0: "0", -1: "−1"}[rating]],
            "rationale": [None, rationale],
            "evidence": [None, [str(latest.period)] if latest else []],
        },
        at=written,
    )
    if reply and official is not None:
        replied = at - datetime.timedelta(days=3)
        Assessment.objects.filter(pk=assessment.pk).update(
            reply=reply, replied_by=official, replied_at=replied, version=2
        )
        audit.record(
            actor=official,
            action=audit.Action.ASSESSMENT_REPLIED,
            target=assessment,
            changes={"reply": [None, reply]},
            at=replied,
        )
    if final:
        Assessment.objects.filter(pk=assessment.pk).update(
            state=Assessment.State.FINAL, finalised_at=at, finalised_by=coordinator, updated_at=at
        )
        audit.record(
            actor=coordinator,
            action=audit.Action.ASSESSMENT_FINALISED,
            target=assessment,
            changes={"state": ["draft", "final"]},
            at=at,
        )
    return 1
