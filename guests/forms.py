from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Company, Guest, GuestNote, GuestPreference, PreferenceType, Property


class GuestForm(forms.Form):
    """Profile edit form.  ``version`` carries the version the agent loaded, so a save
    over someone else's newer change is refused instead of overwriting it."""

    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name_latin = forms.CharField(label=_("Family name (Latin)"), max_length=100, required=False)
    given_name_latin = forms.CharField(label=_("Given name (Latin)"), max_length=100, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Guest.Gender.choices, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    nationality = forms.CharField(label=_("Nationality"), max_length=3, required=False)
    language = forms.CharField(label=_("Language"), max_length=10, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        required=False,
        help_text=_("Stored only as a salted hash; leave empty to keep the current one."),
    )
    vip_code = forms.CharField(label=_("VIP code"), max_length=16, required=False)
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.all(), required=False)
    marketing_email_consent = forms.BooleanField(label=_("Marketing e-mails allowed"), required=False)
    marketing_sms_consent = forms.BooleanField(label=_("Marketing SMS allowed"), required=False)
    profiling_opt_out = forms.BooleanField(label=_("Opted out of profiling"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if not data.get("document_number"):
            data.pop("document_number", None)
        data["consent_source"] = "staff"
        return data


class PreferenceForm(forms.Form):
    preference_type = forms.ModelChoiceField(
        label=_("Preference"), queryset=PreferenceType.objects.filter(is_active=True)
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=GuestPreference.Source.choices, initial="staff")
    source_property = forms.ModelChoiceField(label=_("Recorded at"), queryset=Property.objects.all(), required=False)


class GuestNoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GuestNote.Kind.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}))


class ArrivalsForm(forms.Form):
    property = forms.ModelChoiceField(label=_("Property"), queryset=Property.objects.none(), to_field_name="code")
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, properties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if properties is not None:
            self.fields["property"].queryset = properties
