"""Small display helpers for the account pages."""

from django import template

register = template.Library()

_LEVEL_KIND = {"ordinary": "", "preferred": "info", "partner": "success", "strategic": "tier"}


@register.filter
def level_kind(level: str) -> str:
    """The badge kind of a relationship level (higher levels stand out more)."""
    return _LEVEL_KIND.get(level, "")


@register.filter
def person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def tens(value) -> int:
    """A 0-100 figure rounded to the bar width classes (bar-0 … bar-100)."""
    try:
        return max(0, min(100, int(round(float(value) / 10.0)) * 10))
    except (TypeError, ValueError):
        return 0


@register.filter
def share(value) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


@register.filter
def bound(form, name: str):
    """``form[name]`` for a field whose name is built in the template."""
    return form[name]


@register.filter
def attr_errors(bound_field):
    return bound_field.errors
