import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_idempotency_key() -> str:
    """A fresh key for a points form: submitting the same rendered form twice (double
    click, browser retry) posts once."""
    return uuid.uuid4().hex
