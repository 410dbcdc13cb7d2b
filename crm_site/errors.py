"""One exception type for business-rule failures, mapped once to HTTP.

Services raise ``DomainError(message, field=...)``; the DRF exception handler below turns
it into ``{"field": ["message"]}`` with a 4xx status, and views turn it into form errors
with :func:`add_to_form`.  Nothing else in the code base builds error bodies by hand.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

NON_FIELD = "detail"


class DomainError(Exception):
    """A business rule refused the request; nothing was written."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or NON_FIELD: [str(self.message)]}


class ConflictError(DomainError):
    """Someone else changed the object first (stale version, reused idempotency key)."""

    status_code = status.HTTP_409_CONFLICT


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN


def from_django_validation_error(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if key == "__all__" else key): [str(m) for m in msgs] for key, msgs in exc.message_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(from_django_validation_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A constraint caught what the service did not: still a client error, never a 500.
        logger.warning("integrity error mapped to 409: %s", exc)
        return Response(
            {NON_FIELD: [_("This change conflicts with existing data.")]},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)


def add_to_form(form, error: DomainError) -> None:
    """Show a DomainError on a Django form, on its field when the form has a visible one
    (an error on a hidden field, such as ``version``, would never be seen)."""
    fields = getattr(form, "fields", {})
    field = error.field if error.field in fields and not fields[error.field].widget.is_hidden else None
    form.add_error(field, str(error.message))
