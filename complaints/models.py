"""Complaints: intake, a workflow with deadlines, an append-only timeline, escalations.

Integrity lives here.  The status only ever changes through
``complaints.workflow`` / ``complaints.services`` (the one writer); the database refuses
unknown values and inconsistent states (a resolved complaint without an action, a
satisfaction outside 1-5, ...), and on PostgreSQL a trigger refuses a status change that
is not the latest timeline entry (migration 0002).
"""

from __future__ import annotations

import builtins

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintStatus(models.TextChoices):
    # A state, not the date the complaint came in ("Received" column headers).
    RECEIVED = "received", pgettext_lazy("complaint status", "Received")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    FEEDBACK_RECORDED = "feedback_recorded", _("Feedback recorded")
    CLOSED = "closed", _("Closed")


class ComplaintChannel(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    ONLINE_REVIEW = "online_review", _("Online review")
    OTHER = "other", _("Other")


class ComplaintCategory(models.TextChoices):
    SERVICE_QUALITY = "service_quality", _("Service quality")
    FACILITIES = "facilities", _("Facilities / equipment")
    MANAGEMENT = "management", _("Management")
    EXPECTATION_GAP = "expectation_gap", _("Expectation gap")
    OTHER = "other", _("Other")


class ComplaintSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Complaint(models.Model):
    """A guest's complaint at one property, from intake to closure."""

    Status = ComplaintStatus
    Channel = ComplaintChannel
    Category = ComplaintCategory
    Severity = ComplaintSeverity

    # Not resolved yet: these count against the SLA and show the "open complaint" badge.
    OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.INVESTIGATING)
    # Resolved at least once and not reopened since: an action was taken.
    RESOLVED_STATUSES = (Status.RESOLVED, Status.FEEDBACK_RECORDED, Status.CLOSED)

    property = models.ForeignKey(
        "guests.Property", verbose_name=_("property"), on_delete=models.PROTECT, related_name="complaints"
    )
    guest = models.ForeignKey(
        "guests.Guest",
        verbose_name=_("guest"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        help_text=_("Optional for walk-up complaints; can be linked later."),
    )
    stay = models.ForeignKey(
        "guests.Stay",
        verbose_name=_("stay"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.FRONT_DESK)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField(_("description"))
    source_reference = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        help_text=_("Review id, e-mail message id...: the same reference is never logged twice."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, editable=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # SLA: deadlines are computed from the severity when the complaint is received (and
    # the resolution deadline again when it is reopened).
    received_at = models.DateTimeField(_("received at"), db_index=True)
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    last_escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True, editable=False)

    # Resolution.
    action_taken = models.TextField(_("action taken"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    compensation_points = models.PositiveIntegerField(_("compensation (points)"), default=0)
    compensation_money = models.DecimalField(_("compensation (money)"), max_digits=10, decimal_places=2, default=0)
    compensation_currency = models.CharField(_("compensation currency"), max_length=3, blank=True)
    compensation_posted_at = models.DateTimeField(
        _("points posted to the ledger at"), null=True, blank=True, editable=False
    )
    compensation_reference = models.CharField(_("ledger reference"), max_length=64, blank=True, editable=False)

    # The guest's view of the handling.
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the handling"), null=True, blank=True, help_text=_("1 (very poor) to 5 (excellent)")
    )
    feedback = models.TextField(_("guest feedback"), blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("assign_complaint", _("Can assign complaints")),
            ("handle_complaint", _("Can investigate and resolve complaints and record feedback")),
            ("close_complaint", _("Can close complaints")),
            ("reopen_complaint", _("Can reopen complaints")),
            ("view_complaint_analysis", _("Can view the complaint analysis")),
        ]
        indexes = [
            models.Index(fields=["property", "status"], name="complaint_prop_status_idx"),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_idx"),
            models.Index(fields=["guest", "status"], name="complaint_guest_idx"),
            models.Index(fields=["status", "resolution_due"], name="complaint_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ComplaintStatus]),
                name="complaint_status_valid",
                violation_error_message=_("Unknown complaint status."),
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in ComplaintChannel]),
                name="complaint_channel_valid",
                violation_error_message=_("Unknown channel."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in ComplaintCategory]),
                name="complaint_category_valid",
                violation_error_message=_("Unknown category."),
            ),
            models.CheckConstraint(
                condition=Q(severity__in=[s.value for s in ComplaintSeverity]),
                name="complaint_severity_valid",
                violation_error_message=_("Unknown severity."),
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="complaint_description_not_empty",
                violation_error_message=_("A complaint needs a description."),
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_to_5",
                violation_error_message=_("Satisfaction is rated from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(compensation_money__gte=0),
                name="complaint_compensation_money_not_negative",
                violation_error_message=_("Compensation cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(first_response_due__gte=models.F("received_at"))
                & Q(resolution_due__gte=models.F("first_response_due")),
                name="complaint_deadlines_ordered",
                violation_error_message=_("Deadlines must follow the time the complaint was received."),
            ),
            models.CheckConstraint(
                condition=Q(status="received") | Q(assignee__isnull=False),
                name="complaint_worked_has_assignee",
                violation_error_message=_("A complaint being worked on needs an assignee."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "feedback_recorded", "closed"])
                | (~Q(action_taken="") & Q(resolved_at__isnull=False)),
                name="complaint_resolved_has_action",
                violation_error_message=_("A resolved complaint needs the action taken."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["feedback_recorded", "closed"]) | Q(satisfaction__isnull=False),
                name="complaint_feedback_has_satisfaction",
                violation_error_message=_("Recorded feedback needs a satisfaction score."),
            ),
            models.UniqueConstraint(
                fields=["channel", "source_reference"],
                condition=~Q(source_reference=""),
                name="complaint_unique_source_reference",
                violation_error_message=_("A complaint with this source reference was already logged."),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.property_id} {self.get_category_display()}"

    @builtins.property  # the `property` field shadows the built-in here
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @builtins.property  # the `property` field shadows the built-in here
    def next_deadline(self):
        """The deadline that counts now: first response until someone picks the complaint
        up, then resolution; none once resolved."""
        if self.status == self.Status.RECEIVED:
            return self.first_response_due
        if self.status in self.OPEN_STATUSES:
            return self.resolution_due
        return None


class ComplaintEventKind(models.TextChoices):
    CREATED = "created", _("Logged")
    TRANSITION = "transition", _("Status change")
    REOPENED = "reopened", _("Reopened")
    GUEST_LINKED = "guest_linked", _("Guest linked")
    ESCALATED = "escalated", _("Escalated")
    COMPENSATION_POSTED = "compensation_posted", _("Compensation posted")


class ComplaintEvent(models.Model):
    """One line of a complaint's timeline: who did what, when, from which status to which.

    Append-only: services only ever insert; on PostgreSQL a trigger refuses updates of
    these columns and deletes (migration 0002).
    """

    Kind = ComplaintEventKind

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ComplaintStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("complaint timeline entry")
        verbose_name_plural = _("complaint timeline entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaintevent_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ComplaintEventKind]),
                name="complaintevent_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(to_status__in=[s.value for s in ComplaintStatus]),
                name="complaintevent_to_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(from_status="") | Q(from_status__in=[s.value for s in ComplaintStatus]),
                name="complaintevent_from_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.complaint_id}: {self.from_status or '∅'} → {self.to_status}"


class EscalationKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response overdue")
    RESOLUTION = "resolution", _("Resolution overdue")


class ComplaintEscalation(models.Model):
    """A breached deadline, escalated once to the property's duty managers.

    One per complaint per breach: the (complaint, deadline kind, deadline) triple is
    unique, so a rerun of the periodic task finds it and does nothing; a reopened
    complaint gets a new resolution deadline, hence a new breach if it is missed again.
    """

    Kind = EscalationKind

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    deadline = models.DateTimeField(_("deadline missed"))
    escalated_at = models.DateTimeField(_("escalated at"))

    class Meta:
        verbose_name = _("complaint escalation")
        verbose_name_plural = _("complaint escalations")
        ordering = ["-escalated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "deadline"],
                name="complaintescalation_once_per_breach",
                violation_error_message=_("This breach was already escalated."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["first_response", "resolution"]),
                name="complaintescalation_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.complaint_id}: {self.kind} {self.deadline:%Y-%m-%d %H:%M}"


class ComplaintNotification(models.Model):
    """An escalation addressed to one duty manager (shown in their queue, e-mailed
    through the outbox)."""

    escalation = models.ForeignKey(ComplaintEscalation, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_notifications"
    )
    created_at = models.DateTimeField(_("created at"))
    # The e-mail to the duty manager, queued in the outbox in the escalation's
    # transaction; its row says whether it waits, was sent or failed.
    email = models.ForeignKey(
        "outbox.OutboundEmail",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint notification")
        verbose_name_plural = _("complaint notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "acknowledged_at"], name="complaintnotif_recip_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "recipient"],
                name="complaintnotification_once_per_recipient",
            )
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.escalation}"
