from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value, digits: int = 1):
    """0.1234 → "12.3 %"; empty → "—"."""
    if value is None or value == "":
        return "—"
    digits = int(digits)
    # number_format truncates; round first so the table and the charts agree (66.67 → 66.7).
    return f"{number_format(round(float(value) * 100, digits), digits)} %"


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
