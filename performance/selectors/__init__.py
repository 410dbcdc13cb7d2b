"""Reads of the performance reports, each from the daily facts with a fixed number of
queries: ``production``, ``cancellations``, ``source_mix``, ``booking_patterns``,
``pace``, ``forecast``, ``guest_rates``."""

from .cancellations import cancellations
from .filters import ReportFilter, report_filter
from .forecast import forecast
from .guests import guest_filter, guest_rates
from .pace import pace
from .patterns import booking_patterns
from .production import production, rooms_available
from .sources import source_mix

__all__ = [
    "ReportFilter",
    "booking_patterns",
    "cancellations",
    "forecast",
    "guest_filter",
    "guest_rates",
    "pace",
    "production",
    "report_filter",
    "rooms_available",
    "source_mix",
]
