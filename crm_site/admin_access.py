"""The Django admin under the same two rules as the API and the pages.

Every model admin and inline of a property-scoped model (``crm_site.scope``) or of a model
with revenue fields (``crm_site.revenue``) derives from :class:`AccessAdmin` /
:class:`AccessInline`: a staff user bound to properties lists and opens only their
properties' objects (another one is a 404, as everywhere) and picks only their
properties in a form; a user without ``guests.view_revenue`` sees no amount column,
field or filter.  ``tests/crm_site/test_admin_access.py`` fails for an admin that forgets.
"""

from __future__ import annotations

from django.contrib import admin

from . import scope
from .revenue import revenue_fields, revenue_texts, sees_revenue


def _without(names, hidden) -> list:
    return [n for n in names if (n if isinstance(n, str) else getattr(n, "__name__", n)) not in hidden]


class _AccessMixin:
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope.is_scoped(queryset.model):
            return scope.scoped(queryset, request.user)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model._meta.label == "guests.Property":
            kwargs["queryset"] = scope.properties(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _hidden_amounts(self, request) -> set[str]:
        """Amount fields, and stored sentences quoting amounts (hidden whole here)."""
        if sees_revenue(request.user):
            return set()
        return {*revenue_fields(self.model), *revenue_texts(self.model)}

    def get_exclude(self, request, obj=None):
        hidden = self._hidden_amounts(request)
        excluded = list(super().get_exclude(request, obj) or [])
        return [*excluded, *sorted(hidden - set(excluded))] or None

    def get_readonly_fields(self, request, obj=None):
        return _without(super().get_readonly_fields(request, obj), self._hidden_amounts(request))

    def get_fields(self, request, obj=None):
        return _without(super().get_fields(request, obj), self._hidden_amounts(request))


class AccessAdmin(_AccessMixin, admin.ModelAdmin):
    def get_list_display(self, request):
        return _without(super().get_list_display(request), self._hidden_amounts(request))

    def get_list_filter(self, request):
        return _without(super().get_list_filter(request), self._hidden_amounts(request))

    def get_search_fields(self, request):
        return _without(super().get_search_fields(request), self._hidden_amounts(request))


class AccessInline(_AccessMixin, admin.TabularInline):
    pass
