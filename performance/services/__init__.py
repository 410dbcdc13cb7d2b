"""Writes of the performance app: the daily facts (``facts``) and the demo inventory."""

from .facts import facts_rebuild, facts_refresh, facts_refresh_stays

__all__ = ["facts_rebuild", "facts_refresh", "facts_refresh_stays"]
