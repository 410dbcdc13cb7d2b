"""Request bodies as the API views read them."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from crm_site.errors import NON_FIELD, DomainError


def request_object(request, *, drop=()) -> dict:
    """The request body as a plain dict of its fields (a JSON object or a form), without
    ``drop``; anything else is a 400."""
    data = request.data
    if not isinstance(data, Mapping):
        raise DomainError(_("Send a JSON object."), field=NON_FIELD, code="invalid")
    if hasattr(data, "getlist"):  # a form: one value per field
        data = {key: data.get(key) for key in data}
    return {key: value for key, value in data.items() if key not in drop}
