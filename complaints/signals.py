"""Events other apps may listen to (webhooks, churn, care).  Both are sent after commit.

* ``complaint_transitioned(sender=Complaint, complaint_id, from_status, to_status)``:
  a complaint was logged (``from_status == ""``) or moved along the workflow.
* ``complaint_escalated(sender=Complaint, complaint_id, escalation_ids)``: a deadline was
  missed and escalated to the duty managers.
"""

from django.dispatch import Signal

complaint_transitioned = Signal()
complaint_escalated = Signal()
