"""Writes and business rules of guest care, one module per sub-domain:

* :mod:`.churn_scan` — the nightly churn scan (:func:`churn_scan`) and closing warnings
  of guests who stayed again;
* :mod:`.warnings` — the win-back worklist: assigning warnings, recording outcomes;
* :mod:`.care_list` — the daily care list (:func:`care_list_build`) and marking items done;
* :mod:`.emails` — care e-mails through the outbox, and their templates;
* :mod:`.surveys` — post-stay satisfaction surveys;
* :mod:`.privacy` — guest merge and erasure hooks;
* :mod:`.common` — the contact log, channel checks, care item lock and scope.

Every function validates first, writes inside one transaction and raises ``DomainError``
naming the offending field(s); nothing is half-written.  Each staff action on a guest
leaves a :class:`~care.models.ContactLog` entry, shown on the guest 360 page.
"""

from .care_list import care_list_build, care_task_complete
from .churn_scan import churn_scan, warnings_close_returned
from .emails import (
    care_email_template_check,
    care_email_template_save,
    care_emails_queue,
    care_task_send_email,
    render_care_email,
)
from .privacy import care_activity, care_erase_guests, merge_move, merge_restore
from .surveys import survey_record
from .warnings import warning_assign, warning_record_outcome

__all__ = [
    "care_email_template_check",
    "care_email_template_save",
    "care_emails_queue",
    "care_activity",
    "care_erase_guests",
    "care_list_build",
    "care_task_complete",
    "care_task_send_email",
    "churn_scan",
    "merge_move",
    "merge_restore",
    "render_care_email",
    "survey_record",
    "warning_assign",
    "warning_record_outcome",
    "warnings_close_returned",
]
