"""Chain-wide guest profiles, properties, stays and preferences.

Integrity lives here: named constraints refuse bad data even when a code path forgets a
check.  Writes go through ``guests.services``; reads shaped for a screen through
``guests.selectors``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.labels import in_language
from crm_site.timezones import validate_time_zone

# Booking facts of a stay, exchange rates and room inventory: the revenue side, in its own module.
from .models_booking import BOOKING_FACT_CONSTRAINTS, BookingFacts, ExchangeRate, RoomInventory  # noqa: F401


class Property(models.Model):
    """A hotel of the chain."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True, db_default="")
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=3, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("property")
        verbose_name_plural = _("properties")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code=Upper("code")) & ~Q(code=""),
                name="property_code_upper",
                violation_error_message=_("Property code must be non-empty upper case."),
            )
        ]

    def __str__(self):
        return f"{self.code} · {self.label}"

    @property
    def label(self) -> str:
        """The hotel's name in the active language."""
        return in_language(self.name, self.name_zh)

    def business_date(self, at: dt.datetime | None = None) -> dt.date:
        """The hotel's own date (in its time zone) at ``at`` (default: now)."""
        try:
            zone = zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = dt.UTC
        return timezone.localtime(at or timezone.now(), zone).date()


class StaffProfile(models.Model):
    """What a staff user needs beyond Django's user: home properties, duty role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    properties = models.ManyToManyField(Property, verbose_name=_("home properties"), blank=True, related_name="staff")
    is_duty_manager = models.BooleanField(_("duty manager"), default=False)
    is_salesperson = models.BooleanField(_("salesperson"), default=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text=_("IANA name (e.g. Asia/Shanghai) for pages of the whole chain; empty: the browser's zone."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


class GuestQuerySet(models.QuerySet):
    """The one definition of which profiles count."""

    def active(self):
        """Profiles staff work with: not merged into another one.  Erased (anonymised)
        profiles are active — their stays still count in statistics — but read-only."""
        return self.filter(merged_into__isnull=True)

    def identified(self):
        """Active and not erased: a person who can be contacted, warned about or cared for."""
        return self.active().filter(is_anonymised=False)


class Guest(models.Model):
    """One profile per person for the whole chain (the single customer view)."""

    objects = GuestQuerySet.as_manager()

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "X", _("Other")
        UNKNOWN = "", _("Unknown")

    class IdType(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        NATIONAL_ID = "national_id", _("National identity card")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
        DRIVING_LICENCE = "driving_licence", _("Driving licence")
        OTHER = "other", _("Other document")

    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name_latin = models.CharField(_("family name (Latin)"), max_length=100, blank=True)
    given_name_latin = models.CharField(_("given name (Latin)"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164"))
    document_hash = models.CharField(_("document hash"), max_length=64, blank=True, editable=False, db_index=True)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True, db_default="")
    vip_code = models.CharField(_("VIP code"), max_length=16, blank=True)
    address = models.TextField(_("address"), blank=True, db_default="")
    anniversary_date = models.DateField(_("anniversary"), null=True, blank=True)
    # The guest's employer or agency: a key account (accounts.Account, grown from the
    # company list this app used to keep).
    company = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guests",
    )
    marketing_email_consent = models.BooleanField(_("marketing e-mail consent"), default=False)
    marketing_email_consent_at = models.DateTimeField(null=True, blank=True)
    marketing_email_consent_source = models.CharField(max_length=50, blank=True)
    marketing_sms_consent = models.BooleanField(_("marketing SMS consent"), default=False)
    marketing_sms_consent_at = models.DateTimeField(null=True, blank=True)
    marketing_sms_consent_source = models.CharField(max_length=50, blank=True)
    profiling_opt_out = models.BooleanField(_("opted out of profiling"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    # Search keys, maintained by guests.services from the names (never edited by hand).
    search_document = models.TextField(editable=False, blank=True)
    name_key = models.CharField(max_length=200, editable=False, blank=True, db_index=True)
    name_initials = models.CharField(max_length=20, editable=False, blank=True, db_index=True)
    phone_reversed = models.CharField(max_length=20, editable=False, blank=True, db_index=True)
    name_key_reversed = models.CharField(max_length=200, editable=False, blank=True, db_index=True)
    family_skeleton = models.CharField(max_length=100, editable=False, blank=True, db_index=True)
    given_skeleton = models.CharField(max_length=100, editable=False, blank=True, db_index=True)

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_guests"
    )
    is_anonymised = models.BooleanField(default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        ordering = ["family_name_latin", "given_name_latin", "id"]
        # Prefix lookups (name key, initials, phone suffix, e-mail) use db_index, which on
        # PostgreSQL also builds a varchar_pattern_ops "_like" index for LIKE 'x%'.  The
        # trigram index for typo-tolerant search is PostgreSQL-only: see migration 0002.
        indexes = [
            models.Index(fields=["birth_date"], name="guest_birth_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")),
                name="guest_not_merged_into_self",
                violation_error_message=_("A guest cannot be merged into itself."),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="guest_version_positive",
            ),
        ]
        permissions = [
            ("merge_guest", _("Can merge duplicate guests")),
            ("export_guest", _("Can export a guest's personal data")),
            ("erase_guest", _("Can erase (anonymise) a guest")),
            ("import_stays", _("Can import profiles and stays")),
        ]

    def __str__(self):
        return self.display_name

    @property
    def local_name(self) -> str:
        return (
            f"{self.family_name}{self.given_name}"
            if _is_cjk(self.family_name)
            else " ".join(p for p in (self.given_name, self.family_name) if p)
        )

    @property
    def latin_name(self) -> str:
        return " ".join(p for p in (self.given_name_latin, self.family_name_latin) if p)

    @property
    def display_name(self) -> str:
        local, latin = self.local_name, self.latin_name
        if local and latin and local != latin:
            return f"{local} ({latin})"
        return local or latin or f"#{self.pk}"


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


class GuestNote(models.Model):
    """A free-text note or an alert (shown in red at every property)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        ALERT = "alert", _("Alert")

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="guest_notes")
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("text"))
    property = models.ForeignKey(Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guest note")
        verbose_name_plural = _("guest notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["guest", "is_active"], name="guestnote_guest_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="guestnote_text_not_empty",
                violation_error_message=_("A note needs text."),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:40]}"


