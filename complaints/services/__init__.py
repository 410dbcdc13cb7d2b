"""Writes and business rules for complaints, one module per sub-domain:

* :mod:`.intake` — logging a complaint, linking it to the guest and stay;
* :mod:`.transitions` — moving it along the workflow (the only code that changes the
  status), with the timeline;
* :mod:`.compensation` — points posted to the loyalty ledger exactly once;
* :mod:`.escalation` — missed deadlines escalated to the duty managers, e-mails through
  the outbox;
* :mod:`.privacy` — guest merge and erasure hooks;
* :mod:`.common` — the row lock, property scope, timeline writer.

Each function validates first (every invalid field at once), writes inside one
transaction with the complaint row locked, appends to the timeline, and raises
``DomainError`` naming the offending field(s); nothing is half-written.  ``by=None``
means the system itself (the periodic task, an import): permission and property-scope
checks apply to people only.
"""

from .compensation import compensation_key, compensations_post_pending
from .escalation import complaint_escalate, complaints_escalate_overdue, duty_managers, notification_acknowledge
from .intake import complaint_create, complaint_link_guest
from .privacy import complaints_activity, complaints_erase_guests, complaints_move_guest, complaints_restore_guest
from .transitions import complaint_transition

__all__ = [
    "complaint_create",
    "complaint_escalate",
    "complaint_link_guest",
    "complaint_transition",
    "complaints_activity",
    "complaints_erase_guests",
    "complaints_escalate_overdue",
    "complaints_move_guest",
    "complaints_restore_guest",
    "compensation_key",
    "compensations_post_pending",
    "duty_managers",
    "notification_acknowledge",
]
