from django import forms
from django.utils.translation import gettext_lazy as _

from crm_site.formfields import DateField, MonthField
from guests.models import Property, Stay

from .models import CareTask, ChurnWarning, ContactChannel
from .selectors import assignable_users

_CHANNELS = [("", _("—")), *ContactChannel.choices]


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        # Any active user is accepted here so that the service, not the form, explains why
        # someone without the sales role cannot take a warning.
        self.fields["assignee"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["assignee"].widget.choices = [("", _("Nobody"))] + [
            (u.pk, u.get_full_name() or u.get_username()) for u in assignable_users()
        ]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(c.value, c.label) for c in ChurnWarning.STAFF_OUTCOMES],
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=_CHANNELS, required=False)
    lost_reason = forms.ChoiceField(
        label=_("Reason lost"),
        choices=ChurnWarning.LostReason.choices,
        required=False,
        help_text=_("Required when the guest is lost."),
    )
    competitor = forms.CharField(label=_("Competitor"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CareTaskDoneForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=_CHANNELS, required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class CareListForm(forms.Form):
    day = DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    property = forms.ModelChoiceField(
        label=_("Property"),
        queryset=Property.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All my properties"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *CareTask.Kind.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[*CareTask.Status.choices, ("all", _("All"))], required=False)

    def __init__(self, *args, properties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if properties is not None:
            self.fields["property"].queryset = properties


class LostAnalysisForm(forms.Form):
    start = MonthField(label=_("From month"), widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    end = MonthField(label=_("To month"), widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    property = forms.ModelChoiceField(
        label=_("Property (last stay)"),
        queryset=Property.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All properties"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end month cannot be before the start month."))
            elif (end.year - start.year) * 12 + end.month - start.month > 35:
                self.add_error("end", _("Show at most 36 months at once."))
        return data


def _overall_field():
    return forms.IntegerField(
        label=_("Overall satisfaction (1-5)"),
        min_value=1,
        max_value=5,
        help_text=_("5 = completely satisfied (the top box)."),
    )


class SurveyForm(forms.Form):
    """A survey typed in by staff from a stay's property and confirmation number."""

    property = forms.ModelChoiceField(label=_("Property"), queryset=Property.objects.none(), to_field_name="code")
    confirmation_number = forms.CharField(label=_("Confirmation number"), max_length=40)
    overall = _overall_field()
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )

    def __init__(self, *args, properties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if properties is not None:
            self.fields["property"].queryset = properties

    def clean(self):
        data = super().clean()
        prop, number = data.get("property"), (data.get("confirmation_number") or "").strip()
        if prop and number:
            stay = Stay.objects.filter(property=prop, confirmation_number=number).only("pk").first()
            if stay is None:
                self.add_error("confirmation_number", _("No stay with this confirmation number at this property."))
            else:
                data["stay_id"] = stay.pk
        return data


class GuestSurveyForm(forms.Form):
    """A survey recorded from the guest 360 page for one of the guest's stays."""

    stay = forms.IntegerField(label=_("Stay"), widget=forms.Select)
    overall = _overall_field()
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
