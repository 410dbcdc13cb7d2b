"""Reads shaped for the complaint screens and endpoints, each in a fixed number of
queries; one module per screen family:

* :mod:`.queue` — the building blocks (scope, deadlines, "stayed again"), the queues and
  the detail page;
* :mod:`.guest` — the guest 360 section, badges, the churn scan's complaint signals;
* :mod:`.analysis` — the complaint analysis, every figure defined once.

Selectors only read; they never import services.
"""

from .analysis import complaint_analysis
from .guest import (
    guest_complaint_signals,
    guest_section_profile,
    open_complaint_badges,
    open_complaint_badges_from_section,
)
from .queue import (
    RETURN_STAY_STATUSES,
    ComplaintDetail,
    assignable_users,
    by_time_left,
    complaint_detail,
    complaint_list,
    complaint_queue,
    complaint_timeline,
    notifications_for,
    overdue_q,
    stayed_again_exists,
    visible_complaints,
    with_deadlines,
    with_stayed_again,
)

__all__ = [
    "RETURN_STAY_STATUSES",
    "ComplaintDetail",
    "assignable_users",
    "by_time_left",
    "complaint_analysis",
    "complaint_detail",
    "complaint_list",
    "complaint_queue",
    "complaint_timeline",
    "guest_complaint_signals",
    "guest_section_profile",
    "notifications_for",
    "open_complaint_badges",
    "open_complaint_badges_from_section",
    "overdue_q",
    "stayed_again_exists",
    "visible_complaints",
    "with_deadlines",
    "with_stayed_again",
]
