"""Form, filter and serializer fields that apply the shared coercers
(:mod:`crm_site.parsing`), so a page, a list filter or an API body refuses a date outside
1900-2100 (year 9999 …) as a field error instead of overflowing date arithmetic further
on, and reports it together with every other invalid field."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .errors import DomainError
from .parsing import as_date


def _checked(value, field_name: str):
    if value is None:
        return None
    try:
        return as_date(value, field=field_name)
    except DomainError as error:
        raise forms.ValidationError(str(error.message), code=error.code) from None


class DateField(forms.DateField):
    """A ``YYYY-MM-DD`` date, years 1900-2100."""

    def to_python(self, value):
        return _checked(super().to_python(value), "date")


class MonthField(forms.DateField):
    """A month (``YYYY-MM``, or a full date) as its first day, years 1900-2100."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = _checked(super().to_python(value), "month")
        return day.replace(day=1) if day else None


class DateFilter(django_filters.DateFilter):
    """``django_filters.DateFilter`` limited to years 1900-2100."""

    field_class = DateField


def coerced(func, *args, **kwargs):
    """Run a shared coercer inside a DRF ``validate_<field>``: its DomainError becomes that
    field's validation error (so the serializer reports it with every other field)."""
    try:
        return func(*args, **kwargs)
    except DomainError as error:
        raise serializers.ValidationError(str(error.message), code=error.code) from None


class ApiDateField(serializers.DateField):
    """DRF ``DateField`` limited to years 1900-2100."""

    def to_internal_value(self, value):
        return coerced(as_date, super().to_internal_value(value), field=self.field_name or "date")


@extend_schema_field({"type": "integer"})
class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter (an id, a score, points): ``1.5`` or ``1e3`` is a 400 naming the
    filter, as the schema's ``integer`` says, never a silent empty list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("decimal_places", 0)
        kwargs.setdefault("min_value", -(2**63 - 1))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
