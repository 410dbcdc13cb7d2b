"""Agreements: an account's negotiated rate codes per property, with validity, price,
commitment, commission and contract status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, NotFound
from guests.models import Property

from ..models import COMMISSIONABLE_TYPES, AccountEvent, Agreement, AgreementStatus, CommitmentPeriod
from ..selectors.access import account_for_edit
from .accounts import _code
from .common import as_object, as_percent, as_property, record_event, single_value

S = AgreementStatus
# Where a contract may go next; an expired agreement is renewed by a new one.
TRANSITIONS = {
    S.DRAFT: {S.DRAFT, S.SENT, S.SIGNED, S.EXPIRED},
    S.SENT: {S.SENT, S.DRAFT, S.SIGNED, S.EXPIRED},
    S.SIGNED: {S.SIGNED, S.EXPIRED},
    S.EXPIRED: {S.EXPIRED},
}
AGREEMENT_FIELDS = (
    "property",
    "rate_code",
    "valid_from",
    "valid_to",
    "rate_amount",
    "discount_percent",
    "currency",
    "inclusions",
    "room_nights_committed",
    "commitment_period",
    "commission_percent",
    "status",
    "renewal_on",
    "notes",
)


def _currency(value, *, field: str = "currency") -> str:
    code = parsing.as_text(value, field=field, max_length=3).upper()
    if code and (len(code) != 3 or not code.isalpha() or not code.isascii()):
        raise DomainError(_("Use a three-letter currency code."), field=field, code="invalid_currency")
    return code


def _money_or_none(value, *, field: str):
    return None if value in (None, "") else parsing.as_money(value, field=field)


_CHECKS = {
    "property": lambda v: as_property(v, required=True),
    "rate_code": lambda v: _code(
        parsing.as_text(v, field="rate_code", max_length=20, required=True), field="rate_code"
    ),
    "valid_from": lambda v: parsing.as_date(v, field="valid_from"),
    "valid_to": lambda v: parsing.as_date(v, field="valid_to"),
    "rate_amount": lambda v: _money_or_none(v, field="rate_amount"),
    "discount_percent": lambda v: as_percent(v, field="discount_percent"),
    "currency": lambda v: _currency(v),
    "inclusions": lambda v: parsing.as_text(v, field="inclusions", max_length=300),
    "room_nights_committed": lambda v: parsing.as_int(
        v, field="room_nights_committed", minimum=0, maximum=10_000_000, default=0
    ),
    "commitment_period": lambda v: parsing.as_choice(
        v, field="commitment_period", choices=CommitmentPeriod, default="year"
    ),
    "commission_percent": lambda v: as_percent(v, field="commission_percent"),
    "status": lambda v: parsing.as_choice(v, field="status", choices=AgreementStatus, default=AgreementStatus.DRAFT),
    "renewal_on": lambda v: parsing.as_date(v, field="renewal_on", required=False),
    "notes": lambda v: parsing.as_text(v, field="notes"),
}
REQUIRED = ("property", "rate_code", "valid_from", "valid_to")


def _values(data: Mapping, current: Agreement | None) -> dict:
    bag, cleaned = ErrorBag(), {}
    for field, check in _CHECKS.items():
        if field in data:
            cleaned[field] = bag.check(lambda f=field, c=check: c(single_value(data[f], field=f)))
        elif current is None and field in REQUIRED:
            bag.add(DomainError(_("This field is required."), field=field))
    start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
    if start and end and end < start and bag:
        bag.add(DomainError(_("The end cannot be before the start."), field="valid_to"))  # with the others at once
    bag.raise_if_any()
    return cleaned


def _rules(merged: dict, account, current: Agreement | None) -> None:
    """Rules between fields, each naming the field to fix (every one at once)."""
    errors: dict[str, str] = {}
    if merged["valid_to"] < merged["valid_from"]:
        errors["valid_to"] = _("The end cannot be before the start.")
    if merged.get("rate_amount") is not None and merged.get("discount_percent") is not None:
        errors["discount_percent"] = _("Give a rate or a discount, not both.")
    if merged["status"] != S.DRAFT and merged.get("rate_amount") is None and merged.get("discount_percent") is None:
        errors["rate_amount"] = _("Give the negotiated rate or discount before the agreement leaves draft.")
    if merged.get("commission_percent") and account.account_type not in COMMISSIONABLE_TYPES:
        errors["commission_percent"] = _("Only agencies, wholesalers and event organisers earn a commission.")
    if merged.get("renewal_on") and merged["renewal_on"] > merged["valid_to"]:
        errors["renewal_on"] = _("Renew before the agreement ends.")
    if current is not None and merged["status"] not in TRANSITIONS[current.status]:
        errors["status"] = _("A %(from)s agreement cannot become %(to)s.") % {
            "from": S(current.status).label,
            "to": S(merged["status"]).label,
        }
    if errors:
        raise DomainError.many(errors)


def _check_no_overlap(merged: dict, current: Agreement | None) -> None:
    """One rate code at one property belongs to one agreement at a time (it is how stays
    are attributed to the account)."""
    clash = (
        Agreement.objects.filter(
            property=merged["property"],
            rate_code=merged["rate_code"],
            valid_from__lte=merged["valid_to"],
            valid_to__gte=merged["valid_from"],
        )
        .select_related("account")
        .order_by("valid_from")
    )
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    other = clash.first()
    if other is not None:
        raise DomainError(
            _("Rate code %(code)s at %(property)s is already agreed with %(account)s from %(start)s to %(end)s.")
            % {
                "code": other.rate_code,
                "property": merged["property"].code,
                "account": other.account.name,
                "start": other.valid_from,
                "end": other.valid_to,
            },
            field="rate_code",
            code="overlapping_agreement",
        )


def _save(agreement: Agreement, merged: dict, by, *, action: str) -> Agreement:
    # One agreement write per property at a time: the overlap check stays true.
    Property.objects.select_for_update().filter(pk=merged["property"].pk).first()
    _check_no_overlap(merged, agreement if agreement.pk else None)
    previous = agreement.status if agreement.pk else None
    for field, value in merged.items():
        setattr(agreement, field, value)
    if not agreement.currency:
        agreement.currency = agreement.property.currency
    if agreement.status == S.SIGNED and agreement.signed_on is None:
        agreement.signed_on = timezone.localdate()
    agreement.save()
    record_event(
        agreement.account_id,
        AccountEvent.Kind.AGREEMENT,
        by=by,
        agreement=agreement,
        action=action,
        status=agreement.status,
        status_from=previous,
        rate_code=agreement.rate_code,
        property=agreement.property.code,
    )
    return agreement


def agreement_create(*, account_id, data: Mapping, by=None) -> Agreement:
    """A new agreement of the account at a property.  Refused, naming the field: an end
    before the start, a commitment below zero, a rate code already agreed at that
    property for overlapping dates, a commission for an account that earns none."""
    data = as_object(data)
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        merged = {"status": S.DRAFT, "commitment_period": CommitmentPeriod.YEAR, **_values(data, None)}
        _rules(merged, account, None)
        return _save(
            Agreement(account=account, created_by=by if by and by.is_authenticated else None),
            merged,
            by,
            action="created",
        )


def agreement_update(*, agreement_id, data: Mapping, by=None) -> Agreement:
    """Change an agreement (terms, status along draft → sent → signed → expired)."""
    data = as_object(data)
    pk = parsing.as_id(agreement_id, field="agreement")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().filter(pk=pk).select_related("property").first()
        if agreement is None:
            raise NotFound(_("Agreement not found."), field="agreement")
        account = account_for_edit(by, agreement.account_id)
        cleaned = _values(data, agreement)
        merged = {field: getattr(agreement, field) for field in AGREEMENT_FIELDS} | cleaned
        _rules(merged, account, agreement)
        action = "status" if set(cleaned) == {"status"} else "changed"
        return _save(agreement, merged, by, action=action)


def agreements_expire(*, as_of: dt.date | None = None) -> int:
    """Mark sent or signed agreements whose validity ended before ``as_of`` expired
    (idempotent: a rerun finds nothing left to do)."""
    as_of = as_of or timezone.localdate()
    count = 0
    with transaction.atomic():
        for agreement in Agreement.objects.select_for_update().filter(
            status__in=[S.SENT, S.SIGNED], valid_to__lt=as_of
        ):
            agreement.status = S.EXPIRED
            agreement.save(update_fields=["status", "updated_at"])
            record_event(
                agreement.account_id,
                AccountEvent.Kind.AGREEMENT,
                agreement=agreement,
                action="status",
                status=S.EXPIRED,
                rate_code=agreement.rate_code,
            )
            count += 1
    return count
