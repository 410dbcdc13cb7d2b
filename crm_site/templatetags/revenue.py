"""Revenue in templates (``crm_site.revenue``): amount blocks sit inside
``{% if perms.guests.view_revenue %}``; a stored sentence that quotes an amount goes
through ``{{ text|revenue_text:user }}``."""

from django import template

from crm_site.revenue import mask_amounts

register = template.Library()


@register.filter
def revenue_text(text, user):
    """The sentence, with its amounts hidden from a user who may not see revenue."""
    return mask_amounts(text, user)
