"""The revenue side of a stay and what it is measured against.

* ``BookingFacts`` — what a reservation source says about a booking beyond its dates and
  folio (lead time, ADR, deposit, agent and company as given, the source's categories,
  the guest's booking history), the lost value of a cancelled or no-show booking, and
  the exchange rate its amounts were converted with (``guests.money``); ``Stay``
  inherits it;
* ``ExchangeRate`` — units of chain currency per unit of a currency, from a date;
* ``RoomInventory`` — rooms a property has to sell, from a date (occupancy, RevPAR).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Round, Upper
from django.utils.translation import gettext_lazy as _

# A booking that did not become a stay, with a rate to value it by.
LOST = Q(status__in=["cancelled", "no_show"], adr__isnull=False)
MAX_ROOMS = 10_000


def _count(label):
    """A count the source gives (0 when it gives none)."""
    return models.PositiveSmallIntegerField(label, default=0, db_default=0, blank=True)


def _lost(label, value):
    """ADR × nights of a cancelled or no-show booking, else 0: computed by the database
    from the stored values, so it agrees with them whichever columns a write carried."""
    return models.GeneratedField(
        expression=Case(When(LOST, then=Round(value, 2)), default=Value(Decimal("0.00"))),
        output_field=models.DecimalField(label, max_digits=12, decimal_places=2),
        db_persist=True,
    )


class BookingFacts(models.Model):
    """Booking facts of a stay, as the source gives them (checked by
    ``guests.services.stay_rows``).  Agent and company are the source's identifiers, kept
    as text: matching them to key accounts is the accounts app's business."""

    booking_date = models.DateField(_("booked on"), null=True, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), null=True, blank=True)
    adr = models.DecimalField(_("ADR (per night)"), max_digits=12, decimal_places=2, null=True, blank=True)
    deposit_type = models.CharField(_("deposit type"), max_length=20, blank=True, db_default="")
    agent_code = models.CharField(_("travel agent (as given)"), max_length=40, blank=True, db_default="")
    company_code = models.CharField(_("company (as given)"), max_length=40, blank=True, db_default="")
    customer_type = models.CharField(_("customer type"), max_length=30, blank=True, db_default="")
    meal_plan = models.CharField(_("meal plan"), max_length=20, blank=True, db_default="")
    babies = _count(_("babies"))
    previous_cancellations = _count(_("previous cancellations"))
    previous_bookings_not_canceled = _count(_("previous bookings not cancelled"))
    booking_changes = _count(_("booking changes"))
    days_in_waiting_list = _count(_("days in waiting list"))
    parking_spaces = _count(_("car parking spaces"))
    special_requests_count = _count(_("special requests (count)"))
    is_repeated_guest = models.BooleanField(_("repeat guest (as the source says)"), default=False, db_default=False)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    # The rate the amounts were converted to the chain currency with, and its date (none
    # for the chain currency itself); fixed until the currency, dates or revenue change.
    exchange_rate = models.DecimalField(
        _("exchange rate used"), max_digits=16, decimal_places=8, default=1, db_default=1, editable=False
    )
    exchange_rate_date = models.DateField(_("date of the rate used"), null=True, blank=True, editable=False)
    lost_revenue = _lost(_("lost revenue"), F("adr") * F("nights"))
    lost_revenue_chain = _lost(_("lost revenue (chain currency)"), F("adr") * F("nights") * F("exchange_rate"))

    class Meta:
        abstract = True


BOOKING_FACT_CONSTRAINTS = [
    models.CheckConstraint(
        condition=Q(booking_date__isnull=True) | Q(booking_date__lte=F("arrival_date")),
        name="stay_booked_before_arrival",
        violation_error_message=_("A stay cannot be booked after its arrival."),
    ),
    models.CheckConstraint(
        condition=Q(cancelled_on__isnull=True) | Q(status__in=["cancelled", "no_show"]),
        name="stay_cancelled_on_only_when_cancelled",
        violation_error_message=_("Only a cancelled or no-show stay has a cancellation date."),
    ),
    models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="stay_exchange_rate_positive"),
]


class ExchangeRate(models.Model):
    """Units of chain currency per unit of ``currency``, from ``valid_from`` until the
    currency's next rate.  A stay stores the rate it used, so entering or correcting a
    rate never changes a stored stay (``guests.money``)."""

    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(_("rate (chain currency per unit)"), max_digits=16, decimal_places=8)
    source = models.CharField(_("source"), max_length=20, blank=True, db_default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"],
                name="exchangerate_one_per_currency_per_day",
                violation_error_message=_("This currency already has a rate for this date."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchangerate_rate_positive",
                violation_error_message=_("A rate must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(currency=Upper("currency")) & ~Q(currency=""),
                name="exchangerate_currency_upper",
                violation_error_message=_("Use a 3-letter ISO currency code."),
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.rate} from {self.valid_from}"


class RoomInventory(models.Model):
    """Rooms a property has to sell from ``valid_from`` until its next entry (a
    renovation, an extension, a wing closed): what occupancy and RevPAR divide by."""

    property = models.ForeignKey(
        "guests.Property", on_delete=models.PROTECT, related_name="room_inventory", verbose_name=_("property")
    )
    valid_from = models.DateField(_("valid from"))
    rooms = models.PositiveIntegerField(_("rooms to sell"))
    note = models.CharField(_("note"), max_length=200, blank=True, db_default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("room inventory")
        verbose_name_plural = _("room inventory")
        ordering = ["property", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["property", "valid_from"],
                name="roominventory_one_per_property_per_day",
                violation_error_message=_("This property already has an inventory from this date."),
            ),
            models.CheckConstraint(
                condition=Q(rooms__lte=MAX_ROOMS),
                name="roominventory_rooms_in_range",
                violation_error_message=_("At most 10,000 rooms."),
            ),
        ]

    def __str__(self):
        return f"{self.property_id}: {self.rooms} rooms from {self.valid_from}"
