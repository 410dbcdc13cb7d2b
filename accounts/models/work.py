"""The sales work on an account: activities, agreements (negotiated rates) and the
account's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import Account
from .contacts import AccountContact


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    SITE_INSPECTION = "site_inspection", _("Site inspection")
    PROPOSAL = "proposal", _("Proposal")
    ENTERTAINMENT = "entertainment", _("Entertainment")
    QUARTERLY_REVIEW = "quarterly_review", _("Quarterly review")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    """A call, visit, site inspection … planned for a salesperson, then done with an
    outcome and a next step (which becomes the follow-up activity)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="account_activities"
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    follow_up = models.OneToOneField(
        "self",
        verbose_name=_("follow-up activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follows",
    )
    contact = models.ForeignKey(
        AccountContact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    property = models.ForeignKey(
        "guests.Property", verbose_name=_("property"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="activity_agenda_idx"),
            models.Index(fields=["account", "due_on"], name="activity_account_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="activity_done_has_date",
            ),
            models.CheckConstraint(condition=~Q(follow_up=F("id")), name="activity_not_own_follow_up"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    SIGNED = "signed", _("Signed")
    EXPIRED = "expired", _("Expired")


class CommitmentPeriod(models.TextChoices):
    MONTH = "month", _("Per month")
    QUARTER = "quarter", _("Per quarter")
    YEAR = "year", _("Per year")
    TERM = "term", _("Over the whole term")


class Agreement(models.Model):
    """A negotiated rate of an account at one property: the rate code the stays carry,
    its validity, price (a rate or a discount), inclusions, the room nights the account
    commits to per period, the commission (agencies) and where the contract stands.

    (property, rate code, validity) is what the later production figures measure
    against; one rate code at one property belongs to one agreement at a time.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="agreements")
    property = models.ForeignKey(
        "guests.Property", verbose_name=_("property"), on_delete=models.PROTECT, related_name="+"
    )
    rate_code = models.CharField(_("rate code"), max_length=20)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    rate_amount = models.DecimalField(_("rate per night"), max_digits=12, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    inclusions = models.CharField(_("inclusions"), max_length=300, blank=True)
    room_nights_committed = models.PositiveIntegerField(_("room nights committed"), default=0)
    commitment_period = models.CharField(
        _("commitment period"), max_length=10, choices=CommitmentPeriod.choices, default=CommitmentPeriod.YEAR
    )
    commission_percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    renewal_on = models.DateField(_("renewal date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-valid_to", "id"]
        indexes = [
            models.Index(fields=["property", "rate_code", "valid_from"], name="agreement_code_idx"),
            models.Index(fields=["status", "valid_to"], name="agreement_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="agreement_end_not_before_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True) | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="agreement_discount_percent",
            ),
            models.CheckConstraint(
                condition=Q(commission_percent__isnull=True)
                | Q(commission_percent__gte=0, commission_percent__lte=100),
                name="agreement_commission_percent",
            ),
            models.CheckConstraint(
                condition=Q(rate_amount__isnull=True) | Q(rate_amount__gte=0), name="agreement_rate_not_negative"
            ),
            models.CheckConstraint(condition=~Q(rate_code=""), name="agreement_rate_code_not_empty"),
        ]

    def __str__(self):
        return f"{self.rate_code} @ {self.property_id} ({self.valid_from}–{self.valid_to})"


class AccountEvent(models.Model):
    """One line of an account's timeline (append-only).  ``data`` holds codes, dates and
    figures, never a person's name: names are read from the linked rows at display
    time, so erasing a person also clears them from the timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Account created")
        CHANGED = "changed", _("Account details changed")
        OWNER = "owner", _("Owner changed")
        TEAM = "team", _("Team changed")
        LEVEL = "level", _("Relationship level")
        PLAN = "plan", _("Plan updated")
        CONTACT = "contact", _("Contact")
        ACTIVITY_PLANNED = "activity_planned", _("Activity planned")
        ACTIVITY_DONE = "activity_done", _("Activity done")
        ACTIVITY_CANCELLED = "activity_cancelled", _("Activity cancelled")
        MILESTONE = "milestone", _("Milestone reached")
        MILESTONE_UNDONE = "milestone_undone", _("Milestone unticked")
        AGREEMENT = "agreement", _("Agreement")
        MERGE = "merge", _("Merge")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agreement = models.ForeignKey(Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account", "-at"], name="accountevent_account_at_idx")]

    def __str__(self):
        return f"{self.account_id} {self.kind} {self.at:%Y-%m-%d}"
