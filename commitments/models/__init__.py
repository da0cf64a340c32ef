"""The nouns of the dialogue, by subject: reference data (countries, meetings, objective sets,
objectives, periods), people (roles, feed keys), progress updates and their discussions, the
audit log and the reminders sent. Import them from here."""

from commitments.mfa import RecoveryCode, RecoveryCodeDevice
from commitments.models.assessments import Assessment, AssessmentQuerySet
from commitments.models.audit import AuditEntry, AuditEntryQuerySet
from commitments.models.evidence import EVIDENCE_FILE_MAX_BYTES, MAX_EVIDENCE_FILES, EvidenceFile
from commitments.models.indicators import (
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    MilestoneMet,
)
from commitments.models.jobs import Job, JobQuerySet
from commitments.models.marking import HandlingMarking
from commitments.models.meetings import MeetingDocument, MeetingSnapshot, MeetingSnapshotRow
from commitments.models.people import ApiToken, Invitation, Membership
from commitments.models.reference import (
    Country,
    CountryQuerySet,
    Meeting,
    MeetingQuerySet,
    Objective,
    ObjectiveLink,
    ObjectiveSet,
    ObjectiveSetQuerySet,
    PriorityArea,
    ReportingPeriod,
    ReportingPeriodQuerySet,
    Translated,
    period_label,
)
from commitments.models.reminders import ReminderLog
from commitments.models.updates import (
    ALL_COUNTRIES,
    COMMENT_MAX_LENGTH,
    MAX_EVIDENCE_LINKS,
    NARRATIVE_MAX_LENGTH,
    Comment,
    ProgressUpdate,
    ProgressUpdateManager,
    ProgressUpdateQuerySet,
)
from commitments.sessions import UserSession

__all__ = [
    "EVIDENCE_FILE_MAX_BYTES",
    "MAX_EVIDENCE_FILES",
    "Assessment",
    "AssessmentQuerySet",
    "EvidenceFile",
    "ALL_COUNTRIES",
    "COMMENT_MAX_LENGTH",
    "MAX_EVIDENCE_LINKS",
    "NARRATIVE_MAX_LENGTH",
    "ApiToken",
    "AuditEntry",
    "AuditEntryQuerySet",
    "Comment",
    "Country",
    "CountryQuerySet",
    "HandlingMarking",
    "Indicator",
    "IndicatorTarget",
    "IndicatorValue",
    "Job",
    "JobQuerySet",
    "Meeting",
    "MeetingDocument",
    "MeetingQuerySet",
    "MeetingSnapshot",
    "MeetingSnapshotRow",
    "Invitation",
    "Membership",
    "Milestone",
    "MilestoneMet",
    "Objective",
    "ObjectiveSet",
    "ObjectiveLink",
    "ObjectiveSetQuerySet",
    "PriorityArea",
    "ProgressUpdate",
    "ProgressUpdateManager",
    "ProgressUpdateQuerySet",
    "RecoveryCode",
    "RecoveryCodeDevice",
    "ReminderLog",
    "ReportingPeriod",
    "ReportingPeriodQuerySet",
    "period_label",
    "Translated",
    "UserSession",
]
