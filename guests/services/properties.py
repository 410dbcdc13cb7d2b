"""Properties (hotels of the chain): one validated write path for the API and the admin."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import ConflictError, DomainError, ErrorBag, NotFound

from .. import money
from ..models import Property

PROPERTY_FIELDS = ("code", "name", "name_zh", "city", "country", "timezone", "currency", "is_active")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


def _code(value, *, field: str) -> str:
    code = parsing.as_text(value, field=field, max_length=12, required=True).upper()
    if not _CODE.match(code):
        raise DomainError(
            _("Use letters, digits and dashes (e.g. LIS or LIS-2)."), field=field, code="invalid_property_code"
        )
    return code


def _timezone(value, *, field: str) -> str:
    name = parsing.as_text(value, field=field, max_length=64) or "UTC"
    if name not in zoneinfo.available_timezones():
        raise DomainError(
            _("Unknown time zone (use an IANA name such as Europe/Lisbon)."), field=field, code="invalid_timezone"
        )
    return name


def _currency(value, *, field: str) -> str:
    currency = (parsing.as_text(value, field=field, max_length=3) or "EUR").upper()
    if not money.has_rates(currency):
        raise DomainError(
            _("No exchange rate is configured for %(currency)s.") % {"currency": currency},
            field=field,
            code="unknown_currency",
        )
    return currency


def _country(value, *, field: str) -> str:
    country = parsing.as_text(value, field=field, max_length=3).upper()
    if country and (not country.isascii() or not country.isalpha() or len(country) < 2):
        raise DomainError(_("Use an ISO country code (2 or 3 letters)."), field=field, code="invalid_country")
    return country


_CHECKS = {
    "code": _code,
    "name": lambda v, field: parsing.as_text(v, field=field, max_length=200, required=True),
    "name_zh": lambda v, field: parsing.as_text(v, field=field, max_length=200) or "",
    "city": lambda v, field: parsing.as_text(v, field=field, max_length=100),
    "country": _country,
    "timezone": _timezone,
    "currency": _currency,
    "is_active": lambda v, field: parsing.as_bool(v, field=field, default=True),
}


def property_data_clean(data, *, partial: bool) -> dict:
    """Every invalid field of a property at once (``DomainError.many``)."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send the property as an object."), field="detail", code="invalid")
    bag = ErrorBag()
    for field in sorted(set(data) - set(PROPERTY_FIELDS) - {"id"}):
        bag.add(DomainError(_("Unknown field."), field=str(field), code="unknown_field"))
    cleaned = {}
    for field, check in _CHECKS.items():
        if field not in data and partial:
            continue
        value = data.get(field)
        if isinstance(value, dict | list):
            bag.add(DomainError(_("Send a single value (text, number or null)."), field=field, code="invalid"))
            continue
        result = bag.check(check, value, field=field)
        if field not in bag.fields:
            cleaned[field] = result
    bag.raise_if_any()
    return cleaned


def _save(prop: Property) -> Property:
    if Property.objects.filter(code=prop.code).exclude(pk=prop.pk).exists():
        raise DomainError(_("A property with this code already exists."), field="code", code="duplicate")
    try:
        with transaction.atomic():
            prop.save()
    except IntegrityError:
        raise ConflictError(_("A property with this code already exists."), field="code") from None
    return prop


def property_create(*, data, by=None) -> Property:
    """A new hotel of the chain."""
    return _save(Property(**property_data_clean(data, partial=False)))


def property_update(*, property_id: int, data, by=None) -> Property:
    """Change a hotel; only the fields given change."""
    cleaned = property_data_clean(data, partial=True)
    prop = Property.objects.filter(pk=property_id).first()
    if prop is None:
        raise NotFound(_("Property not found."))
    for field, value in cleaned.items():
        setattr(prop, field, value)
    return _save(prop)
