"""Accounts (companies, agencies, wholesalers, government bodies, event organisers), their
external ids, the account team, relationship levels with history, and merges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountType(models.TextChoices):
    CORPORATE = "corporate", _("Corporate")
    TRAVEL_AGENCY = "travel_agency", _("Travel agency / TMC")
    WHOLESALER = "wholesaler", _("Wholesaler / OTA")
    GOVERNMENT = "government", _("Government")
    EVENT_ORGANISER = "event_organiser", _("Event organiser")


# Accounts paid a commission on the business they bring (agreements may carry one).
COMMISSIONABLE_TYPES = {AccountType.TRAVEL_AGENCY, AccountType.WHOLESALER, AccountType.EVENT_ORGANISER}


class AccountClass(models.TextChoices):
    """The course's three kinds of account: ordinary, big and key (关键客户)."""

    ORDINARY = "ordinary", pgettext_lazy("account class", "Ordinary account")
    MAJOR = "major", pgettext_lazy("account class", "Major account")
    KEY = "key", pgettext_lazy("account class", "Key account")


class Level(models.TextChoices):
    """The four relationship levels (普通、优先、伙伴、战略), lowest first."""

    ORDINARY = "ordinary", pgettext_lazy("relationship level", "Ordinary")
    PREFERRED = "preferred", pgettext_lazy("relationship level", "Preferred")
    PARTNER = "partner", pgettext_lazy("relationship level", "Partner")
    STRATEGIC = "strategic", pgettext_lazy("relationship level", "Strategic")


LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


class AccountQuerySet(models.QuerySet):
    def active(self):
        """Accounts staff work with: not merged into another one."""
        return self.filter(merged_into__isnull=True)


class Account(models.Model):
    """A key account: whoever sends the chain business under an agreement."""

    objects = AccountQuerySet.as_manager()

    name = models.CharField(_("name"), max_length=200)
    name_latin = models.CharField(_("name (Latin)"), max_length=200, blank=True)
    account_type = models.CharField(
        _("type"), max_length=20, choices=AccountType.choices, default=AccountType.CORPORATE
    )
    account_class = models.CharField(
        _("account class"), max_length=10, choices=AccountClass.choices, default=AccountClass.ORDINARY
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account (group)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    tax_title = models.CharField(_("invoice title"), max_length=200, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=40, blank=True)
    iata_code = models.CharField(_("IATA code"), max_length=10, blank=True)
    corporate_id = models.CharField(_("corporate id"), max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (account manager)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    relationship_level = models.CharField(
        _("relationship level"), max_length=12, choices=Level.choices, default=Level.ORDINARY
    )
    level_target = models.CharField(_("target level"), max_length=12, choices=Level.choices, blank=True)
    level_review_on = models.DateField(_("level review date"), null=True, blank=True)
    # The single free-text code the old company list carried; agreements hold rate codes
    # per property and validity from now on.
    rate_code = models.CharField(_("negotiated rate code (chain-wide)"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # Search keys, maintained by accounts.services from the names (guests.search_keys).
    search_document = models.TextField(editable=False, blank=True)
    name_key = models.CharField(max_length=200, editable=False, blank=True, db_index=True)
    name_initials = models.CharField(max_length=20, editable=False, blank=True, db_index=True)

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(merged_into__isnull=True),
                name="account_name_unique_active",
                violation_error_message=_("An account with this name already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="account_not_own_parent",
                violation_error_message=_("An account cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")),
                name="account_not_merged_into_self",
                violation_error_message=_("An account cannot be merged into itself."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="account_name_not_empty"),
        ]
        indexes = [models.Index(fields=["owner", "merged_into"], name="account_owner_idx")]
        permissions = [
            ("direct_sales", _("Can see, edit and reassign every account (director of sales)")),
            ("merge_account", _("Can merge duplicate accounts")),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_latin and self.name_latin != self.name:
            return f"{self.name} ({self.name_latin})"
        return self.name


class AccountExternalId(models.Model):
    """The account's number in another system (PMS profile, GDS, the hotel-booking-demand
    ``agent`` / ``company`` columns): one account per id and system."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="external_ids")
    system = models.CharField(_("system"), max_length=40)
    external_id = models.CharField(_("external id"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        ordering = ["system", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "external_id"],
                name="account_external_id_unique_per_system",
                violation_error_message=_("This id is already linked to an account in this system."),
            ),
            models.CheckConstraint(condition=~Q(system="") & ~Q(external_id=""), name="account_external_id_not_empty"),
        ]

    def __str__(self):
        return f"{self.system}:{self.external_id}"


class TeamRole(models.TextChoices):
    """The internal alliance (内部联盟): who works the account with its owner."""

    OWNER = "owner", _("Owner")
    PROPERTY_SALES = "property_sales", _("Property salesperson")
    REVENUE_MANAGER = "revenue_manager", _("Revenue manager")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")


class AccountTeamMember(models.Model):
    """A member of the account team other than its owner (the owner is ``Account.owner``)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_teams")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    property = models.ForeignKey(
        "guests.Property", verbose_name=_("property"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user", "role"],
                name="account_team_member_unique_role",
                violation_error_message=_("This person already has this role on the account."),
            ),
            models.CheckConstraint(condition=~Q(role="owner"), name="account_team_member_not_owner"),
        ]
        indexes = [models.Index(fields=["user", "account"], name="account_team_user_idx")]

    def __str__(self):
        return f"{self.account_id}: {self.user_id} ({self.role})"


class LevelChange(models.Model):
    """One entry of an account's relationship-level history (append-only)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="level_changes")
    from_level = models.CharField(_("from level"), max_length=12, choices=Level.choices, blank=True)
    to_level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    target_level = models.CharField(_("target level"), max_length=12, choices=Level.choices, blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    effective_on = models.DateField(_("effective on"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relationship level change")
        verbose_name_plural = _("relationship level changes")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["account", "effective_on"], name="levelchange_account_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="levelchange_reason_required",
                violation_error_message=_("A level change needs a reason."),
            )
        ]

    def __str__(self):
        return f"{self.account_id}: {self.from_level or '—'} → {self.to_level} ({self.effective_on})"


class AccountMerge(models.Model):
    """A duplicate account merged into a survivor, with exactly what moved (for undo)."""

    survivor = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="merges_as_duplicate")
    note = models.CharField(_("note"), max_length=300, blank=True)
    moved = models.JSONField(_("what moved"), default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("account merge")
        verbose_name_plural = _("account merges")
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=F("merged")), name="accountmerge_distinct_accounts"),
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="accountmerge_one_active_per_duplicate"
            ),
        ]

    def __str__(self):
        return f"{self.merged_id} → {self.survivor_id}"
