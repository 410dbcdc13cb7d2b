"""Country and language codes shown by name in the active language."""

from django import template

from .. import iso

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    return iso.country_name(code) if code else ""


@register.filter
def language_name(code: str) -> str:
    return iso.language_name(code) if code else ""
