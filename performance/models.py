"""Pre-aggregated daily facts the hotel performance reports read.

* ``NightFact`` — one row per property × stay date (each night of a stay, the hotel's
  own dates) × the report dimensions: room nights and revenue (chain currency) spread
  over the nights, lost revenue of cancelled and no-show bookings;
* ``BookingFact`` — one row per property × arrival date × booking month × lead-time
  bucket × length of stay × the dimensions: bookings (arrivals), their nights, lead-time
  sums, lost revenue — what cancellations, booking window and source mix count;
* ``NightDay``, ``BookingDay`` and ``ArrivalDay`` — the same sums over every dimension
  but the status class (and for ``ArrivalDay`` over the booking keys too), kept with
  them: what the reports read when no dimension filter asks for more;
* ``SourceDay`` — ``BookingFact`` by one dimension at a time, what the guest-source
  report reads;
* ``StayFact`` — what each stay contributes to those two tables now (its dates,
  dimensions and amounts in cents): a refresh subtracts a changed stay's old
  contribution and adds its new one, so the facts are always the sum of the snapshots;
* ``JourneyStay`` — each realised stay of a guest with its place in the guest's journey
  (order, first arrival, next arrival, the months of the one and two stays before it in
  the chain and at its hotel), and the two small sums the guest-level rates read:
  ``GuestRateFact`` (stays by arrival month × month of the stay before) and
  ``CohortFact`` (first stays by month × departure: guests, converted).

Written only by ``performance.services.facts`` and ``performance.services.journeys``
(incrementally on ``stays_upserted``, and rebuilt nightly and by
``manage.py rebuild_performance_facts``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusClass(models.TextChoices):
    REALISED = "realised", _("Realised")  # checked out or in house
    ON_BOOKS = "on_books", _("On the books")  # reserved, not yet arrived
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


def _amount(label):
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=0)


def _emptied(counter: str, name: str) -> models.Index:
    """The rows a refresh just brought to zero (none outside a refresh): it deletes them
    through this index instead of scanning the table."""
    return models.Index(fields=["property"], condition=models.Q(**{counter: 0}), name=name)


class FactDimensions(models.Model):
    property = models.ForeignKey("guests.Property", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    distribution_channel = models.CharField(_("distribution channel"), max_length=30, blank=True)
    market_segment = models.CharField(_("market segment"), max_length=30, blank=True)
    country = models.CharField(_("country"), max_length=3, blank=True)
    customer_type = models.CharField(_("customer type"), max_length=30, blank=True)
    agent_code = models.CharField(_("travel agent"), max_length=40, blank=True)
    company_code = models.CharField(_("company"), max_length=40, blank=True)
    status_class = models.CharField(_("status"), max_length=10, choices=StatusClass.choices)
    is_repeat = models.BooleanField(_("repeat guest"), default=False)

    class Meta:
        abstract = True


class NightMeasures(models.Model):
    """What a night row sums (``NightFact`` and its rollup ``NightDay``)."""

    # Stays counted in this row: the row exists exactly while one does (a day use adds no room night).
    stays = models.PositiveIntegerField(_("stays"), default=0)
    room_nights = models.PositiveIntegerField(_("room nights"), default=0)
    room_revenue = _amount(_("room revenue (chain currency)"))
    fnb_revenue = _amount(_("F&B revenue (chain currency)"))
    other_revenue = _amount(_("other revenue (chain currency)"))
    lost_revenue = _amount(_("lost revenue (chain currency)"))

    class Meta:
        abstract = True


class BookingMeasures(models.Model):
    """What a booking row sums (``BookingFact`` and its rollups ``BookingDay``,
    ``ArrivalDay`` and ``SourceDay``): ``bookings`` counts the stays in the row, which exists
    exactly while one does."""

    bookings = models.PositiveIntegerField(_("bookings"), default=0)
    room_nights = models.PositiveIntegerField(_("room nights"), default=0)
    lead_time_sum = models.BigIntegerField(_("lead time sum (days)"), default=0)
    lead_time_known = models.PositiveIntegerField(_("bookings with a lead time"), default=0)
    room_revenue = _amount(_("room revenue (chain currency)"))
    lost_revenue = _amount(_("lost revenue (chain currency)"))

    class Meta:
        abstract = True


class NightFact(FactDimensions, NightMeasures):
    stay_date = models.DateField(_("stay date"))

    class Meta:
        verbose_name = _("night fact")
        verbose_name_plural = _("night facts")
        permissions = [("view_reports", _("Can see the hotel performance reports"))]
        indexes = [
            models.Index(fields=["property", "stay_date"], name="perf_night_prop_date_idx"),
            _emptied("stays", "perf_night_emptied_idx"),
        ]


class BookingFact(FactDimensions, BookingMeasures):
    arrival_date = models.DateField(_("arrival date"))
    booking_month = models.DateField(_("booking month"), null=True, blank=True)
    # Lower bound of the lead-time bucket (performance.buckets), none when unknown.
    lead_bucket = models.PositiveSmallIntegerField(_("lead time from (days)"), null=True, blank=True)
    # Nights, the last bucket holding every longer stay (performance.buckets.MAX_LOS).
    los = models.PositiveSmallIntegerField(_("length of stay"))

    class Meta:
        verbose_name = _("booking fact")
        verbose_name_plural = _("booking facts")
        indexes = [
            models.Index(fields=["property", "arrival_date"], name="perf_booking_prop_date_idx"),
            _emptied("bookings", "perf_booking_emptied_idx"),
        ]


class NightDay(NightMeasures):
    """``NightFact`` summed over every dimension but the status class: what a report
    without a dimension filter reads (``performance.selectors.routing``)."""

    property = models.ForeignKey("guests.Property", on_delete=models.CASCADE, related_name="+")
    stay_date = models.DateField(_("stay date"))
    status_class = models.CharField(_("status"), max_length=10, choices=StatusClass.choices)

    rolls_up = "NightFact"

    class Meta:
        verbose_name = _("night fact by status")
        verbose_name_plural = _("night facts by status")
        indexes = [
            models.Index(fields=["property", "stay_date"], name="perf_nightday_prop_date_idx"),
            _emptied("stays", "perf_nightday_emptied_idx"),
        ]


class BookingDay(BookingMeasures):
    """``BookingFact`` summed over every dimension but the status class (booking month,
    lead-time bucket and length of stay kept)."""

    property = models.ForeignKey("guests.Property", on_delete=models.CASCADE, related_name="+")
    arrival_date = models.DateField(_("arrival date"))
    booking_month = models.DateField(_("booking month"), null=True, blank=True)
    lead_bucket = models.PositiveSmallIntegerField(_("lead time from (days)"), null=True, blank=True)
    los = models.PositiveSmallIntegerField(_("length of stay"))
    status_class = models.CharField(_("status"), max_length=10, choices=StatusClass.choices)

    rolls_up = "BookingFact"

    class Meta:
        verbose_name = _("booking fact by status")
        verbose_name_plural = _("booking facts by status")
        indexes = [
            models.Index(fields=["property", "arrival_date"], name="perf_bookingday_prop_date_idx"),
            _emptied("bookings", "perf_bookingday_emptied_idx"),
        ]


class ArrivalDay(BookingMeasures):
    """``BookingFact`` summed over everything but the arrival date and the status class:
    arrivals by day (production's stays, the day-of-week pattern, cancellations by
    arrival month)."""

    property = models.ForeignKey("guests.Property", on_delete=models.CASCADE, related_name="+")
    arrival_date = models.DateField(_("arrival date"))
    status_class = models.CharField(_("status"), max_length=10, choices=StatusClass.choices)

    class Meta:
        verbose_name = _("arrivals by status")
        verbose_name_plural = _("arrivals by status")
        indexes = [
            models.Index(fields=["property", "arrival_date"], name="perf_arrivalday_prop_date_idx"),
            _emptied("bookings", "perf_arrivalday_emptied_idx"),
        ]


# The dimensions the guest-source report groups on, one at a time (``SourceDay``).
SOURCE_DIMENSIONS = (
    "country",
    "market_segment",
    "distribution_channel",
    "channel",
    "customer_type",
    "agent_code",
    "company_code",
    "is_repeat",
)


class SourceDay(BookingMeasures):
    """``BookingFact`` summed by property × arrival date × status class for one dimension
    at a time: ``dimension`` names the column, ``value`` holds its value as text (``is_repeat``
    as "1" or "0"); what the guest-source report reads without a dimension filter."""

    property = models.ForeignKey("guests.Property", on_delete=models.CASCADE, related_name="+")
    arrival_date = models.DateField(_("arrival date"))
    dimension = models.CharField(_("dimension"), max_length=20)
    value = models.CharField(_("value"), max_length=40, blank=True)
    status_class = models.CharField(_("status"), max_length=10, choices=StatusClass.choices)

    class Meta:
        verbose_name = _("booking fact by dimension")
        verbose_name_plural = _("booking facts by dimension")
        indexes = [
            models.Index(fields=["property", "arrival_date"], name="perf_sourceday_prop_date_idx"),
            _emptied("bookings", "perf_sourceday_emptied_idx"),
        ]


class StayFact(models.Model):
    """What a stay contributes to the facts as they stand: its hotel, guest, dates, the
    booking keys and dimensions it was counted under and its amounts in chain-currency
    cents (no foreign keys: a snapshot is only read to subtract it, and a deleted stay's
    snapshot is what takes it out of the facts).  Nights count from ``arrival_date`` to
    ``last_date``; the amounts spread over them as ``performance.services.facts`` says."""

    stay_id = models.BigIntegerField(primary_key=True)
    property_id = models.BigIntegerField()
    guest_id = models.BigIntegerField(null=True, blank=True)
    arrival_date = models.DateField()
    last_date = models.DateField()  # the last date the stay counts on (its arrival for a day use)
    nights = models.PositiveIntegerField()
    booking_month = models.DateField(null=True, blank=True)
    lead_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    los = models.PositiveSmallIntegerField()
    lead_time_days = models.IntegerField(null=True, blank=True)
    channel = models.CharField(max_length=10)
    distribution_channel = models.CharField(max_length=30, blank=True)
    market_segment = models.CharField(max_length=30, blank=True)
    country = models.CharField(max_length=3, blank=True)
    customer_type = models.CharField(max_length=30, blank=True)
    agent_code = models.CharField(max_length=40, blank=True)
    company_code = models.CharField(max_length=40, blank=True)
    status_class = models.CharField(max_length=10, choices=StatusClass.choices)
    is_repeat = models.BooleanField(default=False)
    room_cents = models.BigIntegerField(default=0)
    fnb_cents = models.BigIntegerField(default=0)
    other_cents = models.BigIntegerField(default=0)
    lost_cents = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("stay fact")
        verbose_name_plural = _("stay facts")
        indexes = [
            # A guest's stays, and their first realised arrival from the index alone (every
            # refresh asks it of the batch's guests: 170 ms through the heap at 5 M stays).
            models.Index(fields=["guest_id", "status_class", "arrival_date"], name="perf_stayfact_guest_first_idx"),
            models.Index(fields=["property_id", "arrival_date"], name="perf_stayfact_prop_date_idx"),
        ]


# Months are stored as month numbers (year × 12 + month − 1); 0 means "no such stay".
NO_MONTH = 0


class JourneyStay(models.Model):
    """A realised stay (checked out or in house) of a guest, with its place in the guest's
    journey: what the guest-level rates are summed from, and what a refresh subtracts
    before it adds the guest's new journey (no foreign keys, as ``StayFact``)."""

    stay_id = models.BigIntegerField(primary_key=True)
    guest_id = models.BigIntegerField()
    property_id = models.BigIntegerField()
    arrival_date = models.DateField()
    departure_date = models.DateField()
    arrival_month = models.IntegerField()
    # 1 for the guest's first realised stay in the chain (arrival, then stay id).
    seq = models.PositiveIntegerField()
    first_arrival = models.DateField()  # the guest's first realised arrival in the chain
    next_arrival = models.DateField(null=True, blank=True)  # the guest's next one in the chain
    chain_prev = models.IntegerField(default=NO_MONTH)  # month of the stay before, in the chain
    chain_prev2 = models.IntegerField(default=NO_MONTH)  # ... and of the one before that
    hotel_prev = models.IntegerField(default=NO_MONTH)  # the same at this stay's hotel
    hotel_prev2 = models.IntegerField(default=NO_MONTH)

    class Meta:
        verbose_name = _("journey stay")
        verbose_name_plural = _("journey stays")
        indexes = [
            models.Index(fields=["guest_id", "seq"], name="perf_journey_guest_idx"),
            # Members attributed to the hotel of their first stay.
            models.Index(fields=["property_id", "guest_id"], condition=models.Q(seq=1), name="perf_journey_first_idx"),
        ]


