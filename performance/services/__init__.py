"""Writes of the performance app: the daily facts (``facts``, kept by difference on
stay writes in ``facts_delta``), the guest journeys the guest-level rates read
(``journeys``) and the demo inventory."""

from .facts import facts_rebuild
from .facts_delta import facts_refresh_stays
from .journeys import journeys_rebuild, journeys_refresh, journeys_refresh_stays

__all__ = [
    "facts_rebuild",
    "facts_refresh_stays",
    "journeys_rebuild",
    "journeys_refresh",
    "journeys_refresh_stays",
]
