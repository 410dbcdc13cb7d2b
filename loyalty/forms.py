from django import forms
from django.utils.translation import gettext_lazy as _

from guests.models import Property

from .models import Reward, Tier


class MemberFilterForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.order_by("rank"),
        to_field_name="code",
        required=False,
        empty_label=_("All tiers"),
    )
    q = forms.CharField(label=_("Member number or name"), max_length=100, required=False)


class RedeemForm(forms.Form):
    reward = forms.ModelChoiceField(
        label=_("Reward"),
        queryset=Reward.objects.filter(is_active=True),
        error_messages={"invalid_choice": _("Unknown reward.")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points (+/−)"))
    reason = forms.CharField(label=_("Reason"), max_length=255)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)


class ClaimForm(forms.Form):
    property = forms.ModelChoiceField(
        label=_("Property"), queryset=Property.objects.filter(is_active=True), to_field_name="code"
    )
    confirmation_number = forms.CharField(label=_("Confirmation number"), max_length=40)
    note = forms.CharField(label=_("What the guest says"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ClaimDecisionForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"
    decision = forms.ChoiceField(label=_("Decision"), choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))])
    points = forms.IntegerField(
        label=_("Points"), required=False, help_text=_("Only when the stay is not in the system.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class TierForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = ["name", "name_zh", "qualifying_nights", "qualifying_spend", "earn_multiplier", "benefits"]
        widgets = {"benefits": forms.Textarea(attrs={"rows": 4})}
