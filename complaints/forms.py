"""Forms parse input; ``complaints.services`` decides (its DomainError lands on the field)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.formfields import DateField
from guests.models import Stay

from .models import Complaint


class ComplaintIntakeForm(forms.Form):
    """The 30-second intake: what, how bad, where; the guest comes from the page the
    agent started on, or from a confirmation number."""

    property = forms.ModelChoiceField(label=_("Property"), queryset=None, to_field_name="code")
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices, widget=forms.RadioSelect)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Complaint.Severity.choices,
        initial=Complaint.Severity.MEDIUM,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Complaint.Channel.choices, initial="front_desk")
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}), max_length=5000
    )
    stay = forms.ModelChoiceField(label=_("Stay"), queryset=Stay.objects.none(), required=False)
    confirmation_number = forms.CharField(
        label=_("Confirmation number"),
        max_length=40,
        required=False,
        help_text=_("Optional: links the stay and its guest."),
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now (e.g. set it for an e-mail or review that came in earlier)."),
    )
    guest = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, properties, guest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.guest = guest
        self.fields["property"].queryset = properties
        if guest is not None:
            # The guest's latest stays at the agent's properties (a sliced queryset cannot
            # validate a choice, hence the id list).
            recent = list(
                Stay.objects.filter(guest=guest, property__in=properties)
                .order_by("-arrival_date", "-pk")
                .values_list("pk", flat=True)[:20]
            )
            self.fields["stay"].queryset = (
                Stay.objects.filter(pk__in=recent).select_related("property").order_by("-arrival_date", "-pk")
            )
            self.fields["stay"].label_from_instance = lambda s: (
                f"{s.property.code} · {s.confirmation_number} · {s.arrival_date:%Y-%m-%d} → {s.departure_date:%Y-%m-%d}"
            )
            del self.fields["confirmation_number"]
        else:
            del self.fields["stay"]

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("A complaint cannot be received in the future."))
        return value

    def service_data(self) -> dict:
        data = self.cleaned_data
        stay = data.get("stay")
        if stay is None and data.get("confirmation_number"):
            # Resolved against the chosen property; an unknown number is a field error.
            stay = Stay.objects.filter(
                property=data["property"], confirmation_number=data["confirmation_number"].strip()
            ).first()
            if stay is None:
                self.add_error("confirmation_number", _("No stay with this confirmation number at this property."))
                return {}
        return {
            "property": data["property"],
            "category": data["category"],
            "severity": data["severity"],
            "channel": data["channel"],
            "description": data["description"],
            "guest": self.guest,
            "stay": stay,
            "received_at": data.get("received_at"),
        }


class TransitionForm(forms.Form):
    """Every input a move may need; the page shows only those of the move offered, and the
    service says what is missing."""

    to = forms.ChoiceField(choices=Complaint.Status.choices, widget=forms.HiddenInput)
    assignee = forms.TypedChoiceField(label=_("Assign to"), required=False, coerce=int, empty_value=None)
    action_taken = forms.CharField(
        label=_("Action taken"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    compensation_points = forms.IntegerField(label=_("Compensation (points)"), required=False, min_value=0)
    compensation_money = forms.DecimalField(
        label=_("Compensation (money)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction with the handling"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)],
    )
    feedback = forms.CharField(
        label=_("Guest feedback"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—")] + [
            (u.pk, u.get_full_name() or u.get_username()) for u in assignees
        ]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        return {key: value for key, value in data.items() if value not in (None, "") or key in ("to", "comment")}


class LinkGuestForm(forms.Form):
    confirmation_number = forms.CharField(
        label=_("Confirmation number"),
        max_length=40,
        required=False,
        help_text=_("Of a stay at this complaint's property: links the stay and its guest."),
    )
    guest_email = forms.EmailField(label=_("Guest e-mail"), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if not data.get("confirmation_number") and not data.get("guest_email"):
            raise forms.ValidationError(_("Give a confirmation number or the guest's e-mail."))
        return data


class AnalysisForm(forms.Form):
    date_from = DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    property = forms.ModelChoiceField(
        label=_("Property"), queryset=None, to_field_name="code", required=False, empty_label=_("All my properties")
    )

    def __init__(self, *args, properties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["property"].queryset = properties

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        if start and end and (end - start).days > 366 * 5:
            self.add_error("date_from", _("At most five years at once."))
        return data