class PreferenceType(models.Model):
    """The controlled vocabulary of preferences; admins can extend it."""

    class Category(models.TextChoices):
        ROOM = "room", _("Room")
        DINING = "dining", _("Dining")
        AMENITIES = "amenities", _("Amenities")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    group = models.CharField(_("group"), max_length=50, blank=True, help_text=_("e.g. bed type, floor, pillow"))
    label = models.CharField(_("label"), max_length=100)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100, blank=True, db_default="")
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)
    # Health, religion, disability (allergies, halal, accessibility): kept only with the
    # guest's consent to sensitive preferences or for a stated operational need.
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Health, religion or disability: stored only with consent or for an operational need."),
    )

    class Meta:
        verbose_name = _("preference type")
        verbose_name_plural = _("preference types")
        ordering = ["category", "sort_order", "label"]

    def __str__(self):
        return f"{self.get_category_display()}: {self.display_label}"

    @property
    def display_label(self) -> str:
        """The preference's label in the active language."""
        return in_language(self.label, self.label_zh)


class GuestPreference(models.Model):
    """A preference recorded for a guest at any property, shown at all of them."""

    class Source(models.TextChoices):
        GUEST = "guest", _("Told by guest")
        STAFF = "staff", _("Observed by staff")
        PMS = "pms", _("PMS")
        BOOKING = "booking", _("Booking engine")

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="preferences")
    preference_type = models.ForeignKey(
        PreferenceType,
        on_delete=models.PROTECT,
        related_name="guest_preferences",
        verbose_name=_("preference"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STAFF)
    source_property = models.ForeignKey(
        Property,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded at"),
    )
    last_confirmed = models.DateField(_("last confirmed"))
    operational_need = models.CharField(
        _("operational need"),
        max_length=200,
        blank=True,
        help_text=_("Why the hotel must know a sensitive preference without the guest's consent (e.g. the kitchen)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guest preference")
        verbose_name_plural = _("guest preferences")
        ordering = ["preference_type__category", "preference_type__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["guest", "preference_type"],
                name="guestpreference_unique_per_guest",
                violation_error_message=_("This guest already has this preference."),
            )
        ]

    def __str__(self):
        return f"{self.guest_id}: {self.preference_type.label}"


class Stay(BookingFacts):
    """A reservation / stay at one property.  (property, confirmation number) is the
    idempotency key every integration upserts by.  The booking facts (lead time, ADR,
    source categories, lost value, the exchange rate used) come from ``BookingFacts``."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        IN_HOUSE = "in_house", _("In house")
        CHECKED_OUT = "checked_out", _("Checked out")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    class Channel(models.TextChoices):
        DIRECT = "direct", _("Direct")
        OTA = "ota", _("OTA")
        GDS = "gds", _("GDS")
        CORPORATE = "corporate", _("Corporate")
        WALK_IN = "walk_in", _("Walk-in")
        GROUP = "group", _("Group")

    # No index of their own: (property, arrival), (property, departure), (property,
    # confirmation number) and (guest, arrival) lead with them, and every index a stay
    # write maintains costs the bulk ingestion.
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="stays", db_index=False)
    guest = models.ForeignKey(
        Guest, null=True, blank=True, on_delete=models.PROTECT, related_name="stays", db_index=False
    )
    confirmation_number = models.CharField(_("confirmation number"), max_length=40)
    arrival_date = models.DateField(_("arrival date"))
    departure_date = models.DateField(_("departure date"))
    nights = models.PositiveSmallIntegerField(_("nights"), editable=False, default=0)
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # The room type the stay has (assigned); the one booked is ``reserved_room_type``.
    room_type = models.CharField(_("room type (assigned)"), max_length=20, blank=True)
    reserved_room_type = models.CharField(_("room type (reserved)"), max_length=20, blank=True, db_default="")
    room_number = models.CharField(_("room number"), max_length=10, blank=True)
    rate_code = models.CharField(_("rate code"), max_length=20, blank=True)
    # ``channel`` is the CRM's own category; ``distribution_channel`` the source's (e.g. TA/TO).
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.DIRECT)
    distribution_channel = models.CharField(
        _("distribution channel (as given)"), max_length=30, blank=True, db_default=""
    )
    market_segment = models.CharField(_("market segment (as given)"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RESERVED)
    special_requests = models.TextField(_("special requests"), blank=True)
    room_revenue = models.DecimalField(_("room revenue"), max_digits=12, decimal_places=2, default=0)
    fnb_revenue = models.DecimalField(_("F&B revenue"), max_digits=12, decimal_places=2, default=0)
    other_revenue = models.DecimalField(_("other revenue"), max_digits=12, decimal_places=2, default=0)
    # Net total in the chain's reporting currency (guests.money): what analytics adds up.
    total_revenue = models.DecimalField(
        _("total revenue (chain currency)"), max_digits=12, decimal_places=2, default=0, editable=False
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    country = models.CharField(_("guest country"), max_length=3, blank=True)
    # Attribution, fixed when the booking is written (by the source, the import or the
    # desk): never recomputed from the traveller's current employer.
    company_account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("company account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="company_stays",
    )
    agent_account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("travel agent account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_stays",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-arrival_date", "-id"]
        # Amounts anywhere (stays, spend, segments, exports): crm_site.revenue.
        permissions = [("view_revenue", _("Can see revenue and other amounts"))]
        constraints = [
            models.UniqueConstraint(
                fields=["property", "confirmation_number"],
                name="stay_unique_confirmation_per_property",
                violation_error_message=_("A stay with this confirmation number already exists at this property."),
            ),
            models.CheckConstraint(
                condition=Q(departure_date__gte=F("arrival_date")),
                name="stay_departure_not_before_arrival",
                violation_error_message=_("Departure cannot be before arrival."),
            ),
            models.CheckConstraint(
                condition=~Q(confirmation_number=""),
                name="stay_confirmation_not_empty",
                violation_error_message=_("A stay needs a confirmation number."),
            ),
            *BOOKING_FACT_CONSTRAINTS,
        ]
        indexes = [
            # A guest's stays, latest first; covering what a lookup reads of each candidate
            # (latest stay, value, last hotel) so that read never visits the table: a
            # lookup's 200 candidates have ~1,000 stays on as many pages (cold: 70 → 25 ms).
            models.Index(
                fields=["guest", "-arrival_date"],
                include=["status", "total_revenue", "property", "id"],
                name="stay_guest_arrival_idx",
            ),
            models.Index(fields=["property", "arrival_date"], name="stay_property_arrival_idx"),
            # Departures of a day, and who is in house (leaving after the day): daily lists.
            models.Index(fields=["property", "departure_date"], name="stay_property_departure_idx"),
            models.Index(fields=["status", "departure_date"], name="stay_status_departure_idx"),
            # The pace report: what was on the books for a range of arrival dates, chain-wide,
            # read from this index alone (an index-only scan on PostgreSQL; 0.6 s → 70 ms at 5 M).
            models.Index(
                fields=["arrival_date"],
                include=["property", "booking_date", "created_at", "status", "cancelled_on", "nights"],
                name="stay_arrival_pace_idx",
            ),
            # Equality filters of the stays API (no pattern-ops twin: nothing searches by prefix).
            models.Index(fields=["agent_code"], name="stay_agent_code_idx"),
            models.Index(fields=["company_code"], name="stay_company_code_idx"),
        ]

    def __str__(self):
        return f"{self.property_id}/{self.confirmation_number}"


# The record of what happened (audit log, merges) and the consent ledger live in their own
# modules; imported here so Django registers them.
from .models_consent import ConsentEntry  # noqa: E402, F401
from .models_history import AuditEvent, GuestMerge  # noqa: E402, F401
