from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The stored answer to a write sent with an ``Idempotency-Key`` header, so a retry
    gets the same answer instead of doing the write twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=200, help_text=_("HTTP method and path"))
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key")]

    def __str__(self):
        return f"{self.scope} {self.key}"


class IdempotencyGuestRef(models.Model):
    """A guest a stored answer is about (its body may hold their name, e-mail, phone or
    notes), so erasure finds and deletes every stored answer about the person."""

    record = models.ForeignKey(IdempotencyRecord, on_delete=models.CASCADE, related_name="guest_refs")
    guest_ref = models.BigIntegerField(_("guest id"), db_index=True)

    class Meta:
        verbose_name = _("guest of an idempotency record")
        verbose_name_plural = _("guests of idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["record", "guest_ref"], name="idempotency_guest_once_per_record")
        ]

    def __str__(self):
        return f"{self.record_id} → {self.guest_ref}"
