"""Writes of the performance app: the daily facts (``facts``), the guest journeys the
guest-level rates read (``journeys``) and the demo inventory."""

from .facts import facts_rebuild, facts_refresh, facts_refresh_stays
from .journeys import journeys_rebuild, journeys_refresh, journeys_refresh_stays

__all__ = [
    "facts_rebuild",
    "facts_refresh",
    "facts_refresh_stays",
    "journeys_rebuild",
    "journeys_refresh",
    "journeys_refresh_stays",
]
