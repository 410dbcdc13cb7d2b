"""The account plan: what the account expects of us (expected-value drivers, a vocabulary
directors edit), discovery, competitors, the unique proposal and documents (links)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .accounts import Account


class Localized(models.Model):
    """A vocabulary entry named in English and Simplified Chinese (data, not code)."""

    name = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        language = translation.get_language() or ""
        if language.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name

    def __str__(self):
        return self.label


class ValueDriver(Localized):
    """One thing a customer expects of a hotel (price, location, flexibility, billing,
    meeting space …): the customer-expected-value vocabulary."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("expected-value driver")
        verbose_name_plural = _("expected-value drivers")
        ordering = ["sort_order", "code"]


class DriverScore(models.Model):
    """How much a driver matters to the account (importance) and how well we deliver it
    (our score), both 1-5: the gap is what the plan must close."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="driver_scores")
    driver = models.ForeignKey(ValueDriver, on_delete=models.PROTECT, related_name="scores")
    importance = models.PositiveSmallIntegerField(_("importance (1-5)"))
    our_score = models.PositiveSmallIntegerField(_("our score (1-5)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("driver score")
        verbose_name_plural = _("driver scores")
        constraints = [
            models.UniqueConstraint(fields=["account", "driver"], name="driverscore_unique_per_account"),
            models.CheckConstraint(
                condition=Q(importance__gte=1, importance__lte=5, our_score__gte=1, our_score__lte=5),
                name="driverscore_scores_1_to_5",
                violation_error_message=_("Scores run from 1 to 5."),
            ),
        ]

    def __str__(self):
        return f"{self.account_id}/{self.driver_id}: {self.importance}/{self.our_score}"

    @property
    def gap(self) -> int:
        return self.importance - self.our_score


class AccountPlan(models.Model):
    """Discovery (外部压力、业务目标、内部挑战), share of wallet and the unique proposal."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="plan")
    external_pressures = models.TextField(_("external pressures"), blank=True)
    business_goals = models.TextField(_("business goals"), blank=True)
    internal_challenges = models.TextField(_("internal challenges"), blank=True)
    share_of_wallet = models.DecimalField(
        _("share of wallet (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    unique_proposal = models.TextField(_("unique proposal"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_of_wallet__isnull=True) | Q(share_of_wallet__gte=0, share_of_wallet__lte=100),
                name="accountplan_share_of_wallet_percent",
            )
        ]

    def __str__(self):
        return f"plan {self.account_id}"


class CompetitorPosition(models.TextChoices):
    AHEAD = "ahead", _("We lead")
    LEVEL = "level", _("On par")
    BEHIND = "behind", _("We trail")
    UNKNOWN = "unknown", _("Unknown")


class Competitor(models.Model):
    """A named competitor for the account's business and where we stand against it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(_("competitor"), max_length=200)
    position = models.CharField(
        _("our position"), max_length=10, choices=CompetitorPosition.choices, default=CompetitorPosition.UNKNOWN
    )
    strengths = models.CharField(_("their strengths"), max_length=500, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"],
                name="competitor_unique_per_account",
                violation_error_message=_("This competitor is already on the plan."),
            )
        ]

    def __str__(self):
        return self.name


class AccountDocument(models.Model):
    """A document of the plan or of an agreement, held as a link (files stay in the
    document system they live in)."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Account plan")
        PROPOSAL = "proposal", _("Proposal")
        CONTRACT = "contract", _("Contract")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="documents")
    agreement = models.ForeignKey(
        "accounts.Agreement", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-added_at", "-id"]

    def __str__(self):
        return self.title
