"""``Idempotency-Key`` support for API writes that integrators may retry.

The first request with a key runs and its response is stored; a retry with the same key
and the same body gets the stored response (nothing is written twice); the same key
with a different body is refused with 409.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import ConflictError, DomainError
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def _hash_body(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except TypeError:
        body = repr(request.data)
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(view_method):
    """Decorate an APIView/ViewSet method (self, request, *args, **kwargs)."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 100:
            raise DomainError(_("Idempotency-Key is at most 100 characters."), field="Idempotency-Key")
        scope = f"{request.method} {request.path}"[:200]
        body_hash = _hash_body(request)
        existing = IdempotencyRecord.objects.filter(user=request.user, scope=scope, key=key).first()
        if existing is not None:
            if existing.request_hash != body_hash:
                raise ConflictError(
                    _("This Idempotency-Key was already used with a different request body."),
                    field="Idempotency-Key",
                )
            return Response(existing.response_body, status=existing.status_code)
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotencyRecord.objects.create(
                        user=request.user,
                        scope=scope,
                        key=key,
                        request_hash=body_hash,
                        status_code=response.status_code,
                        response_body=json.loads(json.dumps(response.data, default=str)),
                    )
        except IntegrityError:
            raise ConflictError(
                _("A request with this Idempotency-Key is already being processed."), field="Idempotency-Key"
            ) from None
        return response

    return wrapper
