"""Times in a hotel's own time zone, with its label.

``{{ value|in_zone:property }}`` converts an aware datetime to the property's zone (a
``Property`` or an IANA name) and keeps it there for the ``date`` filter:
``{{ stay.check_in_at|in_zone:property|date:"H:i T" }}``.  ``{% zone_label property %}``
prints the zone ("Europe/Lisbon, WET") and ``{% now_in_zone property %}`` the hotel's
clock ("18:40 WET").  Pages of the whole chain show times in the user's own zone
(``crm_site.middleware.UserTimezoneMiddleware``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template
from django.utils import timezone

register = template.Library()


def zone(value) -> dt.tzinfo:
    name = getattr(value, "timezone", value)
    if isinstance(name, dt.tzinfo):
        return name
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _name(value) -> str:
    tz = zone(value)
    return getattr(tz, "key", str(tz))


@register.filter
def in_zone(value, where):
    """``value`` (an aware datetime) in ``where``'s zone; other values unchanged."""
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        return value
    # Marked so that the ``date`` filter does not convert it back to the active zone.
    return _Localised.from_datetime(value.astimezone(zone(where)))


class _Localised(dt.datetime):
    """A datetime the templates do not convert to the active zone again."""

    convert_to_local_time = False

    @classmethod
    def from_datetime(cls, value: dt.datetime) -> _Localised:
        return cls(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
        )


@register.simple_tag
def zone_label(where) -> str:
    """The zone's name and its current abbreviation: "Asia/Shanghai, CST"."""
    now = timezone.now().astimezone(zone(where))
    return f"{_name(where)}, {now.strftime('%Z')}"


@register.simple_tag
def now_in_zone(where) -> str:
    """The hotel's clock now, with the zone: "18:40 WET (Europe/Lisbon)"."""
    now = timezone.now().astimezone(zone(where))
    return f"{now:%H:%M} {now:%Z} ({_name(where)})"
