"""Form and filter fields that apply the shared coercers (:mod:`crm_site.parsing`), so a
page or a list filter refuses a date outside 1900-2100 (year 9999 …) as a field error
instead of overflowing date arithmetic further on."""

from __future__ import annotations

import django_filters
from django import forms

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
