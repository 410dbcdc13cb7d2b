"""Labels of a stay's status and channel for long lists (arrivals, stay history).

``{{ stay.get_status_display }}`` rebuilds the field's whole choices mapping on every
call (Django's ``_get_FIELD_display``), a fraction of a millisecond each, ~1,000 times on
a 500-arrival page.  These filters translate each label once per language and process.
"""

from django import template
from django.utils import translation

from guests.models import Stay

register = template.Library()

_CHOICES = {"status": dict(Stay.Status.choices), "channel": dict(Stay.Channel.choices)}
_TRANSLATED: dict[tuple[str, str | None], dict[str, str]] = {}


def _label(kind: str, value):
    language = translation.get_language()
    labels = _TRANSLATED.get((kind, language))
    if labels is None:
        labels = _TRANSLATED[(kind, language)] = {k: str(v) for k, v in _CHOICES[kind].items()}
    return labels.get(value, value)


@register.filter
def stay_status(value):
    return _label("status", value)


@register.filter
def stay_channel(value):
    return _label("channel", value)
