"""One FilterSet for complaints, used by the API list and the queue pages."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.formfields import DateFilter, IntegerFilter

from .models import Complaint
from .selectors import overdue_q


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering where rows without a value (e.g. no deadline left) always come last."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = self.param_map.get(param.lstrip("-"), param.lstrip("-"))
        expression = F(name)
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


class ComplaintFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Complaint.Status.choices)
    active = django_filters.BooleanFilter(
        label=_("Not closed"), method="filter_active", help_text=_("true: hide closed complaints")
    )
    property = django_filters.CharFilter(label=_("Property"), field_name="property__code", lookup_expr="iexact")
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Complaint.Category.choices, empty_label=_("All")
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Complaint.Severity.choices, empty_label=_("All")
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Complaint.Channel.choices, empty_label=_("All"))
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        help_text=_("true: only complaints past their deadline"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Overdue only")), ("false", _("On time only"))]),
    )
    assignee = IntegerFilter(label=_("Assignee"), field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(label=_("Unassigned"), field_name="assignee", lookup_expr="isnull")
    guest = IntegerFilter(label=_("Guest"), field_name="guest_id")
    stay = IntegerFilter(label=_("Stay"), field_name="stay_id")
    created_by = IntegerFilter(label=_("Logged by"), field_name="created_by_id")
    source_reference = django_filters.CharFilter(label=_("Source reference"))
    satisfaction = IntegerFilter(label=_("Satisfaction"))
    received_from = DateFilter(label=_("Received from"), field_name="received_at__date", lookup_expr="gte")
    received_to = DateFilter(label=_("Received to"), field_name="received_at__date", lookup_expr="lte")
    q = django_filters.CharFilter(label=_("Text"), method="filter_text")
    ordering = NullsLastOrderingFilter(
        label=_("Sort"),
        fields=(
            ("next_due", "time_left"),
            ("received_at", "received_at"),
            ("resolution_due", "resolution_due"),
            ("resolved_at", "resolved_at"),
        ),
        field_labels={
            "next_due": _("Time left"),
            "received_at": _("Received"),
            "resolution_due": _("Resolution due"),
            "resolved_at": _("Resolved"),
        },
        help_text=_("time_left sorts by the deadline that counts now; resolved complaints last."),
    )

    class Meta:
        model = Complaint
        fields = [
            "status",
            "active",
            "property",
            "category",
            "severity",
            "channel",
            "overdue",
            "assignee",
            "unassigned",
            "guest",
            "stay",
            "created_by",
            "source_reference",
            "satisfaction",
            "received_from",
            "received_to",
            "q",
        ]

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.exclude(status=Complaint.Status.CLOSED)
            if value
            else queryset.filter(status=Complaint.Status.CLOSED)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = overdue_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_text(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q(description__icontains=value) | Q(action_taken__icontains=value)
        if value.lstrip("#").isdigit():
            condition |= Q(pk=int(value.lstrip("#")))
        return queryset.filter(condition)
