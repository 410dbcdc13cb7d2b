"""What happened to profiles: the audit log and the merges (with what moved, to undo them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who viewed, changed, merged, exported or erased what (append-only).

    One log for the whole CRM (``guests.audit``): ``target`` says what was acted on
    (``guest``, ``preference``, ``note``, ``consent``, ``tier``, ``export:<name>``,
    ``admin:<app.model>``), ``object_ref`` which row, ``guest_ref`` whose profile it
    concerns (none for a chain-wide export); ``details`` holds the changed fields with
    their old and new values (scrubbed when the guest is erased), an export's rows …"""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        MERGE = "merge", _("Merged")
        UNMERGE = "unmerge", _("Merge undone")
        EXPORT = "export", _("Exported")
        DENIED = "denied", _("Refused")
        ERASE = "erase", _("Erased")

    guest = models.ForeignKey(
        "guests.Guest", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    guest_ref = models.BigIntegerField(_("guest id"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    target = models.CharField(_("what"), max_length=60, default="guest", db_index=True)
    object_ref = models.CharField(_("object id"), max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, default="web")  # web | api | admin | import | system
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["guest_ref", "-at"], name="audit_guest_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target} {self.object_ref}"


class GuestMerge(models.Model):
    """A merge of a duplicate profile into a survivor, with what moved so it can be
    explained afterwards and undone exactly."""

    survivor = models.ForeignKey("guests.Guest", on_delete=models.PROTECT, related_name="merges_absorbed")
    merged = models.ForeignKey("guests.Guest", on_delete=models.PROTECT, related_name="merges_as_duplicate")
    reasons = models.JSONField(_("why they are the same guest"), default=list)
    reason_note = models.CharField(_("note"), max_length=300, blank=True)
    moved = models.JSONField(_("what moved"), default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guest merge")
        verbose_name_plural = _("guest merges")
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("merged")),
                name="guestmerge_distinct_guests",
                violation_error_message=_("A guest cannot be merged into itself."),
            ),
            # A duplicate can be merged once at a time (undo first to merge it elsewhere).
            models.UniqueConstraint(
                fields=["merged"],
                condition=Q(undone_at__isnull=True),
                name="guestmerge_one_active_per_duplicate",
            ),
        ]

    def __str__(self):
        return f"{self.merged_id} → {self.survivor_id}"
