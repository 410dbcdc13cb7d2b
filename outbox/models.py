"""Every e-mail the CRM sends, as a row written in the same transaction as the business
change that causes it (an escalation, a care item), so a rollback sends nothing and a
broker or mail-server outage loses nothing."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up)")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=40, help_text=_("e.g. complaint_escalation, care_email"))
    key = models.CharField(
        _("idempotency key"), max_length=150, unique=True, help_text=_("the same key is never queued twice")
    )
    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # The guest the message is about or addressed to (erasure scrubs by it; consent is
    # checked again at sending time when ``consent_purpose`` is set).
    guest_ref = models.BigIntegerField(_("guest id"), null=True, blank=True, db_index=True)
    consent_purpose = models.CharField(_("consent needed"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
                violation_error_message=_("A sent e-mail records when it was sent."),
            )
        ]

    def __str__(self):
        return f"{self.kind} → {self.to} ({self.status})"