class GuestRateFact(models.Model):
    """Realised stays by scope (a property id, 0 for the whole chain), arrival month and
    the month of the guest's stay before it in that scope (``lag`` 1) or of the one before
    that (``lag`` 2, only for stays with a stay before): distinct guests of any run of
    months are sums of these (see ``performance.selectors.guests``)."""

    scope_id = models.BigIntegerField()
    arrival_month = models.IntegerField()
    lag = models.PositiveSmallIntegerField()
    lag_month = models.IntegerField()
    has_earlier = models.BooleanField(default=False)  # an earlier realised arrival in the chain
    stays = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("guest rate fact")
        verbose_name_plural = _("guest rate facts")
        constraints = [
            models.UniqueConstraint(
                fields=["scope_id", "arrival_month", "lag", "lag_month", "has_earlier"], name="perf_guestrate_cell"
            )
        ]


class CohortFact(models.Model):
    """First realised stays in the chain by the hotel and month of their arrival and by
    their departure date: guests, and those whose next realised stay arrived within 365
    days of that departure."""

    property_id = models.BigIntegerField()
    cohort_month = models.IntegerField()
    first_departure = models.DateField()
    guests = models.IntegerField(default=0)
    converted = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("cohort fact")
        verbose_name_plural = _("cohort facts")
        constraints = [
            models.UniqueConstraint(fields=["cohort_month", "property_id", "first_departure"], name="perf_cohort_cell")
        ]
