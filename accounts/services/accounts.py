"""Accounts: create, update (names, type, group, ids), external ids and the team."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, Forbidden, NotFound

from ..models import (
    Account,
    AccountClass,
    AccountEvent,
    AccountExternalId,
    AccountTeamMember,
    AccountType,
    Level,
    LevelChange,
    TeamRole,
)
from ..selectors.access import account_for_edit, is_director
from .common import (
    account_search_keys,
    actor,
    as_object,
    as_property,
    as_salesperson,
    as_user,
    record_event,
    single_value,
)

TEXT_LIMITS = {
    "name": 200,
    "name_latin": 200,
    "tax_title": 200,
    "tax_number": 40,
    "iata_code": 10,
    "corporate_id": 40,
    "rate_code": 20,
    "notes": parsing.MAX_TEXT,
}
UPPER_FIELDS = {"iata_code", "rate_code"}
# Fields a create or an update takes; the owner changes by handover, the level with a reason.
ACCOUNT_FIELDS = (*TEXT_LIMITS, "account_type", "account_class", "parent")
CREATE_ONLY_FIELDS = ("owner", "relationship_level", "level_reason")
MAX_GROUP_DEPTH = 12
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]*$")
_SYSTEM = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")


def _code(value: str, *, field: str) -> str:
    value = value.upper()
    if value and not _CODE.match(value):
        raise DomainError(_("Use letters, digits, '-', '_' or '.'."), field=field, code="invalid_code")
    return value


def _parent(value, *, field: str = "parent") -> Account | None:
    if value in (None, ""):
        return None
    if isinstance(value, Account):
        return value
    parent = Account.objects.active().filter(pk=parsing.as_id(single_value(value, field=field), field=field)).first()
    if parent is None:
        raise DomainError(_("Unknown parent account."), field=field, code="unknown_account")
    return parent


def _check_no_cycle(account: Account | None, parent: Account | None) -> None:
    """Walking up from the new parent must never meet the account itself (a group is a
    tree).  Each ancestor is locked, so two simultaneous moves cannot close a loop."""
    if account is None or parent is None:
        return
    node, depth = parent, 0
    while node is not None:
        if node.pk == account.pk:
            raise DomainError(
                _("%(parent)s belongs to %(account)s's group: an account cannot be its own ancestor.")
                % {"parent": parent.name, "account": account.name},
                field="parent",
                code="parent_cycle",
            )
        depth += 1
        if depth > MAX_GROUP_DEPTH:
            raise DomainError(
                _("Groups nest at most %(n)d levels deep.") % {"n": MAX_GROUP_DEPTH}, field="parent", code="too_deep"
            )
        node = Account.objects.select_for_update().filter(pk=node.parent_id).first() if node.parent_id else None


def _same_id(value):
    """An id as sent back by a client (``7``, ``"7"``, null) in comparable form."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def account_data_clean(data: Mapping, *, fields=ACCOUNT_FIELDS, require_name: bool = True) -> dict:
    """Every given account field checked at once (each invalid one named)."""
    bag, cleaned = ErrorBag(), {}
    for field in fields:
        if field not in data:
            continue
        value = bag.check(single_value, data[field], field=field)
        if field in bag.fields:
            continue
        if field in TEXT_LIMITS:
            value = bag.check(
                parsing.as_text, value, field=field, max_length=TEXT_LIMITS[field], required=field == "name"
            )
            if value is not None and field in UPPER_FIELDS:
                value = bag.check(_code, value, field=field)
        elif field == "account_type":
            value = bag.check(parsing.as_choice, value, field=field, choices=AccountType)
        elif field == "account_class":
            value = bag.check(parsing.as_choice, value, field=field, choices=AccountClass)
        elif field == "parent":
            value = bag.check(_parent, value)
        if field not in bag.fields:
            cleaned[field] = value
    if require_name and "name" not in data:
        bag.add(DomainError(_("This field is required."), field="name"))
    bag.raise_if_any()
    return cleaned


def _check_name_free(name: str, *, exclude: int | None = None) -> None:
    clash = Account.objects.active().filter(name__iexact=name)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise DomainError(_("An account with this name already exists."), field="name", code="duplicate_name")


def _initial_owner(value, by):
    """A salesperson creates accounts for themselves; the director for anyone."""
    if value in (None, "") and not is_director(by):
        value = by
    owner = as_salesperson(value, field="owner")
    if owner is not None and by is not None and owner.pk != by.pk and not is_director(by):
        raise Forbidden(_("Only the director of sales may create accounts for someone else."), field="owner")
    return owner


def account_create(*, data: Mapping, by=None) -> Account:
    """A new account with its search keys and the first entry of its level history."""
    data = as_object(data)
    bag = ErrorBag()
    cleaned = bag.check(account_data_clean, data) or {}
    owner = bag.check(_initial_owner, data.get("owner"), by)
    level = bag.check(
        parsing.as_choice, data.get("relationship_level"), field="relationship_level", choices=Level, default="ordinary"
    )
    reason = bag.check(parsing.as_text, data.get("level_reason"), field="level_reason", max_length=1000)
    if "name" in cleaned:
        bag.check(_check_name_free, cleaned["name"])
    bag.raise_if_any()
    with transaction.atomic():
        account = Account(**cleaned, owner=owner, relationship_level=level)
        _set_keys(account)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:
            raise DomainError(
                _("An account with this name already exists."), field="name", code="duplicate_name"
            ) from None
        LevelChange.objects.create(
            account=account,
            to_level=level,
            reason=reason or _("Level when the account was created."),
            effective_on=timezone.localdate(),
            changed_by=actor(by),
        )
        record_event(account, AccountEvent.Kind.CREATED, by=by, level=level)
    return account


