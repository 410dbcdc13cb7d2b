import django_filters
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from crm_site.formfields import DateFilter

from .models import AuditEvent, ConsentEntry, ExchangeRate, Guest, Property, RoomInventory, Stay

MAX_ID = 2**63 - 1


def id_filter(field_name: str) -> django_filters.NumberFilter:
    """An id: a whole number in the database's range (anything else is a 400 naming the
    filter, never an overflow in the database driver)."""
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID, decimal_places=0)


class GuestFilterSet(django_filters.FilterSet):
    nationality = django_filters.CharFilter(lookup_expr="iexact")
    company = id_filter("company_id")
    email = django_filters.CharFilter(lookup_expr="iexact")
    vip_code = django_filters.CharFilter()
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    segment = django_filters.CharFilter(method="filter_segment", label=_("Pyramid segment (current run)"))

    class Meta:
        model = Guest
        fields = ["nationality", "company", "email", "vip_code", "gender", "updated_since", "segment"]

    def filter_segment(self, queryset, name, value):
        """``vip`` or ``vip,major``; an unknown code is a 400 naming ``segment``."""
        from analytics.selectors import guest_ids_in_segment

        return queryset.filter(pk__in=guest_ids_in_segment(value))


class StayFilterSet(django_filters.FilterSet):
    property = django_filters.CharFilter(field_name="property__code", lookup_expr="iexact")
    guest = id_filter("guest_id")
    arrival_from = django_filters.DateFilter(field_name="arrival_date", lookup_expr="gte")
    arrival_to = django_filters.DateFilter(field_name="arrival_date", lookup_expr="lte")
    confirmation_number = django_filters.CharFilter()
    # The source's own categories and identifiers, as given.
    distribution_channel = django_filters.CharFilter()
    market_segment = django_filters.CharFilter()
    customer_type = django_filters.CharFilter()
    agent_code = django_filters.CharFilter()
    company_code = django_filters.CharFilter()

    class Meta:
        model = Stay
        fields = [
            "property",
            "guest",
            "status",
            "channel",
            "arrival_from",
            "arrival_to",
            "confirmation_number",
            "distribution_channel",
            "market_segment",
            "customer_type",
            "agent_code",
            "company_code",
        ]


class PropertyFilterSet(django_filters.FilterSet):
    class Meta:
        model = Property
        fields = ["code", "country", "is_active"]


class AuditEventFilterSet(django_filters.FilterSet):
    """The audit log for chain admins: by guest, actor (user name), action, what was
    acted on and date range (page and API)."""

    guest = id_filter("guest_ref")
    actor = django_filters.CharFilter(field_name="actor__username", lookup_expr="iexact", label=_("User name"))
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    target = django_filters.CharFilter(lookup_expr="istartswith", label=_("What (e.g. consent, export:)"))
    channel = django_filters.CharFilter(lookup_expr="iexact")
    date_from = DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    date_to = DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["guest", "actor", "action", "target", "channel", "date_from", "date_to"]


class ConsentEntryFilterSet(django_filters.FilterSet):
    class Meta:
        model = ConsentEntry
        fields = ["purpose", "granted"]


class ExchangeRateFilterSet(django_filters.FilterSet):
    currency = django_filters.CharFilter(lookup_expr="iexact")
    valid_from = DateFilter()
    on = DateFilter(method="filter_on", label=_("The rate of each currency that applies on this date"))

    class Meta:
        model = ExchangeRate
        fields = ["currency", "valid_from", "on", "source"]

    def filter_on(self, queryset, name, value):
        latest = ExchangeRate.objects.filter(currency=OuterRef("currency"), valid_from__lte=value).order_by(
            "-valid_from"
        )
        return queryset.filter(valid_from=Subquery(latest.values("valid_from")[:1]))


class RoomInventoryFilterSet(django_filters.FilterSet):
    property = django_filters.CharFilter(field_name="property__code", lookup_expr="iexact")
    valid_from = DateFilter()

    class Meta:
        model = RoomInventory
        fields = ["property", "valid_from"]
