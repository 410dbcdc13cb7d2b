"""Guest care and retention: churn warnings, the daily care list, post-stay surveys and
the contact log that records every action taken towards a guest.

Integrity lives here: one open churn warning per guest (a partial unique index), one
care item per guest, kind and due date, one survey per stay, scores in range, a "lost"
outcome always carrying its reason.  Writes go through ``care.services``; reads shaped
for a screen through ``care.selectors``.  Nothing here points at the analytics or
complaints tables: those apps are read through their selectors only.
"""

from __future__ import annotations

import builtins

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChurnReason(models.TextChoices):
    LAPSED = "lapsed", _("Lapsed")
    DECLINING = "declining", _("Declining")
    AT_RISK = "at_risk", _("At risk")


class ChurnScan(models.Model):
    """One run of the churn scan for an as-of date; a rerun for the same date updates
    its row (the task's idempotency key)."""

    as_of = models.DateField(_("as of"), unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("churn scan")
        verbose_name_plural = _("churn scans")
        ordering = ["-as_of"]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d}"


class ChurnWarning(models.Model):
    """An early warning that a guest is drifting away, with the reasons and the numbers
    behind them, worked by the sales team until it closes."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        NONE = "", _("Not worked yet")
        CONTACTED = "contacted", _("Contacted")
        OFFER_MADE = "offer_made", _("Offer made")
        WON_BACK = "won_back", _("Won back")
        LOST = "lost", _("Lost")
        RETURNED = "returned", _("Returned (stayed again)")
        CLEARED = "cleared", _("No longer flagged")
        REBOOKED = "rebooked", _("Booked again (a stay on the books)")

    class LostReason(models.TextChoices):
        NONE = "", _("—")
        PRICE = "price", _("Price / rates")
        SERVICE = "service", _("Service or product quality")
        COMPLAINT = "complaint", _("Complaint not resolved to satisfaction")
        COMPETITOR = "competitor", _("Chose a competitor")
        LOCATION = "location", _("Location / no longer travels here")
        COMPANY_POLICY = "company_policy", _("Company travel policy")
        PERSONAL = "personal", _("Personal circumstances")
        OTHER = "other", _("Other")

    # Outcomes staff record; the others are set by the scan or by a new stay.
    STAFF_OUTCOMES = (Outcome.CONTACTED, Outcome.OFFER_MADE, Outcome.WON_BACK, Outcome.LOST)
    OPEN_OUTCOMES = (Outcome.NONE, Outcome.CONTACTED, Outcome.OFFER_MADE)
    CLOSING_OUTCOMES = (Outcome.WON_BACK, Outcome.LOST, Outcome.RETURNED, Outcome.CLEARED, Outcome.REBOOKED)

    guest = models.ForeignKey(
        "guests.Guest", verbose_name=_("guest"), on_delete=models.CASCADE, related_name="churn_warnings"
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    reasons = models.JSONField(
        _("reasons"),
        default=dict,
        help_text=_("{reason: {the numbers behind it}} for lapsed, declining, at_risk."),
    )
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    score_detail = models.JSONField(_("score detail"), default=dict, blank=True)
    segment = models.CharField(_("value segment"), max_length=10, blank=True)
    last_property = models.ForeignKey(
        "guests.Property",
        verbose_name=_("last stay at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # filtered together with status; an index would only slow the nightly writes
    )
    last_departure = models.DateField(_("last departure"), null=True, blank=True)
    last_arrival = models.DateField(
        _("last arrival"),
        null=True,
        blank=True,
        help_text=_("Latest arrival known when the warning was last refreshed; a later one means the guest returned."),
    )
    opened_on = models.DateField(_("opened on"))
    as_of = models.DateField(
        _("numbers as of"), help_text=_("Scan date of the reasons, score and segment shown (their last change).")
    )
    digest = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("Fingerprint of what the scan found; a rerun rewrites the row only when it changes."),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="churn_warnings",
        db_index=False,  # churnwarning_assignee_idx (assigned_to, status) serves it
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outcome recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    lost_reason = models.CharField(_("reason lost"), max_length=16, choices=LostReason.choices, blank=True, default="")
    competitor = models.CharField(_("competitor"), max_length=100, blank=True)
    outcome_note = models.TextField(_("note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("churn warning")
        verbose_name_plural = _("churn warnings")
        ordering = ["-score", "last_departure", "id"]
        permissions = [
            ("assign_churnwarning", _("Can assign churn warnings to salespeople")),
            ("view_lost_analysis", _("Can view the lost-guest analysis")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["guest"],
                condition=Q(status="open"),
                name="churnwarning_one_open_per_guest",
                violation_error_message=_("This guest already has an open churn warning."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100),
                name="churnwarning_score_0_100",
                violation_error_message=_("The score is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]),
                name="churnwarning_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome__in=["", "contacted", "offer_made"])
                | Q(status="closed", outcome__in=["won_back", "lost", "returned", "cleared", "rebooked"]),
                name="churnwarning_outcome_matches_status",
                violation_error_message=_(
                    "Won back, lost, returned, cleared and rebooked close a warning; nothing else does."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(outcome="lost") | ~Q(lost_reason=""),
                name="churnwarning_lost_has_reason",
                violation_error_message=_("A lost guest needs the reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="churnwarning_status_score_idx"),
            models.Index(fields=["outcome", "closed_at"], name="churnwarn_outcome_closed_idx"),
            models.Index(fields=["assigned_to", "status"], name="churnwarning_assignee_idx"),
            # Warnings opened in a period (performance's churn rate).
            models.Index(fields=["opened_on"], name="churnwarning_opened_idx"),
        ]

    def __str__(self):
        return f"{self.guest_id}: {self.score} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in ChurnReason.values if code in (self.reasons or {})]


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS / messaging")
    IN_PERSON = "in_person", _("In person at the hotel")
    LETTER = "letter", _("Letter / card")
    INTERNAL = "internal", _("No contact (internal)")


# Channels that reach out to a guest for marketing; refused without consent.
MARKETING_CHANNELS = (ContactChannel.PHONE, ContactChannel.EMAIL, ContactChannel.SMS, ContactChannel.LETTER)


class CareTask(models.Model):
    """One item of the daily care list: a reason to contact (or prepare for) a guest on a
    given day.  Built by ``care_list_build``; unique per guest, kind and due date, so a
    rebuild of the same day adds nothing."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        ANNIVERSARY = "anniversary", _("Anniversary of first stay")
        POST_STAY = "post_stay", _("Post-stay follow-up")
        WIN_BACK = "win_back", _("Win back (we have missed you)")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("No longer needed")

    guest = models.ForeignKey(
        "guests.Guest", verbose_name=_("guest"), on_delete=models.CASCADE, related_name="care_tasks"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    due_date = models.DateField(_("due"))
    property = models.ForeignKey(
        "guests.Property",
        verbose_name=_("property"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stay = models.ForeignKey(
        "guests.Stay", verbose_name=_("stay"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    warning = models.ForeignKey(
        ChurnWarning,
        verbose_name=_("churn warning"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_tasks",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The e-mail queued for this item in the outbox: its row says whether it waits, was
    # sent (only once the mail server accepted it) or failed.
    email = models.ForeignKey(
        "outbox.OutboundEmail",
        verbose_name=_("e-mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    built_on = models.DateField(_("added to the list on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("care item")
        verbose_name_plural = _("care items")
        ordering = ["due_date", "kind", "id"]
        permissions = [("export_caretask", _("Can export the care list with contact details"))]
        constraints = [
            models.UniqueConstraint(
                fields=["guest", "kind", "due_date"],
                name="caretask_one_per_guest_kind_day",
                violation_error_message=_("This care item is already on the list."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["birthday", "anniversary", "post_stay", "win_back"]),
                name="caretask_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | Q(status__in=["open", "cancelled"]),
                name="caretask_done_has_time",
                violation_error_message=_("A done care item records when it was done."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="caretask_status_due_idx"),
            models.Index(fields=["property", "due_date"], name="caretask_property_due_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.guest_id} · {self.due_date:%Y-%m-%d}"

    @builtins.property  # the `property` field shadows the built-in here
    def email_status(self) -> str:
        """``pending``, ``sent``, ``failed`` or ``cancelled`` from the outbox; empty
        when no e-mail was queued."""
        return self.email.status if self.email_id else ""


class CareEmailTemplate(models.Model):
    """The e-mail sent for a kind of care item, editable by administrators.  Subject and
    body are Django templates with ``guest``, ``task`` and ``property`` in context."""

    kind = models.CharField(_("care item kind"), max_length=12, choices=CareTask.Kind.choices)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Empty: used when no template matches the guest's language."),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("care e-mail template")
        verbose_name_plural = _("care e-mail templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language"],
                name="careemailtemplate_one_per_kind_language",
                violation_error_message=_("There is already a template for this kind and language."),
            ),
            models.CheckConstraint(
                condition=~Q(subject="") & ~Q(body=""),
                name="careemailtemplate_not_empty",
                violation_error_message=_("A template needs a subject and a body."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language or '*'})"


class StaySurvey(models.Model):
    """The guest's post-stay satisfaction (overall 1-5, 5 = completely satisfied)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff form")
        API = "api", _("API / survey tool")
        ONLINE = "online", _("Online survey")

    stay = models.OneToOneField("guests.Stay", verbose_name=_("stay"), on_delete=models.CASCADE, related_name="survey")
    guest = models.ForeignKey("guests.Guest", verbose_name=_("guest"), on_delete=models.CASCADE, related_name="surveys")
    overall = models.PositiveSmallIntegerField(_("overall satisfaction (1-5)"))
    comment = models.TextField(_("comment"), blank=True)
    received_on = models.DateField(_("received on"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.STAFF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("stay survey")
        verbose_name_plural = _("stay surveys")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__gte=1, overall__lte=5),
                name="staysurvey_overall_1_5",
                violation_error_message=_("Overall satisfaction is rated from 1 to 5."),
            ),
        ]
        indexes = [
            models.Index(fields=["overall", "received_on"], name="staysurvey_overall_day_idx"),
            models.Index(fields=["guest", "-received_on"], name="staysurvey_guest_day_idx"),
        ]

    def __str__(self):
        return f"{self.stay_id}: {self.overall}/5"

    @property
    def is_top_box(self) -> bool:
        return self.overall == 5


class ContactLog(models.Model):
    """Append-only record of what staff did towards a guest (calls, offers, care items,
    e-mails), shown on the guest 360 page."""

    class Kind(models.TextChoices):
        WARNING_ASSIGNED = "assigned", _("Churn warning assigned")
        WARNING_OUTCOME = "outcome", _("Churn warning outcome")
        CARE_DONE = "care_done", _("Care item done")
        CARE_EMAIL = "care_email", _("Care e-mail")

    guest = models.ForeignKey(
        "guests.Guest", verbose_name=_("guest"), on_delete=models.CASCADE, related_name="contact_logs"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ChurnWarning.Outcome.choices, blank=True, default=""
    )
    warning = models.ForeignKey(
        ChurnWarning,
        verbose_name=_("churn warning"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_logs",
    )
    care_task = models.ForeignKey(
        CareTask,
        verbose_name=_("care item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_logs",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact log entry")
        verbose_name_plural = _("contact log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["guest", "-created_at"], name="contactlog_guest_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["assigned", "outcome", "care_done", "care_email"]),
                name="contactlog_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.guest_id}: {self.get_kind_display()} {self.created_at:%Y-%m-%d}"
