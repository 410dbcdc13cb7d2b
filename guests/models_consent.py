"""The consent ledger: what a guest agreed to, per purpose, with its history.

Append-only: a change of mind is a new entry, never an edit (the model refuses updates,
and on PostgreSQL a trigger refuses them too, except erasure's scrub of the free text).
The current state of a purpose is its latest entry; the guest's ``marketing_*_consent``
and ``profiling_opt_out`` columns are a cache of it for fast filtering, written only by
``guests.services.consent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    MARKETING_EMAIL = "marketing_email", _("Marketing e-mails")
    MARKETING_SMS = "marketing_sms", _("Marketing SMS")
    PROFILING = "profiling", _("Profiling (segments, churn warnings, care list)")
    CROSS_BORDER = "cross_border", _("Cross-border transfer of personal data")
    SENSITIVE = "sensitive", _("Sensitive preferences (health, religion, disability)")


# What holds for a purpose with no entry yet.  Profiling is an opt-out (the chain ranks
# its guests unless they object); every other purpose needs an explicit yes.
DEFAULT_GRANTED = {
    ConsentPurpose.MARKETING_EMAIL: False,
    ConsentPurpose.MARKETING_SMS: False,
    ConsentPurpose.PROFILING: True,
    ConsentPurpose.CROSS_BORDER: False,
    ConsentPurpose.SENSITIVE: False,
}


class ConsentEntry(models.Model):
    """One statement of a guest about one purpose: given or withdrawn, when, where, on
    which wording, recorded by whom."""

    Purpose = ConsentPurpose

    guest = models.ForeignKey(
        "guests.Guest", verbose_name=_("guest"), on_delete=models.PROTECT, related_name="consent_entries"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=50, help_text=_("Where the guest said so: desk, website, booking engine, import …")
    )
    wording_version = models.CharField(_("wording version"), max_length=20)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, default="web")  # web | api | admin | import | system
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("consent entry")
        verbose_name_plural = _("consent entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["guest", "purpose", "-at"], name="consent_guest_purpose_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=[p.value for p in ConsentPurpose]),
                name="consententry_purpose_valid",
                violation_error_message=_("Unknown consent purpose."),
            ),
            models.CheckConstraint(
                condition=~Q(source="") & ~Q(wording_version=""),
                name="consententry_source_and_wording",
                violation_error_message=_("A consent entry names its source and wording version."),
            ),
        ]

    def __str__(self):
        state = "granted" if self.granted else "withdrawn"
        return f"{self.guest_id} {self.purpose} {state} {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("consent entries are append-only: record a new entry instead")
        super().save(*args, **kwargs)
