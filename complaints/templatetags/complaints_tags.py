"""Time left before a deadline, in the desk's words ("2 h 15 min left", "overdue 40 min")."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(abs(value).total_seconds() // 60)
    days, rest = divmod(minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.simple_tag
def time_left(deadline: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if deadline is None:
        return "—"
    left = deadline - (now or timezone.now())
    if left < dt.timedelta(0):
        return _("overdue %(t)s") % {"t": duration(left)}
    return _("%(t)s left") % {"t": duration(left)}


@register.filter
def stars(score: int | None) -> str:
    if not score:
        return "—"
    return "★" * int(score) + "☆" * (5 - int(score))
