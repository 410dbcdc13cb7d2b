"""Duplicate accounts: merge one into a survivor, record exactly what moved, undo it."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import ConflictError, DomainError, NotFound
from guests.models import Guest, Stay

from ..models import (
    Account,
    AccountContact,
    AccountDocument,
    AccountEvent,
    AccountExternalId,
    AccountMerge,
    AccountMilestone,
    AccountPlan,
    AccountTeamMember,
    Activity,
    Agreement,
    Competitor,
    DriverScore,
)
from .common import actor, record_event, require_director

# What moves from the duplicate to the survivor: key → (model, field naming the account,
# fields the survivor must not already have the same value of).
MOVES = {
    "children": (Account, "parent", ()),
    "contacts": (AccountContact, "account", ("guest",)),
    "activities": (Activity, "account", ()),
    "agreements": (Agreement, "account", ()),
    "external_ids": (AccountExternalId, "account", ()),
    "team": (AccountTeamMember, "account", ("user", "role")),
    "driver_scores": (DriverScore, "account", ("driver",)),
    "competitors": (Competitor, "account", ("name",)),
    "documents": (AccountDocument, "account", ()),
    "milestones": (AccountMilestone, "account", ("milestone",)),
    "events": (AccountEvent, "account", ()),
    "plan": (AccountPlan, "account", ("account",)),
    # The stays attributed to the duplicate count for the survivor (undone exactly).
    "company_stays": (Stay, "company_account", ()),
    "agent_stays": (Stay, "agent_account", ()),
}


def _move(model, field: str, unique: tuple, merged: Account, survivor: Account) -> list[int]:
    rows = model.objects.filter(**{f"{field}_id": merged.pk})
    if model is Account:
        rows = rows.exclude(pk=survivor.pk)
    for key in unique:
        if key == "account":
            if model.objects.filter(account=survivor).exists():
                return []
            continue
        taken = model.objects.filter(account=survivor).exclude(**{f"{key}__isnull": True}).values(key)
        rows = rows.exclude(**{f"{key}__in": taken})
    ids = list(rows.values_list("pk", flat=True))
    model.objects.filter(pk__in=ids).update(**{f"{field}_id": survivor.pk})
    return ids


def _lock_pair(first: int, second: int) -> dict[int, Account]:
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}


def _is_ancestor(candidate: Account, account: Account) -> bool:
    node = account
    for _step in range(50):
        if node.parent_id is None:
            return False
        if node.parent_id == candidate.pk:
            return True
        node = Account.objects.only("pk", "parent_id").get(pk=node.parent_id)
    return False


def _check_mergeable(survivor: Account | None, merged: Account | None) -> None:
    if survivor is None:
        raise NotFound(_("Account not found."), field="survivor")
    if merged is None:
        raise NotFound(_("Account not found."), field="merged")
    if survivor.merged_into_id:
        raise DomainError(_("This account was itself merged into another one."), field="survivor")
    if merged.merged_into_id:
        raise DomainError(_("This account has already been merged."), field="merged")
    if _is_ancestor(merged, survivor):
        raise DomainError(
            _("The surviving account belongs to the duplicate's group: merge the group into it instead."),
            field="survivor",
            code="survivor_in_group",
        )


def account_merge(*, survivor_id, merged_id, by=None, note: str = "") -> AccountMerge:
    """Merge a duplicate account into the survivor (director of sales).  Children,
    contacts, activities, agreements, external ids, team, plan scores, competitors,
    documents, milestones, timeline and guests' company links move, except what the
    survivor already has; everything moved is recorded for an exact undo."""
    require_director(by, field="merged")
    survivor_id = parsing.as_id(survivor_id, field="survivor")
    merged_id = parsing.as_id(merged_id, field="merged")
    note = parsing.as_text(note, field="note", max_length=300)
    if survivor_id == merged_id:
        raise DomainError(_("Choose two different accounts."), field="merged")
    with transaction.atomic():
        locked = _lock_pair(survivor_id, merged_id)
        survivor, merged = locked.get(survivor_id), locked.get(merged_id)
        _check_mergeable(survivor, merged)
        moved = {key: _move(model, field, unique, merged, survivor) for key, (model, field, unique) in MOVES.items()}
        guest_ids = list(Guest.objects.filter(company_id=merged.pk).values_list("pk", flat=True))
        Guest.objects.filter(pk__in=guest_ids).update(company_id=survivor.pk, version=F("version") + 1)
        moved["guests"] = guest_ids
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into", "updated_at"])
        record = AccountMerge.objects.create(
            survivor=survivor, merged=merged, note=note, moved=moved, merged_by=actor(by)
        )
        record_event(survivor, AccountEvent.Kind.MERGE, by=by, merged=merged.pk, name=merged.name)
        record_event(merged, AccountEvent.Kind.MERGE, by=by, survivor=survivor.pk)
    return record


def account_merge_undo(*, merge_id, by=None) -> AccountMerge:
    """Undo a merge: exactly the rows that moved go back and the duplicate reappears."""
    require_director(by, field="merge")
    merge_id = parsing.as_id(merge_id, field="merge")
    with transaction.atomic():
        record = AccountMerge.objects.select_for_update().filter(pk=merge_id).first()
        if record is None:
            raise NotFound(_("Merge not found."), field="merge")
        if record.undone_at:
            raise DomainError(_("This merge was already undone."), field="merge")
        locked = _lock_pair(record.survivor_id, record.merged_id)
        survivor, merged = locked[record.survivor_id], locked[record.merged_id]
        if survivor.merged_into_id:
            raise DomainError(_("The surviving account was merged again since; undo that merge first."), field="merge")
        for key, (model, field, _unique) in MOVES.items():
            model.objects.filter(pk__in=record.moved.get(key, []), **{f"{field}_id": survivor.pk}).update(
                **{f"{field}_id": merged.pk}
            )
        Guest.objects.filter(pk__in=record.moved.get("guests", []), company_id=survivor.pk).update(
            company_id=merged.pk, version=F("version") + 1
        )
        merged.merged_into = None
        try:
            with transaction.atomic():
                merged.save(update_fields=["merged_into", "updated_at"])
        except IntegrityError:
            raise ConflictError(
                _("Another account took the name %(name)s since the merge; rename one first.") % {"name": merged.name},
                field="merge",
            ) from None
        record.undone_at = timezone.now()
        record.undone_by = actor(by)
        record.save(update_fields=["undone_at", "undone_by"])
        record_event(survivor, AccountEvent.Kind.MERGE, by=by, undone=merged.pk)
        record_event(merged, AccountEvent.Kind.MERGE, by=by, undone_from=survivor.pk)
    return record
