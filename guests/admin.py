"""The Django admin of the guests app.

What the admin changes goes through the same services as the pages, the API and the
importer — guests (audit record, version bump, search keys), stays (the one upsert:
``stays_upserted``, derived totals, a guest kept when the form carries none), properties
(validation) — or is read-only (notes, preferences, audit events): the admin never
writes a row the services would not have written.  Every admin derives from
``crm_site.admin_access``: property scope and revenue as on the pages.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from crm_site.admin_access import AccessAdmin, AccessInline
from crm_site.errors import ConflictError, DomainError, add_to_form

from . import services
from .models import (
    AuditEvent,
    ConsentEntry,
    ExchangeRate,
    Guest,
    GuestNote,
    GuestPreference,
    PreferenceType,
    Property,
    RoomInventory,
    StaffProfile,
    Stay,
)
from .services.stay_rows import StayRowContext


class ServiceAdmin(AccessAdmin):
    """A model admin whose saves call a service.  Forms check their values with the
    service's rules first (every invalid field shown at once); a rule that can only fail
    at save time (someone else saved first) is shown as a message, never a 500.  Rows
    are not deleted here (stays are cancelled, guests erased or merged)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(AccessAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(AccessInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _adopt(obj, saved) -> None:
    """The admin goes on (messages, history) with the object the service saved."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj.refresh_from_db()


def _validate(form, check) -> None:
    """Run a service's validation on the form's values and show its errors on the form."""
    try:
        check()
    except DomainError as error:
        add_to_form(form, error)


# --- Properties ----------------------------------------------------------------------------------


class PropertyAdminForm(forms.ModelForm):
    class Meta:
        model = Property
        fields = list(services.PROPERTY_FIELDS)

    def clean(self):
        cleaned = super().clean()
        data = {f: cleaned.get(f) for f in services.PROPERTY_FIELDS if f in cleaned}
        _validate(self, lambda: services.property_data_clean(data, partial=False))
        return cleaned

    def _post_clean(self):
        """The service checks (codes are stored upper case, unique) and saves."""


@admin.register(Property)
class PropertyAdmin(ServiceAdmin):
    form = PropertyAdminForm
    list_display = ["code", "name", "city", "country", "currency", "is_active"]
    search_fields = ["code", "name", "city"]

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data.get(f) for f in services.PROPERTY_FIELDS}
        if change:
            saved = services.property_update(property_id=obj.pk, data=data, by=request.user)
        else:
            saved = services.property_create(data=data, by=request.user)
        _adopt(obj, saved)


# --- Exchange rates and rooms to sell ------------------------------------------------------------


class ExchangeRateAdminForm(forms.ModelForm):
    """A rate, checked by ``guests.services.rates``; currency and date are fixed once saved."""

    class Meta:
        model = ExchangeRate
        fields = ["currency", "valid_from", "rate"]

    def clean(self):
        cleaned = super().clean()
        fields = ("rate",) if self.instance.pk else services.RATE_FIELDS
        data = {f: self.data.get(f) for f in fields}
        _validate(self, lambda: services.exchange_rate_clean(data, fields=fields))
        taken = ExchangeRate.objects.filter(
            currency=str(data.get("currency") or "").strip().upper(), valid_from=cleaned.get("valid_from")
        )
        if not self.instance.pk and cleaned.get("valid_from") and taken.exists():
            self.add_error("valid_from", _("This currency already has a rate for this date; correct that rate."))
        return cleaned

    def _post_clean(self):
        """The service checks (one rate per currency per day) and saves."""


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ServiceAdmin):
    """Rates are added and corrected, never deleted: stays keep the rate they used."""

    form = ExchangeRateAdminForm
    list_display = ["currency", "valid_from", "rate", "source", "updated_at"]
    list_filter = ["currency", "source"]
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request, obj=None):
        return ["currency", "valid_from", "source"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.exchange_rate_update(rate_id=obj.pk, data={"rate": form.data.get("rate")}, by=request.user)
        else:
            data = {f: form.data.get(f) for f in services.RATE_FIELDS}
            saved, created = services.exchange_rate_create(data=data, by=request.user, source="admin")
            if not created:
                raise ConflictError(_("This rate is already stored."))
        _adopt(obj, saved)


class RoomInventoryAdminForm(forms.ModelForm):
    """An inventory entry, checked by ``guests.services.inventory``."""

    class Meta:
        model = RoomInventory
        fields = ["property", "valid_from", "rooms", "note"]

    def service_data(self) -> dict:
        """Rooms and note of an entry; its property and date too when it is new."""
        data = {f: self.data.get(f) for f in ("rooms", "note")}
        if not self.instance.pk:
            data.update(property=self.cleaned_data.get("property"), valid_from=self.data.get("valid_from"))
        return data

    def clean(self):
        cleaned = super().clean()
        fields = ("rooms", "note") if self.instance.pk else services.INVENTORY_FIELDS
        data = self.service_data()
        _validate(self, lambda: services.room_inventory_clean(data, fields=fields))
        taken = RoomInventory.objects.filter(property=cleaned.get("property"), valid_from=cleaned.get("valid_from"))
        if not self.instance.pk and cleaned.get("property") and cleaned.get("valid_from") and taken.exists():
            self.add_error("valid_from", _("This property already has an inventory from this date."))
        return cleaned

    def _post_clean(self):
        """The service checks (one entry per property per day) and saves."""


@admin.register(RoomInventory)
class RoomInventoryAdmin(ServiceAdmin):
    form = RoomInventoryAdminForm
    list_display = ["property", "valid_from", "rooms", "note"]
    list_filter = ["property"]
    list_select_related = ["property"]

    def get_readonly_fields(self, request, obj=None):
        return ["property", "valid_from"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:
            saved = services.room_inventory_update(entry_id=obj.pk, data=data, by=request.user)
        else:
            saved = services.room_inventory_add(data=data, by=request.user)
        _adopt(obj, saved)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "is_duty_manager", "is_salesperson", "time_zone"]
    filter_horizontal = ["properties"]


# --- Guests --------------------------------------------------------------------------------------


class GuestPreferenceInline(ReadOnlyInline):
    model = GuestPreference
    fields = ["preference_type", "note", "source", "source_property", "last_confirmed", "operational_need"]
    readonly_fields = fields


class GuestNoteInline(ReadOnlyInline):
    model = GuestNote
    fields = ["kind", "text", "is_active", "property", "created_at"]
    readonly_fields = fields


class GuestAdminForm(forms.ModelForm):
    """Profile fields, checked by ``guests.services.profiles``; ``loaded_version`` is the
    version the form was opened with (a save over a newer one is refused)."""

    document_number = forms.CharField(
        label=_("Document number"),
        required=False,
        help_text=_("Stored only as a salted hash; leave empty to keep the current one."),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Guest
        fields = list(services.GUEST_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def service_data(self) -> dict:
        data = {f: self.cleaned_data.get(f) for f in services.GUEST_FIELDS if f in self.cleaned_data}
        if self.cleaned_data.get("document_number"):
            data["document_number"] = self.cleaned_data["document_number"]
        data["consent_source"] = "admin"
        return data

    def clean(self):
        cleaned = super().clean()
        stored = self.instance if self.instance.pk else None
        if stored is not None and cleaned.get("loaded_version") != stored.version:
            self.add_error(None, _("Someone else saved this profile after you opened it. Reload it first."))
        _validate(self, lambda: services.guest_data_clean(self.service_data(), partial=False, current=stored))
        return cleaned

    def _post_clean(self):
        """The service derives and saves; the model instance is left as loaded."""


@admin.register(Guest)
class GuestAdmin(ServiceAdmin):
    form = GuestAdminForm
    list_display = [
        "id",
        "family_name",
        "given_name",
        "family_name_latin",
        "given_name_latin",
        "email",
        "phone",
        "nationality",
    ]
    search_fields = ["name_key", "email", "phone"]
    readonly_fields = [
        "search_document",
        "name_key",
        "name_initials",
        "phone_reversed",
        "document_hash",
        "version",
        "merged_into",
        "is_anonymised",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["company"]
    raw_id_fields = ["company"]
    inlines = [GuestPreferenceInline, GuestNoteInline]
    show_full_result_count = False
    audited_by_service = True  # guest_create / guest_update audit with old and new values

    def has_change_permission(self, request, obj=None):
        # A merged or erased profile is history: shown, never edited.
        if obj is not None and (obj.merged_into_id or obj.is_anonymised):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:
            saved = services.guest_update(
                guest_id=obj.pk,
                expected_version=form.cleaned_data.get("loaded_version"),
                data=data,
                by=request.user,
                channel="admin",
            )
        else:
            saved = services.guest_create(data=data, by=request.user, channel="admin", confirm_new=True)
        _adopt(obj, saved)


@admin.register(PreferenceType)
class PreferenceTypeAdmin(admin.ModelAdmin):
    """The preference vocabulary: configuration, edited here."""

    list_display = ["code", "category", "group", "label", "is_sensitive", "is_active", "sort_order"]
    list_filter = ["category", "is_sensitive", "is_active"]
    search_fields = ["code", "label"]


@admin.register(GuestNote)
class GuestNoteAdmin(ReadOnlyAdmin):
    """Notes are added and cleared on the guest's page (``guest_note_add``)."""

    list_display = ["guest", "kind", "text", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["guest"]


# --- Stays ---------------------------------------------------------------------------------------

# The lead time follows from the booking date (shown, not edited).
_STAY_FORM_FIELDS = [f for f in services.ROW_FIELDS if f != "lead_time_days"]


class StayAdminForm(forms.ModelForm):
    """Stay fields, checked by the stay upsert's own rules (``stay_rows``)."""

    class Meta:
        model = Stay
        fields = _STAY_FORM_FIELDS

    def service_row(self) -> dict:
        row = {f: self.cleaned_data.get(f) for f in _STAY_FORM_FIELDS if f in self.cleaned_data}
        if self.instance.pk:  # the key is read-only on a change
            row["property"] = self.instance.property
            row["confirmation_number"] = self.instance.confirmation_number
        return row

    def clean(self):
        cleaned = super().clean()
        row = self.service_row()
        exists = Stay.objects.filter(
            property=row.get("property"), confirmation_number=row.get("confirmation_number")
        ).exists()
        if not self.instance.pk and exists:
            self.add_error(
                "confirmation_number", _("A stay with this confirmation number already exists at this property.")
            )
        elif "property" in row and "confirmation_number" in row:
            context = StayRowContext.for_rows([row])
            _validate(self, lambda: services.stay_row_clean(row, context=context))
        return cleaned

    def _post_clean(self):
        """The upsert validates, derives (nights, totals) and saves."""


@admin.register(Stay)
class StayAdmin(ServiceAdmin):
    form = StayAdminForm
    list_display = [
        "confirmation_number",
        "property",
        "guest",
        "arrival_date",
        "departure_date",
        "status",
        "total_revenue",
    ]
    list_filter = ["status", "channel", "property"]
    search_fields = ["confirmation_number"]
    raw_id_fields = ["guest", "company_account", "agent_account"]
    list_select_related = ["property", "guest"]
    show_full_result_count = False
    date_hierarchy = "arrival_date"

    def get_readonly_fields(self, request, obj=None):
        fields = [
            "nights",
            "lead_time_days",
            "total_revenue",
            "exchange_rate",
            "exchange_rate_date",
            "lost_revenue",
            "lost_revenue_chain",
            "created_at",
            "updated_at",
        ]
        if obj is not None:
            # The key never changes; the guest moves with merges, not by hand.
            fields = ["property", "confirmation_number", "guest", *fields]
        return fields

    def save_model(self, request, obj, form, change):
        row = form.service_row()
        if change:
            row.pop("guest", None)
            stay, _outcome = services.stay_update(stay=Stay.objects.get(pk=obj.pk), data=row, by=request.user)
        else:
            stay, outcome = services.stay_upsert(row=row, by=request.user)
            if outcome != "created":
                raise ConflictError(_("A stay with this confirmation number already exists at this property."))
        _adopt(obj, stay)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target", "object_ref", "guest_ref", "channel"]
    list_filter = ["action", "channel"]
    search_fields = ["guest_ref", "target"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(ConsentEntry)
class ConsentEntryAdmin(ReadOnlyAdmin):
    """The ledger is written on the guest's page and through the API (``consent_record``)."""

    list_display = ["at", "guest", "purpose", "granted", "source", "wording_version", "recorded_by", "channel"]
    list_filter = ["purpose", "granted", "channel"]
    raw_id_fields = ["guest"]
    readonly_fields = [f.name for f in ConsentEntry._meta.fields]
