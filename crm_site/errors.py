"""One exception family for business-rule failures, mapped once to HTTP.

Services raise ``DomainError(message, field=..., code=...)`` (or ``DomainError.many`` /
:class:`ErrorBag` to report every invalid field at once).  The DRF exception handler
below turns every error — ours, DRF's, Django's — into one JSON shape::

    {"code": "invalid", "detail": "Enter a valid e-mail address.",
     "errors": {"email": ["Enter a valid e-mail address."]}}

``code`` is stable and machine-readable; ``detail`` is a sentence for people;
``errors`` names each invalid field (empty when the error is not about a field).
Views turn the same errors into form errors with :func:`add_to_form`.  Nothing else in
the code base builds error bodies by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

NON_FIELD = "detail"

# HTTP status → the ``code`` a client sees when the exception brings none of its own.
STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


class DomainError(Exception):
    """A business rule refused the request; nothing was written."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code or self.default_code
        self.fields: dict[str, list[str]] = {field: [str(message)]} if field else {}

    @classmethod
    def many(cls, fields: Mapping[str, list[str] | str], *, code: str | None = None) -> DomainError:
        """One error naming several fields (all invalid fields of a form at once)."""
        fields = {
            name: [str(m) for m in (msgs if isinstance(msgs, list | tuple) else [msgs])]
            for name, msgs in fields.items()
        }
        first_field, first = next(iter(fields.items()))
        error = cls(first[0], field=first_field, code=code)
        error.fields = fields
        if len(fields) > 1:
            error.message = ngettext("%(n)d field is invalid.", "%(n)d fields are invalid.", len(fields)) % {
                "n": len(fields)
            }
        return error

    def body(self) -> dict:
        return {"code": self.code, "detail": str(self.message), "errors": dict(self.fields)}


class ConflictError(DomainError):
    """Someone else changed the object first (stale version, reused idempotency key)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class ErrorBag:
    """Collect every invalid field, then raise them together::

    bag = ErrorBag()
    email = bag.check(as_email, data.get("email"), field="email")
    phone = bag.check(as_phone, data.get("phone"), field="phone")
    bag.raise_if_any()
    """

    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, error: DomainError | str, *, field: str | None = None) -> None:
        if isinstance(error, DomainError):
            items = error.fields.items() if error.fields else [(NON_FIELD, [str(error.message)])]
        else:
            items = [(field or NON_FIELD, [str(error)])]
        for name, messages in items:
            self.fields.setdefault(name, []).extend(messages)

    def check(self, func: Callable, *args, **kwargs):
        """``func(*args, **kwargs)``, or None with its error collected."""
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            if error.status_code != 400:
                raise
            self.add(error)
            return None

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise DomainError.many(self.fields)


def from_django_validation_error(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if key == "__all__" else key): [str(m) for m in msgs] for key, msgs in exc.message_dict.items()
        }
    return {NON_FIELD: [str(m) for m in exc.messages]}


def _first_message(errors) -> str:
    while isinstance(errors, dict | list) and errors:
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return str(errors) if errors else _("The request is invalid.")


def error_body(code: str, detail, errors: dict | None = None) -> dict:
    return {"code": code, "detail": str(detail), "errors": errors or {}}


def _drf_body(exc: exceptions.APIException) -> dict:
    status_code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, list):  # serializer-level (non-field) errors
            errors = {NON_FIELD: [str(m) for m in detail]}
        elif isinstance(detail, dict):
            errors = {("detail" if k == "non_field_errors" else k): v for k, v in detail.items()}
        else:
            errors = {NON_FIELD: [str(detail)]}
        count = len([k for k in errors if k != NON_FIELD])
        summary = (
            ngettext("%(n)d field is invalid.", "%(n)d fields are invalid.", count) % {"n": count}
            if count > 1
            else _first_message(errors)
        )
        return error_body("invalid", summary, errors)
    code = STATUS_CODES.get(status_code) or (exc.default_code if hasattr(exc, "default_code") else "error")
    if isinstance(exc, exceptions.ParseError):
        code = "parse_error"
    elif isinstance(exc, exceptions.AuthenticationFailed):
        code = "authentication_failed"
    return error_body(code, exc.detail if not isinstance(exc.detail, list | dict) else _first_message(exc.detail))


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.body(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = from_django_validation_error(exc)
        return Response(error_body("invalid", _first_message(errors), errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A constraint caught what the service did not: still a client error, never a 500.
        logger.warning("integrity error mapped to 409: %s", exc)
        return Response(error_body("conflict", _("This change conflicts with existing data.")), status=409)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's handler500 answers (JSON on the API, see server_error)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(_drf_body(exc), status=exc.status_code, headers=headers)


def add_to_form(form, error: DomainError) -> None:
    """Show a DomainError on a Django form: each named field that the form shows gets its
    message; the rest (and hidden fields such as ``version``) go to the form's top."""
    fields = getattr(form, "fields", {})
    for name, messages in (error.fields or {None: [str(error.message)]}).items():
        visible = name in fields and not fields[name].widget.is_hidden
        for message in messages:
            form.add_error(name if visible else None, message)


# --- Django-level error views (outside DRF): JSON on the API, pages elsewhere ----------------


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def json_error(request, status_code: int, detail=None, code: str | None = None) -> JsonResponse:
    detail = detail or {
        400: _("The request is invalid."),
        403: _("You do not have permission to perform this action."),
        404: _("Not found."),
        413: _("The request body is too large."),
        500: _("Something went wrong on our side; the error was logged."),
    }.get(status_code, _("Error."))
    return JsonResponse(error_body(code or STATUS_CODES.get(status_code, "error"), detail), status=status_code)
