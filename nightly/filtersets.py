"""One FilterSet for the run table, used by the API list and the page."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import NightlyRun


class NightlyRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=NightlyRun.Status.choices)
    trigger = django_filters.ChoiceFilter(label=_("Started by"), choices=NightlyRun.Trigger.choices)
    as_of_after = django_filters.DateFilter(label=_("As of, from"), field_name="as_of", lookup_expr="gte")
    as_of_before = django_filters.DateFilter(label=_("As of, to"), field_name="as_of", lookup_expr="lte")

    class Meta:
        model = NightlyRun
        fields = ["status", "trigger"]
