"""One FilterSet per listed model, used by the API and by the pages."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.formfields import DateFilter

from .models import (
    Account,
    AccountClass,
    AccountContact,
    AccountTeamMember,
    AccountType,
    Activity,
    ActivityKind,
    ActivityStatus,
    Agreement,
    AgreementStatus,
    ContactLevel,
    ContactRole,
    Level,
)
from .selectors.accounts import account_search

MAX_ID = 2**63 - 1
SEARCH_LIMIT = 500


def id_filter(field_name: str, label=None) -> django_filters.NumberFilter:
    """An id: a whole number in the database's range (anything else is a 400 naming it)."""
    return django_filters.NumberFilter(
        field_name=field_name, label=label, min_value=1, max_value=MAX_ID, decimal_places=0
    )


def owner_filter() -> django_filters.CharFilter:
    """``me`` (the viewer) or a user id; anything else is a 400 naming ``owner``."""
    return django_filters.CharFilter(
        label=_("Owner (id or “me”)"),
        method="filter_owner",
        max_length=18,
        validators=[RegexValidator(r"^(me|[1-9][0-9]*)$", _("Give a user id or “me”."))],
    )


class _OwnerFilterMixin:
    def filter_owner(self, queryset, name, value):
        if not value:
            return queryset
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(owner=user) if user and user.is_authenticated else queryset.none()
        return queryset.filter(owner_id=int(value))


class AccountFilterSet(_OwnerFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    account_type = django_filters.ChoiceFilter(label=_("Type"), choices=AccountType.choices)
    account_class = django_filters.ChoiceFilter(label=_("Account class"), choices=AccountClass.choices)
    relationship_level = django_filters.ChoiceFilter(label=_("Relationship level"), choices=Level.choices)
    level_target = django_filters.ChoiceFilter(label=_("Target level"), choices=Level.choices)
    owner = owner_filter()
    parent = id_filter("parent_id", _("Parent account"))
    mine = django_filters.BooleanFilter(label=_("Mine (owner or team)"), method="filter_mine")

    class Meta:
        model = Account
        fields = ["q", "account_type", "account_class", "relationship_level", "level_target", "owner", "parent", "mine"]

    def filter_q(self, queryset, name, value):
        if not value.strip():
            return queryset
        ids = [a.pk for a in account_search(query=value, base=queryset, limit=SEARCH_LIMIT)]
        return queryset.filter(pk__in=ids)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or not (user and user.is_authenticated):
            return queryset
        team = AccountTeamMember.objects.filter(user=user).values("account_id")
        return queryset.filter(Q(owner=user) | Q(pk__in=team))


class ActivityFilterSet(_OwnerFilterMixin, django_filters.FilterSet):
    account = id_filter("account_id", _("Account"))
    owner = owner_filter()
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActivityStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ActivityKind.choices)
    due_from = DateFilter(label=_("Due from"), field_name="due_on", lookup_expr="gte")
    due_to = DateFilter(label=_("Due until"), field_name="due_on", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    class Meta:
        model = Activity
        fields = ["account", "owner", "status", "kind", "due_from", "due_to", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status=ActivityStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class AgreementFilterSet(django_filters.FilterSet):
    account = id_filter("account_id", _("Account"))
    property = django_filters.CharFilter(label=_("Property"), field_name="property__code", lookup_expr="iexact")
    rate_code = django_filters.CharFilter(label=_("Rate code"), lookup_expr="iexact")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=AgreementStatus.choices)
    valid_on = DateFilter(label=_("Valid on"), method="filter_valid_on")
    ends_before = DateFilter(label=_("Ends before"), field_name="valid_to", lookup_expr="lte")

    class Meta:
        model = Agreement
        fields = ["account", "property", "rate_code", "status", "valid_on", "ends_before"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value, valid_to__gte=value) if value else queryset


class ContactFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(label=_("Role"), choices=ContactRole.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=ContactLevel.choices)
    guest = id_filter("guest_id", _("Guest"))

    class Meta:
        model = AccountContact
        fields = ["role", "level", "guest"]
