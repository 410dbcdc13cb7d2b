from functools import cache

from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter, ChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.routers import DefaultRouter

from .errors import ErrorBag

BOOLEANS = {"true", "false", "True", "False"}


class CrmRouter(DefaultRouter):
    """The project's router: object ids in URLs are digits unless a viewset says otherwise,
    so ``/guests/abc/`` is a 404 before any view code runs (never a ``ValueError``)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", None) or r"[0-9]+"
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"


class CrmFilterBackend(DjangoFilterBackend):
    """django-filter for every API list, with booleans and choices checked: django-filter
    reads anything but ``true``/``false`` as "no filter", so ``?active=yes`` would silently
    list everything, and an empty choice (``?severity=``) as "all"; here each is a 400
    naming the filter (the schema says boolean, or lists the choices)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            bag = ErrorBag()
            for name, field in filterset.filters.items():
                value = request.query_params.get(name)
                if value is None:
                    continue
                if isinstance(field, BooleanFilter) and value not in BOOLEANS:
                    bag.add(_("Enter true or false."), field=name)
                elif isinstance(field, ChoiceFilter) and value == "":
                    bag.add(_("Choose a value or leave the filter out."), field=name)
            bag.raise_if_any()
        return filterset


@cache
def writer(serializer_class):
    """One instance per process of a serializer whose output does not depend on the
    request (no context, no per-user fields), used only to write
    (``writer(GuestSerializer).to_representation(guest)``): a ModelSerializer builds its
    fields from the model for every new instance (~1 ms for a guest's thirty), every
    request.  Writing reads the fields and never changes them."""
    return serializer_class()
