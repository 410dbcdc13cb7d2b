"""Loyalty programme: tiers, memberships, the points ledger, rewards and claims.

The ledger (:class:`PointsTransaction`) is append-only: a row is never updated or deleted
(the model refuses it, and on PostgreSQL a trigger does too).  A membership's balance is
the sum of its ledger; ``Membership.points_balance`` caches it and is only ever written
together with a ledger row, in the same transaction, under ``select_for_update`` (see
``loyalty.services``).  Writes go through ``loyalty.services``; reads shaped for a
screen through ``loyalty.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm_site.labels import in_language


class Tier(models.Model):
    """A membership level.  A guest qualifies for a tier in a calendar year by staying
    ``qualifying_nights`` nights OR spending ``qualifying_spend`` (chain currency);
    a threshold of 0 switches that route off.  The lowest-ranked tier is the base tier
    every member holds."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50, blank=True, db_default="")
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("Higher rank = higher tier."))
    qualifying_nights = models.PositiveIntegerField(
        _("qualifying nights per year"), default=0, help_text=_("0 = no nights route")
    )
    qualifying_spend = models.DecimalField(
        _("qualifying spend per year"), max_digits=12, decimal_places=2, default=0, help_text=_("0 = no spend route")
    )
    earn_multiplier = models.DecimalField(_("earn multiplier"), max_digits=4, decimal_places=2, default=1)
    benefits = models.TextField(_("benefits"), blank=True, help_text=_("One benefit per line."))

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(earn_multiplier__gt=0) & Q(earn_multiplier__lte=10),
                name="tier_multiplier_range",
                violation_error_message=_("The earn multiplier must be above 0 and at most 10."),
            ),
            models.CheckConstraint(
                condition=Q(qualifying_spend__gte=0),
                name="tier_spend_not_negative",
                violation_error_message=_("Qualifying spend cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The Chinese name when set under the Chinese interface; else the name through
        the catalogue (the default tiers' names are translated there)."""
        return in_language(gettext(self.name), self.name_zh)

    @property
    def benefit_lines(self) -> list[str]:
        return [line.strip() for line in gettext(self.benefits).splitlines() if line.strip()] if self.benefits else []

    def qualifies(self, *, nights: int, spend) -> bool:
        """Does a year with these nights and this spend reach this tier?"""
        return (self.qualifying_nights > 0 and nights >= self.qualifying_nights) or (
            self.qualifying_spend > 0 and spend >= self.qualifying_spend
        )

    def clean(self):
        lowest = Tier.objects.exclude(pk=self.pk).order_by("rank").values_list("rank", flat=True).first()
        is_base = lowest is None or self.rank < lowest
        if not is_base and not self.qualifying_nights and not self.qualifying_spend:
            raise ValidationError(
                {"qualifying_nights": _("A tier above the base tier needs a nights or a spend threshold.")}
            )


class Membership(models.Model):
    """A guest's loyalty account (one per guest).

    Member numbers are ``M`` + 9 digits: 8 random digits and a Luhn check digit, so a
    mistyped number is recognised without a database lookup.
    """

    guest = models.OneToOneField(
        "guests.Guest", verbose_name=_("guest"), on_delete=models.PROTECT, related_name="membership"
    )
    member_number = models.CharField(_("member number"), max_length=10, unique=True)
    enrolled_on = models.DateField(_("enrolment date"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="memberships")
    tier_since = models.DateField(_("tier since"))
    tier_valid_until = models.DateField(
        _("tier valid until"), null=True, blank=True, help_text=_("Empty for the base tier.")
    )
    tier_reason = models.TextField(_("why this tier"), blank=True)
    # Cache of the ledger sum: written only with a ledger row, under select_for_update.
    points_balance = models.IntegerField(_("points balance"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["member_number"]
        indexes = [models.Index(fields=["tier", "member_number"], name="membership_tier_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_balance__gte=0),
                name="membership_balance_not_negative",
                violation_error_message=_("A points balance cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(member_number__regex=r"^M[0-9]{9}$"),
                name="membership_number_format",
                violation_error_message=_("A member number is M followed by 9 digits."),
            ),
        ]

    def __str__(self):
        return self.member_number

    def save(self, *args, **kwargs):
        # The cached balance is written only by the ledger code (an UPDATE next to the
        # ledger row, under the row lock): a full save of a stale instance must not put
        # an old balance back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "points_balance"
            ]
        super().save(*args, **kwargs)


class PointsTransaction(models.Model):
    """One movement of points.  Append-only: corrections are new rows, never edits."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earn")
        REDEEM = "redeem", _("Redeem")
        ADJUST = "adjust", _("Adjustment")
        EXPIRE = "expire", _("Expiry")
        COMPENSATION = "compensation", _("Compensation")

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=150, unique=True)
    # Hash of what was asked for, to tell a retry from a reused key with another request.
    fingerprint = models.CharField(max_length=64, editable=False)
    reason = models.CharField(_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when posted by the system."),
    )
    stay = models.ForeignKey(
        "guests.Stay", verbose_name=_("stay"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_on = models.DateField(_("effective on"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("points transaction")
        verbose_name_plural = _("points transactions")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["membership", "-id"], name="pointstxn_ledger_idx"),
            models.Index(fields=["membership", "effective_on"], name="pointstxn_activity_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["earn", "compensation"]) & Q(points__gt=0))
                | (Q(kind__in=["redeem", "expire"]) & Q(points__lt=0))
                | (Q(kind="adjust") & ~Q(points=0)),
                name="pointstxn_sign_matches_kind",
                violation_error_message=_("Earned points are positive, redeemed and expired points negative."),
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0),
                name="pointstxn_balance_not_negative",
                violation_error_message=_("A points balance cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="pointstxn_reason_not_empty",
                violation_error_message=_("Every points transaction needs a reason."),
            ),
        ]
        permissions = [
            ("earn_points", _("Can post earned points")),
            ("redeem_points", _("Can redeem points")),
            ("adjust_points", _("Can adjust points balances")),
        ]

    def __str__(self):
        return f"{self.membership_id} {self.kind} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The points ledger is append-only: post a new transaction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The points ledger is append-only: post a new transaction instead.")


class StayCredit(models.Model):
    """What a stay is currently credited with, so a corrected stay is compensated by the
    difference (a new ledger row) and re-posting the same stay never earns twice.

    The rate and multiplier of the first posting are kept: a later correction of an old
    stay is priced as the stay was, not at today's tier.  Qualifying nights and spend
    for tier requalification are summed from these rows.
    """

    stay = models.OneToOneField("guests.Stay", on_delete=models.PROTECT, related_name="loyalty_credit")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="stay_credits")
    departure_date = models.DateField(_("departure date"))
    nights = models.PositiveSmallIntegerField(_("qualifying nights"), default=0)
    eligible_revenue = models.DecimalField(_("eligible revenue"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    qualifying_spend = models.DecimalField(
        _("qualifying spend (chain currency)"), max_digits=12, decimal_places=2, default=0
    )
    # Chain currency per unit of the stay's currency when first posted (guests.money).
    exchange_rate = models.DecimalField(max_digits=14, decimal_places=6)
    earn_multiplier = models.DecimalField(max_digits=4, decimal_places=2)
    points = models.IntegerField(_("points credited"), default=0)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stay credit")
        verbose_name_plural = _("stay credits")
        indexes = [models.Index(fields=["membership", "departure_date"], name="staycredit_year_idx")]
        constraints = [models.CheckConstraint(condition=Q(points__gte=0), name="staycredit_points_not_negative")]

    def __str__(self):
        return f"{self.stay_id}: {self.points}"


class TierChangeQuerySet(models.QuerySet):
    def current(self):
        """The member's tier history as it stands (without changes a later replay of
        their stays in date order replaced)."""
        return self.filter(superseded_at__isnull=True)


class TierChange(models.Model):
    """Why a member's tier (or its validity) changed: the audit behind the explanation.

    ``effective_on`` is the day on the member's timeline (the departure of the stay that
    moved them up, the 1 January their tier ran out).  When a stay earlier than others
    already posted arrives, the member's history is replayed in date order from that
    day: the changes it replaces are kept, marked ``superseded_at``.
    """

    class Kind(models.TextChoices):
        ENROLMENT = "enrolment", _("Enrolment")
        UPGRADE = "upgrade", _("Upgrade")
        RENEWAL = "renewal", _("Renewal")
        DOWNGRADE = "downgrade", _("Downgrade")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="tier_changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("effective on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    qualifying_year = models.PositiveSmallIntegerField(null=True, blank=True)
    nights = models.PositiveIntegerField(default=0)
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(
        _("superseded at"),
        null=True,
        blank=True,
        help_text=_("Replaced when the member's stays were replayed in date order."),
    )

    objects = TierChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["membership", "-effective_on"], name="tierchange_member_idx")]

    def __str__(self):
        return f"{self.membership_id} {self.kind} {self.effective_on}"


class Reward(models.Model):
    """Something a member can exchange points for."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True, db_default="")
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True, db_default="")
    points_cost = models.PositiveIntegerField(_("points"))
    min_tier = models.ForeignKey(
        Tier,
        verbose_name=_("minimum tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["sort_order", "points_cost", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_cost__gt=0),
                name="reward_cost_positive",
                violation_error_message=_("A reward costs at least one point."),
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The reward's name in the active language."""
        return in_language(self.name, self.name_zh)

    @property
    def description_label(self) -> str:
        return in_language(self.description, self.description_zh)


class Redemption(models.Model):
    """A reward given for points; its ledger row is ``transaction``."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="redemptions")
    reward = models.ForeignKey(Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="redemptions")
    transaction = models.OneToOneField(PointsTransaction, on_delete=models.PROTECT, related_name="redemption")
    points = models.PositiveIntegerField(_("points"))
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("redeemed at"), default=timezone.now)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="redemption_points_positive"),
        ]

    def __str__(self):
        return f"{self.membership_id}: {self.reward_id}"


class MissingPointsClaim(models.Model):
    """A member says a stay did not earn: answered by ``reply_by``, approved into the
    ledger or rejected with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="claims")
    property = models.ForeignKey(
        "guests.Property", verbose_name=_("property"), on_delete=models.PROTECT, related_name="+"
    )
    confirmation_number = models.CharField(_("confirmation number"), max_length=40)
    stay = models.ForeignKey(
        "guests.Stay", verbose_name=_("stay"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("what the guest says"), blank=True)
    reply_by = models.DateField(_("reply by"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    transaction = models.OneToOneField(
        PointsTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("missing-points claim")
        verbose_name_plural = _("missing-points claims")
        ordering = ["reply_by", "id"]
        indexes = [models.Index(fields=["status", "reply_by"], name="claim_status_replyby_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "property", "confirmation_number"],
                condition=Q(status="open"),
                name="claim_one_open_per_stay",
                violation_error_message=_("An open claim for this stay already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="claim_rejection_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(transaction__isnull=False),
                name="claim_approval_has_transaction",
            ),
        ]
        permissions = [("decide_claim", _("Can approve or reject missing-points claims"))]

    def __str__(self):
        return f"{self.property_id}/{self.confirmation_number}"
