from django import forms
from django.utils.translation import gettext_lazy as _


class RerunForm(forms.Form):
    """The date to (re)run; parsed by the service (``crm_site.parsing.as_of_date``)."""

    as_of = forms.CharField(
        label=_("As of"),
        required=False,
        max_length=32,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today. A rerun replaces that date's run."),
    )
