"""Sales performance writes: accounts behind a source's agent / company ids (the import's
attribution), linking a stay to the account whose rate code it was booked on, monthly
targets per salesperson, and handling an account's decline warning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site import parsing, scope
from crm_site.errors import ConflictError, DomainError, ErrorBag, Forbidden, NotFound
from guests.models import Stay

from ..models import (
    COMMISSIONABLE_TYPES,
    Account,
    AccountEvent,
    AccountExternalId,
    AccountType,
    AccountWarningReview,
    SalesTarget,
)
from ..selectors.access import account_for_edit, is_director
from ..selectors.performance import account_warnings
from .common import account_search_keys, actor, as_object, as_salesperson, single_value

HBD_AGENT, HBD_COMPANY = "hotel-booking-demand:agent", "hotel-booking-demand:company"
# What an account first seen in a source's file is, and what it is called until renamed.
SOURCE_ACCOUNTS = {
    HBD_AGENT: (AccountType.TRAVEL_AGENCY, "Agent {code} (hotel-booking-demand)"),
    HBD_COMPANY: (AccountType.CORPORATE, "Company {code} (hotel-booking-demand)"),
}


def accounts_for_external_ids(*, system: str, codes: Iterable[str]) -> dict[str, int]:
    """``{code: account id}`` for a source's ids in ``system``, creating the accounts
    (and their external ids) not yet known.  A fixed number of queries for any number of
    codes; an id already linked keeps its account (merged accounts moved theirs)."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    account_type, pattern = SOURCE_ACCOUNTS[system]
    with transaction.atomic():
        known = dict(
            AccountExternalId.objects.filter(system=system, external_id__in=codes).values_list(
                "external_id", "account_id"
            )
        )
        missing = [c for c in codes if c not in known]
        if missing:
            names = {c: pattern.format(code=c) for c in missing}
            by_name = dict(Account.objects.active().filter(name__in=names.values()).values_list("name", "pk"))
            new = [
                Account(name=name, account_type=account_type, **account_search_keys(name, name))
                for c, name in names.items()
                if name not in by_name
            ]
            for account in Account.objects.bulk_create(new):
                by_name[account.name] = account.pk
            AccountEvent.objects.bulk_create(
                [AccountEvent(account_id=a.pk, kind=AccountEvent.Kind.CREATED, data={"source": system}) for a in new]
            )
            links = [AccountExternalId(account_id=by_name[names[c]], system=system, external_id=c) for c in missing]
            AccountExternalId.objects.bulk_create(links, ignore_conflicts=True)
            known.update({c: by_name[names[c]] for c in missing})
    return known


def stay_account_link(*, stay_id, account_id, by=None) -> Stay:
    """Attribute a stay to an account (the review list's one-click link): as agent for an
    agency, wholesaler or event organiser, else as company.  Only someone who may change
    the account; the stay must be in their properties (``crm_site.scope``).  Written
    through the one stay write path."""
    from guests.services import stay_update

    account = account_for_edit(by, account_id, field="account")
    pk = parsing.as_id(stay_id, field="stay")
    stay = scope.scoped(Stay.objects.select_related("property"), by).filter(pk=pk).first()
    if stay is None:
        raise NotFound(_("Stay not found."), field="stay")
    slot = "agent_account" if account.account_type in COMMISSIONABLE_TYPES else "company_account"
    stay, _outcome = stay_update(stay=stay, data={slot: account.pk}, by=None)
    return stay


# --- Targets -------------------------------------------------------------------------------------

TARGET_FIELDS = ("salesperson", "month", "revenue", "room_nights", "new_accounts", "activities")
MAX_COUNT = 1_000_000


def _count(value, *, field: str) -> int:
    return parsing.as_int(value, field=field, minimum=0, maximum=MAX_COUNT, default=0)


def sales_target_clean(data) -> dict:
    """Every invalid field of a target at once: an unknown salesperson, a month outside
    1900-2100, a negative amount or count."""
    data = as_object(data)
    bag = ErrorBag()
    checks = {
        "salesperson": lambda v, *, field: as_salesperson(v, field=field, required=True),
        "month": parsing.as_month,
        "revenue": parsing.as_money,
        "room_nights": _count,
        "new_accounts": _count,
        "activities": _count,
    }
    values = {
        name: bag.check(
            lambda v, *, field, check=check: check(single_value(v, field=field), field=field),
            data.get(name),
            field=name,
        )
        for name, check in checks.items()
    }
    bag.raise_if_any()
    return values


def sales_target_set(*, data: Mapping, by=None) -> SalesTarget:
    """Set (create or replace) one salesperson's target for a month.  The director of
    sales only."""
    if not is_director(by):
        raise Forbidden(_("Only the director of sales sets targets."), field="salesperson", code="not_director")
    values = sales_target_clean(data)
    try:
        with transaction.atomic():
            target, _created = SalesTarget.objects.select_for_update().update_or_create(
                salesperson=values.pop("salesperson"),
                month=values.pop("month"),
                defaults={**values, "set_by": actor(by)},
            )
    except IntegrityError as exc:
        raise ConflictError(_("The target conflicts with another one."), field="month") from exc
    return target


def sales_target_delete(*, target_id, by=None) -> None:
    if not is_director(by):
        raise Forbidden(_("Only the director of sales sets targets."), field="salesperson", code="not_director")
    deleted, _rows = SalesTarget.objects.filter(pk=parsing.as_id(target_id, field="id")).delete()
    if not deleted:
        raise NotFound(_("Target not found."), field="id")


# --- Decline warnings ----------------------------------------------------------------------------


def account_warning_handle(*, account_id, note="", today, by=None) -> AccountWarningReview:
    """Record that the account's current decline warning was looked at (with a note):
    someone who may change the account; an account without a warning is refused."""
    account = account_for_edit(by, account_id, field="account")
    note = parsing.as_text(single_value(note, field="note"), field="note", max_length=2000)
    rows = [r for r in account_warnings(today=today) if r["account"].pk == account.pk]
    if not rows:
        raise DomainError(_("This account has no decline warning."), field="account", code="no_warning")
    row = rows[0]
    with transaction.atomic():
        review, created = AccountWarningReview.objects.get_or_create(
            account=account,
            period=row["period"],
            defaults={"reasons": row["reasons"], "note": note, "handled_by": actor(by)},
        )
        if not created:
            raise ConflictError(_("This warning was already handled."), field="account", code="already_handled")
    return review
