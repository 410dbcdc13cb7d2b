"""The contacts map (外部联盟): who we know at the account, at which level, in which role."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .accounts import Account


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    TRAVEL_MANAGER = "travel_manager", _("Travel manager")
    BOOKER = "booker", _("Booker")
    FINANCE = "finance", _("Finance")
    TRAVELLER = "traveller", _("Traveller")


class ContactLevel(models.TextChoices):
    """层高、面广: high (executives), middle (managers), low (bookers, travellers)."""

    HIGH = "high", _("High")
    MIDDLE = "middle", _("Middle")
    LOW = "low", _("Low")


class Attitude(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    SCEPTIC = "sceptic", _("Sceptic")
    OPPONENT = "opponent", _("Opponent")


class AccountContact(models.Model):
    """A person at the account: a guest profile (who then follows that guest's consent and
    erasure) or a contact-only person whose name and channels are held here."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    guest = models.ForeignKey(
        "guests.Guest", verbose_name=_("guest"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Contact-only person (no guest profile).
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    level = models.CharField(_("level"), max_length=10, choices=ContactLevel.choices)
    influence = models.PositiveSmallIntegerField(_("influence (1-5)"), default=3)
    attitude = models.CharField(_("attitude"), max_length=10, choices=Attitude.choices, default=Attitude.NEUTRAL)
    last_touch_on = models.DateField(_("last touch"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_erased = models.BooleanField(_("erased"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account contact")
        verbose_name_plural = _("account contacts")
        ordering = ["level", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "guest"],
                condition=Q(guest__isnull=False),
                name="accountcontact_guest_once_per_account",
                violation_error_message=_("This guest is already a contact of the account."),
            ),
            models.CheckConstraint(
                condition=Q(guest__isnull=False) | ~Q(name="") | Q(is_erased=True),
                name="accountcontact_guest_or_name",
                violation_error_message=_("A contact is a guest profile or a named person."),
            ),
            models.CheckConstraint(
                condition=Q(influence__gte=1, influence__lte=5),
                name="accountcontact_influence_1_to_5",
                violation_error_message=_("Influence runs from 1 to 5."),
            ),
        ]
        indexes = [models.Index(fields=["guest"], name="accountcontact_guest_idx")]

    def __str__(self):
        return f"{self.account_id}: {self.role} ({self.level})"