def _set_keys(account: Account) -> None:
    for key, value in account_search_keys(account.name, account.name_latin).items():
        setattr(account, key, value)


def account_update(*, account_id, data: Mapping, by=None) -> Account:
    """Change an account's details.  The owner changes by handover and the level with a
    reason (each its own service); a parent that would close a loop is refused."""
    data = as_object(data)
    blocked = {
        "owner": _("Hand the account over to change its owner."),
        "relationship_level": _("Change the relationship level with a reason."),
    }
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        refused = {}
        if "owner" in data and _same_id(data["owner"]) != account.owner_id:
            refused["owner"] = [blocked["owner"]]
        if "relationship_level" in data and data["relationship_level"] != account.relationship_level:
            refused["relationship_level"] = [blocked["relationship_level"]]
        if refused:
            raise DomainError.many(refused)
        cleaned = account_data_clean(data, require_name=False)
        if "name" in cleaned:
            _check_name_free(cleaned["name"], exclude=account.pk)
        if "parent" in cleaned:
            _check_no_cycle(account, cleaned["parent"])
        changed = [f for f, v in cleaned.items() if getattr(account, f) != v]
        for field, value in cleaned.items():
            setattr(account, field, value)
        if not changed:
            return account
        _set_keys(account)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:
            raise DomainError(
                _("An account with this name already exists."), field="name", code="duplicate_name"
            ) from None
        record_event(account, AccountEvent.Kind.CHANGED, by=by, fields=sorted(changed))
    return account


# --- External ids ----------------------------------------------------------------------


def external_id_add(*, account_id, system, external_id, by=None) -> AccountExternalId:
    """Link the account to its id in another system; an id belongs to one account per system."""
    bag = ErrorBag()
    system = bag.check(
        parsing.as_text, single_value(system, field="system"), field="system", max_length=40, required=True
    )
    if system and not _SYSTEM.match(system.lower()):
        bag.add(DomainError(_("Use lower-case letters, digits, '-', '_', '.' or ':'."), field="system"))
    external_id = bag.check(
        parsing.as_text,
        single_value(external_id, field="external_id"),
        field="external_id",
        max_length=64,
        required=True,
    )
    bag.raise_if_any()
    system = system.lower()
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        taken = (
            AccountExternalId.objects.filter(system=system, external_id=external_id).select_related("account").first()
        )
        if taken is not None:
            raise DomainError(
                _("This id is already linked to %(account)s.") % {"account": taken.account.name},
                field="external_id",
                code="duplicate_external_id",
            )
        try:
            with transaction.atomic():
                link = AccountExternalId.objects.create(account=account, system=system, external_id=external_id)
        except IntegrityError:
            raise DomainError(
                _("This id is already linked to an account in this system."), field="external_id"
            ) from None
        record_event(account, AccountEvent.Kind.CHANGED, by=by, external_id=f"{system}:{external_id}")
    return link


def external_id_remove(*, link_id, by=None) -> None:
    link = AccountExternalId.objects.filter(pk=parsing.as_id(link_id, field="external_id")).first()
    if link is None:
        raise NotFound(_("External id not found."), field="external_id")
    with transaction.atomic():
        account_for_edit(by, link.account_id)
        link.delete()
        record_event(link.account_id, AccountEvent.Kind.CHANGED, by=by, removed_external_id=str(link))


# --- The account team ------------------------------------------------------------------


def _check_can_manage_team(by, account: Account) -> None:
    if by is not None and not is_director(by) and account.owner_id != by.pk:
        raise Forbidden(_("Only the owner or the director of sales may change the team."), field="account")


def team_member_add(*, account_id, user, role, property=None, by=None) -> AccountTeamMember:
    """Add someone to the account team (internal alliance) in one of its roles."""
    bag = ErrorBag()
    role = bag.check(
        parsing.as_choice,
        single_value(role, field="role"),
        field="role",
        choices=[r for r in TeamRole.values if r != TeamRole.OWNER],
        message=_("Choose a team role (the owner changes by handover)."),
    )
    member = bag.check(as_user, user, field="user", required=True)
    prop = bag.check(as_property, property, field="property")
    if member is not None and role == TeamRole.PROPERTY_SALES:
        bag.check(as_salesperson, member, field="user")
    bag.raise_if_any()
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        _check_can_manage_team(by, account)
        if AccountTeamMember.objects.filter(account=account, user=member, role=role).exists():
            raise DomainError(_("This person already has this role on the account."), field="user", code="duplicate")
        row = AccountTeamMember.objects.create(account=account, user=member, role=role, property=prop)
        record_event(account, AccountEvent.Kind.TEAM, by=by, added=role, user_id=member.pk)
    return row


def team_member_remove(*, member_id, by=None) -> None:
    row = AccountTeamMember.objects.filter(pk=parsing.as_id(member_id, field="member")).first()
    if row is None:
        raise NotFound(_("Team member not found."), field="member")
    with transaction.atomic():
        account = account_for_edit(by, row.account_id, lock=True)
        _check_can_manage_team(by, account)
        row.delete()
        record_event(account, AccountEvent.Kind.TEAM, by=by, removed=row.role, user_id=row.user_id)
