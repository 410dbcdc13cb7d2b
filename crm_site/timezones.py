"""Whose clock a page shows.

A hotel lives on its own clock (``Property.timezone``, ``Property.business_date()``):
daily lists, the care list and anything that says "today" for a hotel use it, and pages
of a hotel show its times with the zone's label (``{% load zones %}``).  Pages of the
whole chain show times in the user's own zone: ``StaffProfile.time_zone`` when set
(kept in the session at log-in, so no request reads it again), else the browser's
(the ``crm_tz`` cookie set by ``crm/app.js``), else ``settings.TIME_ZONE``.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "crm_time_zone"
COOKIE = "crm_tz"


def zone_or_none(name) -> zoneinfo.ZoneInfo | None:
    """The IANA zone of ``name``, None for an empty or unknown name."""
    if not name or not isinstance(name, str) or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def validate_time_zone(value: str) -> None:
    if value and zone_or_none(value) is None:
        raise ValidationError(_("Unknown time zone; use an IANA name such as Europe/Lisbon."), code="time_zone")


class UserTimezoneMiddleware:
    """Activates the user's own zone for the request (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        zone = zone_or_none(session.get(SESSION_KEY) if session is not None else None)
        zone = zone or zone_or_none(request.COOKIES.get(COOKIE))
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def remember_user_zone(sender, request, user, **kwargs) -> None:
    """At log-in: the user's chosen zone into the session (one query, once per session)."""
    if request is None or not hasattr(request, "session"):
        return
    from guests.models import StaffProfile

    name = StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    if zone_or_none(name):
        request.session[SESSION_KEY] = name
    else:
        request.session.pop(SESSION_KEY, None)


def hotel_today(user, property_code=None):
    """ "Today" for a page of hotels: the business date of the property asked for (when it
    is one of the user's), else of the user's first home property; the user's own date
    for chain-wide staff looking at the whole chain."""
    from . import scope

    properties = scope.properties(user)
    prop = None
    if property_code and isinstance(property_code, str) and "\x00" not in property_code:
        prop = properties.filter(code=property_code.strip().upper()[:12]).first()
    if prop is None and scope.home_properties(user) is not None:
        prop = properties.first()
    return prop.business_date() if prop is not None else timezone.localdate()
