"""Helpers every care service shares: chunking long id lists, the care item lock and
its property scope (``crm_site.scope``), the contact log and the channel check."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import DomainError, NotFound
from guests.models import Guest

from .. import rules
from ..models import CareTask, ContactChannel, ContactLog

ID_CHUNK = 10_000


def chunks(items: list, size: int = ID_CHUNK):
    """``items`` in slices of ``size`` (a million ids never become one huge ``IN``)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_channel(guest: Guest, channel: str) -> str:
    """The contact channel, refused when unknown or when the guest did not agree to it."""
    channel = channel or ""
    if channel and channel not in ContactChannel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if channel and not rules.may_contact(guest, channel):
        raise DomainError(_("This guest has not agreed to be contacted this way (do not contact)."), field="channel")
    return channel


def locked_task(task_id: int) -> CareTask:
    try:
        return (
            CareTask.objects.select_for_update(of=("self",))
            .select_related("guest", "property", "email")
            .get(pk=task_id)
        )
    except (CareTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Care item not found.")) from None


def check_task_scope(by, task: CareTask) -> None:
    """Staff bound to properties work the care items of their properties only: another
    one does not exist for them."""
    scope.require(task, by, message=_("Care item not found."))


def contact_entry(*, guest_id: int, kind: str, by, at, **fields) -> ContactLog:
    """One (unsaved) line of the guest's contact log."""
    return ContactLog(guest_id=guest_id, kind=kind, created_by=by, created_at=at, **fields)
