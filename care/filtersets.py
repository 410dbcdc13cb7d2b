"""One FilterSet per model, used by the API and by the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm_site.formfields import DateFilter, IntegerFilter
from guests.models import Property

from .models import CareTask, ChurnReason, ChurnWarning, StaySurvey
from .selectors import SEGMENT_CHOICES, assignable_users

STATUS_ALL = "all"


class ChurnWarningFilterSet(django_filters.FilterSet):
    """Filters for the worklist.  Without ``status`` only open warnings are listed."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[*ChurnWarning.Status.choices, (STATUS_ALL, _("All"))],
        method="filter_status",
        empty_label=None,
    )
    property = django_filters.ModelChoiceFilter(
        label=_("Property (last stay)"),
        field_name="last_property",
        queryset=Property.objects.all(),
        to_field_name="code",
    )
    segment = django_filters.ChoiceFilter(label=_("Segment"), choices=SEGMENT_CHOICES)
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=ChurnReason.choices, method="filter_reason")
    assigned_to = django_filters.ChoiceFilter(label=_("Assignee"), choices=[], method="filter_assigned_to")
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=[c for c in ChurnWarning.Outcome.choices if c[0]])
    min_score = IntegerFilter(label=_("Score at least"), field_name="score", lookup_expr="gte")
    guest = IntegerFilter(label=_("Guest"), field_name="guest_id")
    opened_from = DateFilter(label=_("Opened from"), field_name="opened_on", lookup_expr="gte")
    opened_to = DateFilter(label=_("Opened until"), field_name="opened_on", lookup_expr="lte")

    class Meta:
        model = ChurnWarning
        fields = ["status", "property", "segment", "reason", "assigned_to", "outcome", "min_score", "guest"]

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["assigned_to"].extra["choices"] = [
            ("me", _("Me")),
            ("none", _("Nobody")),
            *[(str(u.pk), u.get_full_name() or u.get_username()) for u in assignable_users()],
        ]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=ChurnWarning.Status.OPEN)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        if not value or value == STATUS_ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_reason(self, queryset, name, value):
        return queryset.filter(reasons__has_key=value) if value else queryset

    def filter_assigned_to(self, queryset, name, value):
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assigned_to=user) if user and user.is_authenticated else queryset.none()
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to_id=value) if value else queryset


class CareTaskFilterSet(django_filters.FilterSet):
    property = django_filters.ModelChoiceFilter(queryset=Property.objects.all(), to_field_name="code")
    kind = django_filters.ChoiceFilter(choices=CareTask.Kind.choices)
    status = django_filters.ChoiceFilter(choices=CareTask.Status.choices)
    due_from = DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = DateFilter(field_name="due_date", lookup_expr="lte")
    guest = IntegerFilter(field_name="guest_id")
    warning = IntegerFilter(field_name="warning_id")

    class Meta:
        model = CareTask
        fields = ["property", "kind", "status", "due_from", "due_to", "guest", "warning"]


class StaySurveyFilterSet(django_filters.FilterSet):
    property = django_filters.ModelChoiceFilter(
        field_name="stay__property", queryset=Property.objects.all(), to_field_name="code"
    )
    guest = IntegerFilter(field_name="guest_id")
    stay = IntegerFilter(field_name="stay_id")
    overall = IntegerFilter()
    overall_max = IntegerFilter(field_name="overall", lookup_expr="lte")
    received_from = DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = DateFilter(field_name="received_on", lookup_expr="lte")
    source = django_filters.ChoiceFilter(choices=StaySurvey.Source.choices)

    class Meta:
        model = StaySurvey
        fields = ["property", "guest", "stay", "overall", "overall_max", "received_from", "received_to", "source"]
