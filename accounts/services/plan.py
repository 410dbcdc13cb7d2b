"""The account plan: discovery, expected-value scores, competitors, proposal, documents."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, NotFound

from ..models import (
    AccountDocument,
    AccountEvent,
    AccountPlan,
    Agreement,
    Competitor,
    CompetitorPosition,
    DriverScore,
    ValueDriver,
)
from ..selectors.access import account_for_edit
from .common import actor, as_object, as_percent, as_score, record_event, single_value

PLAN_TEXT_FIELDS = ("external_pressures", "business_goals", "internal_challenges", "unique_proposal")
PLAN_FIELDS = (*PLAN_TEXT_FIELDS, "share_of_wallet")


def plan_update(*, account_id, data: Mapping, by=None) -> AccountPlan:
    """Discovery (external pressures, business goals, internal challenges), share of
    wallet (%) and the unique proposal; fields not given are kept."""
    data, bag, cleaned = as_object(data), ErrorBag(), {}
    for field in PLAN_TEXT_FIELDS:
        if field in data:
            cleaned[field] = bag.check(parsing.as_text, single_value(data[field], field=field), field=field)
    if "share_of_wallet" in data:
        cleaned["share_of_wallet"] = bag.check(as_percent, data["share_of_wallet"], field="share_of_wallet")
    bag.raise_if_any()
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        plan, _created = AccountPlan.objects.get_or_create(account=account)
        for field, value in cleaned.items():
            setattr(plan, field, value)
        plan.updated_by = actor(by)
        plan.save()
        record_event(account, AccountEvent.Kind.PLAN, by=by, fields=sorted(cleaned))
    return plan


def _driver(value, *, field: str) -> ValueDriver:
    value = single_value(value, field=field)
    if isinstance(value, ValueDriver):
        return value
    drivers = ValueDriver.objects.filter(is_active=True)
    text = str(value or "").strip()
    driver = (
        drivers.filter(pk=parsing.as_id(text, field=field)).first()
        if text.isdigit()
        else drivers.filter(code=text).first()
    )
    if driver is None:
        raise DomainError(_("Unknown expected-value driver."), field=field, code="unknown_driver")
    return driver


def driver_scores_set(*, account_id, scores, by=None) -> list[DriverScore]:
    """Set the importance to the account and our score (1-5 each) of the drivers given;
    ``scores`` is a list of ``{driver, importance, our_score, note}``.  Every invalid
    entry is named (``scores[2].importance``); nothing is written unless all are valid."""
    if not isinstance(scores, list | tuple):
        raise DomainError(_("Send a list of scores."), field="scores", code="invalid")
    bag, rows = ErrorBag(), []
    for i, entry in enumerate(scores):
        prefix = f"scores[{i}]"
        if not isinstance(entry, Mapping):
            bag.add(DomainError(_("Send an object per driver."), field=prefix))
            continue
        driver = bag.check(_driver, entry.get("driver"), field=f"{prefix}.driver")
        importance = bag.check(as_score, entry.get("importance"), field=f"{prefix}.importance")
        ours = bag.check(as_score, entry.get("our_score"), field=f"{prefix}.our_score")
        note = bag.check(
            parsing.as_text,
            single_value(entry.get("note"), field=f"{prefix}.note"),
            field=f"{prefix}.note",
            max_length=300,
        )
        rows.append((driver, importance, ours, note))
    bag.raise_if_any()
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        saved = []
        for driver, importance, ours, note in rows:
            score, _created = DriverScore.objects.update_or_create(
                account=account, driver=driver, defaults={"importance": importance, "our_score": ours, "note": note}
            )
            saved.append(score)
        record_event(account, AccountEvent.Kind.PLAN, by=by, drivers=[d.code for d, *_rest in rows])
    return saved


def driver_score_remove(*, account_id, driver, by=None) -> None:
    driver = _driver(driver, field="driver")
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        deleted, _rows = DriverScore.objects.filter(account=account, driver=driver).delete()
        if not deleted:
            raise NotFound(_("This driver is not scored for the account."), field="driver")
        record_event(account, AccountEvent.Kind.PLAN, by=by, removed_driver=driver.code)


# --- Competitors ------------------------------------------------------------------------


def _competitor_clean(data: Mapping, *, partial: bool) -> dict:
    bag, cleaned = ErrorBag(), {}
    if "name" in data or not partial:
        cleaned["name"] = bag.check(
            parsing.as_text, single_value(data.get("name"), field="name"), field="name", max_length=200, required=True
        )
    if "position" in data or not partial:
        cleaned["position"] = bag.check(
            parsing.as_choice,
            single_value(data.get("position"), field="position"),
            field="position",
            choices=CompetitorPosition,
            default=CompetitorPosition.UNKNOWN,
        )
    for field in ("strengths", "notes"):
        if field in data:
            cleaned[field] = bag.check(
                parsing.as_text, single_value(data[field], field=field), field=field, max_length=500
            )
    bag.raise_if_any()
    return cleaned


def competitor_save(*, account_id, data: Mapping, competitor_id=None, by=None) -> Competitor:
    """Add a named competitor (or change one) with our position against it."""
    data = as_object(data)
    cleaned = _competitor_clean(data, partial=competitor_id is not None)
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        if competitor_id is None:
            competitor = Competitor(account=account)
        else:
            competitor = Competitor.objects.filter(
                account=account, pk=parsing.as_id(competitor_id, field="competitor")
            ).first()
            if competitor is None:
                raise NotFound(_("Competitor not found."), field="competitor")
        name = cleaned.get("name", competitor.name)
        if Competitor.objects.filter(account=account, name__iexact=name).exclude(pk=competitor.pk).exists():
            raise DomainError(_("This competitor is already on the plan."), field="name", code="duplicate")
        for field, value in cleaned.items():
            setattr(competitor, field, value)
        competitor.save()
        record_event(account, AccountEvent.Kind.PLAN, by=by, competitor=competitor.name, position=competitor.position)
    return competitor


def competitor_remove(*, account_id, competitor_id, by=None) -> None:
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        deleted, _rows = Competitor.objects.filter(
            account=account, pk=parsing.as_id(competitor_id, field="competitor")
        ).delete()
        if not deleted:
            raise NotFound(_("Competitor not found."), field="competitor")
        record_event(account, AccountEvent.Kind.PLAN, by=by, removed="competitor")


# --- Documents (links) ------------------------------------------------------------------


def _link(value, *, field: str = "url") -> str:
    url = parsing.as_text(single_value(value, field=field), field=field, max_length=500, required=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DomainError(_("Give an http(s) link."), field=field, code="invalid_url")
    return url


def document_add(*, account_id, data: Mapping, by=None) -> AccountDocument:
    """A document of the plan or of one of the account's agreements, as a titled link."""
    data, bag = as_object(data), ErrorBag()
    title = bag.check(
        parsing.as_text, single_value(data.get("title"), field="title"), field="title", max_length=200, required=True
    )
    url = bag.check(_link, data.get("url"))
    kind = bag.check(
        parsing.as_choice,
        single_value(data.get("kind"), field="kind"),
        field="kind",
        choices=AccountDocument.Kind,
        default=AccountDocument.Kind.OTHER,
    )
    agreement_id = data.get("agreement")
    if agreement_id not in (None, ""):
        agreement_id = bag.check(parsing.as_id, single_value(agreement_id, field="agreement"), field="agreement")
    bag.raise_if_any()
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        agreement = None
        if agreement_id not in (None, ""):
            agreement = Agreement.objects.filter(account=account, pk=agreement_id).first()
            if agreement is None:
                raise DomainError(_("Unknown agreement of this account."), field="agreement", code="unknown_agreement")
        document = AccountDocument.objects.create(
            account=account, agreement=agreement, kind=kind, title=title, url=url, added_by=actor(by)
        )
        record_event(
            account,
            AccountEvent.Kind.AGREEMENT if agreement else AccountEvent.Kind.PLAN,
            by=by,
            agreement=agreement,
            document=kind,
        )
    return document


def document_remove(*, account_id, document_id, by=None) -> None:
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        deleted, _rows = AccountDocument.objects.filter(
            account=account, pk=parsing.as_id(document_id, field="document")
        ).delete()
        if not deleted:
            raise NotFound(_("Document not found."), field="document")
        record_event(account, AccountEvent.Kind.PLAN, by=by, removed="document")
