"""``Idempotency-Key`` support for API writes that integrators may retry.

The first request with a key runs and its response is stored; a retry with the same key
and the same body gets the stored response (nothing is written twice); the same key
with a different body is refused with 409.

A stored answer is kept for ``IDEMPOTENCY_TTL_HOURS`` (one day by default): a retry
after that simply runs again, and :func:`idempotency_records_purge` (Celery beat, every
hour) deletes the expired ones.  A stored answer may carry a guest's name, e-mail, phone
or notes, so the guests it is about are recorded beside it (:class:`IdempotencyGuestRef`)
and :func:`idempotency_records_erase` deletes them when the guest is erased.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import ConflictError, DomainError
from .models import IdempotencyGuestRef, IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
DEFAULT_TTL_HOURS = 24
# Keys of a response body that name a guest by id.
GUEST_KEYS = frozenset({"guest", "guest_id", "guest_ref", "survivor", "merged"})
PURGE_BATCH = 5000


def ttl() -> dt.timedelta:
    hours = getattr(settings, "IDEMPOTENCY_TTL_HOURS", DEFAULT_TTL_HOURS)
    return dt.timedelta(hours=hours if isinstance(hours, int) and hours > 0 else DEFAULT_TTL_HOURS)


def expiry_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Answers stored before this moment have expired."""
    return (now or timezone.now()) - ttl()


def _hash_body(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except TypeError:
        body = repr(request.data)
    return hashlib.sha256(body.encode()).hexdigest()


def _as_guest_id(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def guest_refs_in(body) -> set[int]:
    """Every guest a response body names by id (``guest``, ``guest_id``, ``survivor`` …),
    at any depth (a bulk answer lists many)."""
    found: set[int] = set()
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in GUEST_KEYS and (guest_id := _as_guest_id(value)) is not None:
                    found.add(guest_id)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _store(request, *, scope: str, key: str, body_hash: str, response, guests: Callable | None) -> None:
    body = json.loads(json.dumps(response.data, default=str))
    record = IdempotencyRecord.objects.create(
        user=request.user,
        scope=scope,
        key=key,
        request_hash=body_hash,
        status_code=response.status_code,
        response_body=body,
    )
    refs = guest_refs_in(body)
    if guests is not None:
        refs |= {g for g in (_as_guest_id(v) for v in guests(body)) if g is not None}
    IdempotencyGuestRef.objects.bulk_create([IdempotencyGuestRef(record=record, guest_ref=g) for g in sorted(refs)])


def _stored_answer(request, *, scope: str, key: str, body_hash: str):
    """The live stored answer to replay, or None (an expired one is dropped: the request
    runs again)."""
    existing = IdempotencyRecord.objects.filter(user=request.user, scope=scope, key=key).first()
    if existing is None:
        return None
    if existing.created_at < expiry_cutoff():
        existing.delete()
        return None
    if existing.request_hash != body_hash:
        raise ConflictError(
            _("This Idempotency-Key was already used with a different request body."),
            field="Idempotency-Key",
        )
    return Response(existing.response_body, status=existing.status_code)


def idempotent(view_method=None, *, guests: Callable[[object], Iterable] | None = None):
    """Decorate an APIView/ViewSet method (self, request, *args, **kwargs).

    ``guests(response_body) -> ids`` names the guests an answer is about when the body
    does not say so under a ``guest`` key (a guest's own profile: its ``id``)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, request, *args, **kwargs):
            key = request.META.get(HEADER, "").strip()
            if not key:
                return method(self, request, *args, **kwargs)
            if len(key) > 100:
                raise DomainError(_("Idempotency-Key is at most 100 characters."), field="Idempotency-Key")
            scope = f"{request.method} {request.path}"[:200]
            body_hash = _hash_body(request)
            replay = _stored_answer(request, scope=scope, key=key, body_hash=body_hash)
            if replay is not None:
                return replay
            try:
                with transaction.atomic():
                    response = method(self, request, *args, **kwargs)
                    if 200 <= response.status_code < 300:
                        _store(request, scope=scope, key=key, body_hash=body_hash, response=response, guests=guests)
            except IntegrityError:
                raise ConflictError(
                    _("A request with this Idempotency-Key is already being processed."), field="Idempotency-Key"
                ) from None
            return response

        return wrapper

    return decorate(view_method) if view_method is not None else decorate


def idempotency_records_purge(*, now: dt.datetime | None = None, batch: int = PURGE_BATCH) -> int:
    """Delete the stored answers older than the TTL, in batches; returns how many.
    Idempotent: a second run finds nothing more to delete."""
    cutoff = expiry_cutoff(now)
    deleted = 0
    while True:
        ids = list(IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        IdempotencyRecord.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


def idempotency_records_erase(guest_ids: Iterable[int]) -> int:
    """Erasure: delete every stored answer about these guests (a retry then runs again)."""
    ids = [int(g) for g in guest_ids]
    if not ids:
        return 0
    record_ids = list(
        IdempotencyGuestRef.objects.filter(guest_ref__in=ids).values_list("record_id", flat=True).distinct()
    )
    IdempotencyRecord.objects.filter(pk__in=record_ids).delete()
    return len(record_ids)
