from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from crm_site import parsing
from crm_site.errors import DomainError, add_to_form

from . import iso
from .models import Guest, GuestNote, GuestPreference, PreferenceType, Property
from .models_consent import ConsentPurpose
from .services.profiles import TEXT_LIMITS, guest_data_clean


def _text(label, field: str, **kwargs) -> forms.CharField:
    """Free text checked by the service (lengths, NUL bytes), so that every invalid field
    of the form is reported at once; ``maxlength`` still guides the browser."""
    widget = kwargs.pop("widget", None) or forms.TextInput()
    widget.attrs.setdefault("maxlength", TEXT_LIMITS[field])
    return forms.CharField(label=label, required=False, strip=False, widget=widget, **kwargs)


def _country_choices():
    """ISO 3166 countries named in the active language (evaluated per form)."""
    return [("", "—"), *iso.country_choices()]


def _language_choices():
    return [("", "—"), *iso.language_choices()]


def _id_type_choices():
    return [("", "—"), *Guest.IdType.choices]


class GuestForm(forms.Form):
    """Profile edit form.  Values are checked by ``guests.services.profiles`` (all invalid
    fields at once); ``version`` carries the version the agent loaded, so a save over
    someone else's newer change is refused instead of overwriting it."""

    family_name = _text(_("Family name"), "family_name")
    given_name = _text(_("Given name"), "given_name")
    family_name_latin = _text(_("Family name (Latin)"), "family_name_latin")
    given_name_latin = _text(_("Given name (Latin)"), "given_name_latin")
    gender = forms.ChoiceField(label=_("Gender"), choices=Guest.Gender.choices, required=False)
    birth_date = forms.CharField(label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        choices=_country_choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a country from the ISO list.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=_language_choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    email = _text(_("E-mail"), "email")
    phone = _text(_("Phone"), "phone")
    document_number = _text(
        _("Document number"),
        "document_number",
        help_text=_("Stored only as a salted hash; leave empty to keep the current one."),
    )
    id_type = forms.ChoiceField(
        label=_("ID type"),
        choices=_id_type_choices,
        required=False,
        error_messages={"invalid_choice": _("Unknown ID type.")},
    )
    vip_code = _text(_("VIP code"), "vip_code")
    address = _text(_("Address"), "address", widget=forms.Textarea(attrs={"rows": 2}))
    anniversary_date = forms.CharField(
        label=_("Anniversary"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    company = forms.ModelChoiceField(label=_("Company"), queryset=Account.objects.active(), required=False)
    marketing_email_consent = forms.BooleanField(label=_("Marketing e-mails allowed"), required=False)
    marketing_sms_consent = forms.BooleanField(label=_("Marketing SMS allowed"), required=False)
    profiling_opt_out = forms.BooleanField(label=_("Opted out of profiling"), required=False)
    notes = _text(_("Notes"), "notes", widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if not data.get("document_number"):
            data.pop("document_number", None)
        data["consent_source"] = "staff"
        return data

    def add_rule_errors(self, *, current: Guest | None = None) -> None:
        """When the form itself refused a field (a NUL byte, a tampered choice), the
        profile rules still check the fields it accepted: every invalid field shows at once."""
        accepted = {k: v for k, v in self.service_data().items() if k not in self.errors}
        try:
            guest_data_clean(accepted, partial=True, current=current)
        except DomainError as error:
            others = {f: m for f, m in error.fields.items() if f not in self.errors}
            if others:
                add_to_form(self, DomainError.many(others))


class PreferenceForm(forms.Form):
    preference_type = forms.ModelChoiceField(
        label=_("Preference"), queryset=PreferenceType.objects.filter(is_active=True)
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=GuestPreference.Source.choices, initial="staff")
    source_property = forms.ModelChoiceField(label=_("Recorded at"), queryset=Property.objects.all(), required=False)
    operational_need = forms.CharField(
        label=_("Operational need"),
        max_length=200,
        required=False,
        help_text=_("Sensitive preferences without the guest's consent: why the hotel must know."),
    )


class ConsentForm(forms.Form):
    """A new entry of the consent ledger: given or withdrawn, where, on which wording."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("true", _("Given")), ("false", _("Withdrawn"))],
        coerce=lambda value: value == "true",
    )
    source = forms.CharField(label=_("Where the guest said so"), max_length=50, initial="desk")
    wording_version = forms.CharField(label=_("Wording version"), max_length=20, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class GuestNoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GuestNote.Kind.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}))


class ArrivalsForm(forms.Form):
    """Which daily list: a property of the user's and a day (empty: the property's
    business date, in its own time zone)."""

    property = forms.ModelChoiceField(label=_("Property"), queryset=Property.objects.none(), to_field_name="code")
    date = forms.CharField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, properties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if properties is not None:
            self.fields["property"].queryset = properties

    def clean_date(self):
        """The same rule as the API (years 1900-2100); None when not given."""
        try:
            return parsing.as_date(self.cleaned_data.get("date"), field="date", required=False)
        except DomainError as error:
            raise forms.ValidationError(str(error.message), code=error.code) from None


class RoomInventoryForm(forms.Form):
    """A new inventory entry: rooms a property sells from a date.  Values are checked by
    ``guests.services.inventory`` (every invalid field at once)."""

    property = forms.ModelChoiceField(label=_("Property"), queryset=Property.objects.none(), to_field_name="code")
    valid_from = forms.CharField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    rooms = forms.CharField(label=_("Rooms to sell"), widget=forms.NumberInput(attrs={"min": 0, "max": 10000}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.TextInput(attrs={"maxlength": 200}))

    def __init__(self, *args, properties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if properties is not None:
            self.fields["property"].queryset = properties
