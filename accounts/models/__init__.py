"""Models of the key-account app, one module per sub-domain (re-exported here)."""

from .accounts import (
    COMMISSIONABLE_TYPES,
    LEVEL_RANK,
    Account,
    AccountClass,
    AccountExternalId,
    AccountMerge,
    AccountTeamMember,
    AccountType,
    Level,
    LevelChange,
    TeamRole,
)
from .contacts import AccountContact, Attitude, ContactLevel, ContactRole
from .plan import AccountDocument, AccountPlan, Competitor, CompetitorPosition, DriverScore, ValueDriver
from .roadmap import AccountMilestone, RoadmapMilestone, RoadmapStage
from .sales import AccountWarningReview, SalesTarget
from .work import (
    AccountEvent,
    Activity,
    ActivityKind,
    ActivityStatus,
    Agreement,
    AgreementStatus,
    CommitmentPeriod,
)

__all__ = [
    "COMMISSIONABLE_TYPES",
    "LEVEL_RANK",
    "Account",
    "AccountClass",
    "AccountContact",
    "AccountDocument",
    "AccountEvent",
    "AccountExternalId",
    "AccountMerge",
    "AccountMilestone",
    "AccountPlan",
    "AccountTeamMember",
    "AccountType",
    "AccountWarningReview",
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "Agreement",
    "AgreementStatus",
    "Attitude",
    "CommitmentPeriod",
    "Competitor",
    "CompetitorPosition",
    "ContactLevel",
    "ContactRole",
    "DriverScore",
    "Level",
    "LevelChange",
    "RoadmapMilestone",
    "RoadmapStage",
    "SalesTarget",
    "TeamRole",
    "ValueDriver",
]
