"""Handover: the director of sales gives accounts a new owner; the old owner's open
activities on those accounts move with them, all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, NotFound

from ..models import Account, AccountEvent
from .activities import open_activities
from .common import as_salesperson, record_event, require_director


@dataclass(frozen=True)
class Handover:
    accounts: int
    activities: int


def _account_ids(account_ids) -> list[int]:
    if isinstance(account_ids, int | str):
        account_ids = [account_ids]
    if not isinstance(account_ids, list | tuple | set) or not account_ids:
        raise DomainError(_("Choose at least one account."), field="accounts", code="required")
    return sorted({parsing.as_id(pk, field="accounts") for pk in account_ids})


def account_handover(*, account_ids, new_owner, by=None) -> Handover:
    """Reassign the accounts to ``new_owner`` (a salesperson).  Each account's open
    activities owned by its previous owner move to the new one; timelines record it.
    Everything happens in one transaction: a failure on any account moves nothing."""
    require_director(by)
    ids = _account_ids(account_ids)
    owner = as_salesperson(new_owner, field="owner", required=True)
    moved_activities = 0
    with transaction.atomic():
        accounts = list(Account.objects.active().select_for_update().filter(pk__in=ids).order_by("pk"))
        missing = set(ids) - {a.pk for a in accounts}
        if missing:
            raise NotFound(
                _("Unknown account(s): %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))}, field="accounts"
            )
        for account in accounts:
            previous = account.owner_id
            if previous == owner.pk:
                continue
            if previous:
                moved_activities += open_activities([account.pk], owner_id=previous).update(owner=owner)
            account.owner = owner
            account.save(update_fields=["owner", "updated_at"])
            record_event(account, AccountEvent.Kind.OWNER, by=by, owner_from=previous, owner_to=owner.pk)
    return Handover(accounts=len(accounts), activities=moved_activities)
