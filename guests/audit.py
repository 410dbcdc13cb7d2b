"""The one audit log of the CRM (``AuditEvent``): who viewed, changed, exported, merged or
erased what, with the old and new values of what changed.

Services record changes (so every channel — page, API, import, admin — leaves the same
trace); views record reads of a single guest and exports; ``crm_site.admin_site`` records
every change made in the Django admin.  Values that are secrets (passwords, document
numbers) are never written; a guest's personal values are scrubbed when the guest is
erased (:func:`scrub_for_guests`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models

from .models import AuditEvent

# Never written to the log, whatever the model: a hash or a secret is shown as "***".
SECRET_FIELDS = ("password", "document_number", "document_hash", "secret", "token", "digest", "salt")
MASK = "***"
ERASED = None  # what an erased guest's old and new values become


def _actor(by):
    return by if getattr(by, "is_authenticated", False) else None


def plain(value):
    """A JSON-ready value: model → its id, dates → ISO text, decimals → text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def guest_ref_of(value) -> int | None:
    """A guest id taken from a URL, or None when it is not one (never an overflow)."""
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def is_secret(field: str) -> bool:
    name = field.lower()
    return any(secret in name for secret in SECRET_FIELDS)


def changes(old: Mapping, new: Mapping, fields: Iterable[str] | None = None) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields whose value differs (secrets masked; a
    secret among ``fields`` given as changed is recorded even though its value is not
    readable, e.g. a new password)."""
    result = {}
    for field in fields if fields is not None else sorted(set(old) | set(new)):
        before, after = plain(old.get(field)), plain(new.get(field))
        if is_secret(field) and (fields is not None or before != after):
            result[field] = [MASK, MASK]  # a secret said to have changed is recorded, never its value
        elif before != after:
            result[field] = [before, after]
    return result


def record(
    *,
    action: str,
    guest=None,
    guest_ref: int | None = None,
    by=None,
    channel: str = "web",
    target: str = "guest",
    object_ref="",
    **details,
) -> AuditEvent:
    """Write one event.  ``guest`` (or only its id, ``guest_ref``) when it concerns a
    guest; ``details`` must be JSON-ready (use :func:`changes` for old/new values)."""
    if guest is not None:
        guest_ref = guest.pk
        if target == "guest" and not object_ref:
            object_ref = guest.pk
    return AuditEvent.objects.create(
        guest=guest,
        guest_ref=guest_ref,
        action=action,
        target=target[:60],
        object_ref=str(object_ref or "")[:40],
        actor=_actor(by),
        channel=channel[:10],
        details=plain(details),
    )


def record_export(*, what: str, rows: int, by=None, channel: str = "web", guest=None, **params) -> AuditEvent:
    """An export (CSV or JSON): who, what (``what`` and its parameters), how many rows."""
    return record(
        action=AuditEvent.Action.EXPORT,
        guest=guest,
        by=by,
        channel=channel,
        target=f"export:{what}",
        object_ref=guest.pk if guest is not None else "",
        rows=rows,
        **{k: v for k, v in params.items() if v not in (None, "")},
    )


def record_denied(*, what: str, permission: str, by=None, channel: str = "web", guest_ref=None, **params):
    """A request refused for lack of permission (an export, above all)."""
    return record(
        action=AuditEvent.Action.DENIED,
        guest_ref=guest_ref,
        by=by,
        channel=channel,
        target=f"export:{what}",
        object_ref=guest_ref or "",
        permission=permission,
        **{k: v for k, v in params.items() if v not in (None, "")},
    )


def export_view(*, what: str, permission: str | tuple[str, ...]):
    """Decorate a page that exports (CSV or JSON): login required; without
    ``permission`` (one, or a tuple that must all be held) the request is refused (403)
    and the refusal is audited."""
    permissions = (permission,) if isinstance(permission, str) else tuple(permission)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perms(permissions):
                record_denied(
                    what=what,
                    permission=", ".join(permissions),
                    by=request.user,
                    guest_ref=guest_ref_of(kwargs.get("pk")) if what == "guest" else None,
                    path=request.path[:200],
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate


# Details that never hold a guest's personal values: codes, counts, ids, system reasons.
SAFE_DETAIL_KEYS = frozenset(
    {"fields", "rows", "purpose", "trigger", "profiles", "permission", "merge", "merged", "survivor", "reason"}
)


def _scrub_details(details: dict) -> dict:
    """Keep what happened (which fields changed, how many rows …), drop the values."""
    scrubbed = {k: v for k, v in (details or {}).items() if k in SAFE_DETAIL_KEYS}
    for key in ("changes", "inlines"):
        if isinstance((details or {}).get(key), Mapping):
            scrubbed[key] = {field: [ERASED, ERASED] for field in details[key]}
    return scrubbed


def scrub_for_guests(guest_ids: Iterable[int], *, objects: Mapping[str, Iterable] | None = None) -> int:
    """Erasure: the old and new values recorded about these guests (and about the rows
    ``objects`` = ``{target: [object ids]}`` that belonged to them) are removed; who did
    what when, and which fields changed, stay.  Returns how many events were scrubbed."""
    query = models.Q(guest_ref__in=list(guest_ids))
    for target, ids in (objects or {}).items():
        refs = [str(i) for i in ids]
        if refs:
            query |= models.Q(target=target, object_ref__in=refs)
    events = [e for e in AuditEvent.objects.filter(query).only("pk", "details") if e.details]
    for event in events:
        event.details = _scrub_details(event.details)
    AuditEvent.objects.bulk_update(events, ["details"], batch_size=1000)
    return len(events)
