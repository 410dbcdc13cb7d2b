"""Sales activities: plan, record, complete with an outcome and a next step (which
becomes the follow-up activity), cancel."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, Forbidden, NotFound

from ..models import AccountContact, AccountEvent, AccountTeamMember, Activity, ActivityKind, ActivityStatus
from ..selectors.access import account_for_edit, is_director
from .common import actor, as_object, as_property, as_salesperson, record_event, single_value

PLAN_FIELDS = ("kind", "subject", "owner", "due_on", "contact", "property")


def _contact(value, account, *, field: str = "contact") -> AccountContact | None:
    if value in (None, ""):
        return None
    pk = parsing.as_id(single_value(value, field=field), field=field)
    contact = AccountContact.objects.filter(pk=pk, account=account, is_erased=False).first()
    if contact is None:
        raise DomainError(_("Not a contact of this account."), field=field, code="unknown_contact")
    return contact


def _owner(value, account, by, *, field: str = "owner"):
    """A salesperson; one who is not the director assigns to themselves or the account team."""
    owner = as_salesperson(value if value not in (None, "") else by, field=field, required=True)
    if by is None or is_director(by) or owner.pk == by.pk:
        return owner
    on_team = owner.pk == account.owner_id or AccountTeamMember.objects.filter(account=account, user=owner).exists()
    if not on_team:
        raise Forbidden(_("Assign activities to yourself or to the account team."), field=field, code="not_on_team")
    return owner


def _plan_clean(data: Mapping, account, by, *, current: Activity | None = None) -> dict:
    bag, cleaned = ErrorBag(), {}
    checks = {
        "kind": lambda v: parsing.as_choice(v, field="kind", choices=ActivityKind, message=_("Choose a kind.")),
        "subject": lambda v: parsing.as_text(v, field="subject", max_length=200, required=True),
        "owner": lambda v: _owner(v, account, by),
        "due_on": lambda v: parsing.as_date(v, field="due_on"),
        "contact": lambda v: _contact(v, account),
        "property": lambda v: as_property(v),
    }
    for field, check in checks.items():
        if field in data:
            cleaned[field] = bag.check(lambda f=field, c=check: c(single_value(data[f], field=f)))
        elif current is None and field in ("kind", "subject", "due_on"):
            bag.add(DomainError(_("This field is required."), field=field))
        elif current is None and field == "owner":
            cleaned[field] = bag.check(_owner, None, account, by)
    bag.raise_if_any()
    return cleaned


def _touch(contact: AccountContact | None, day) -> None:
    if contact is not None and (contact.last_touch_on is None or contact.last_touch_on < day):
        AccountContact.objects.filter(pk=contact.pk).update(last_touch_on=day)


def _next_clean(data: Mapping, *, kind: str, done_on) -> dict | None:
    """The next step (text) with its due date, kind and owner, or None when not given."""
    bag = ErrorBag()
    step = bag.check(
        parsing.as_text, single_value(data.get("next_step"), field="next_step"), field="next_step", max_length=300
    )
    due = bag.check(
        parsing.as_date, single_value(data.get("next_due_on"), field="next_due_on"), field="next_due_on", required=False
    )
    next_kind = bag.check(
        parsing.as_choice,
        single_value(data.get("next_kind"), field="next_kind"),
        field="next_kind",
        choices=ActivityKind,
        default=kind,
    )
    bag.raise_if_any()
    if not step:
        if due is not None:
            raise DomainError(_("Say what the next step is."), field="next_step", code="required")
        return None
    if due is None:
        raise DomainError(_("Give the next step a due date."), field="next_due_on", code="required")
    if due < done_on:
        raise DomainError(_("The next step cannot be due before this activity."), field="next_due_on", code="before")
    return {"subject": step, "due_on": due, "kind": next_kind}


def _complete(activity: Activity, *, outcome: str, done_on, follow: dict | None, by) -> Activity:
    activity.status, activity.done_on, activity.outcome = ActivityStatus.DONE, done_on, outcome
    if follow is not None:
        activity.next_step = follow["subject"]
        activity.follow_up = Activity.objects.create(
            account_id=activity.account_id,
            owner_id=activity.owner_id,
            contact=activity.contact,
            property=activity.property,
            created_by=actor(by),
            **follow,
        )
        record_event(
            activity.account_id,
            AccountEvent.Kind.ACTIVITY_PLANNED,
            by=by,
            activity=activity.follow_up,
            kind=follow["kind"],
            due_on=follow["due_on"],
        )
    activity.save()
    _touch(activity.contact, done_on)
    record_event(
        activity.account_id,
        AccountEvent.Kind.ACTIVITY_DONE,
        by=by,
        activity=activity,
        kind=activity.kind,
        done_on=done_on,
    )
    return activity


def activity_create(*, account_id, data: Mapping, by=None) -> Activity:
    """Plan an activity — or record one already done: with an ``outcome`` it is created
    done (on ``due_on``), and a ``next_step`` with ``next_due_on`` plans the follow-up."""
    data = as_object(data)
    with transaction.atomic():
        account = account_for_edit(by, account_id)
        cleaned = _plan_clean(data, account, by)
        outcome = parsing.as_text(single_value(data.get("outcome"), field="outcome"), field="outcome")
        follow = None
        if outcome:
            if cleaned["due_on"] > timezone.localdate():
                raise DomainError(
                    _("An activity done cannot be dated in the future."), field="due_on", code="future_date"
                )
            follow = _next_clean(data, kind=cleaned["kind"], done_on=cleaned["due_on"])
        elif data.get("next_step"):
            raise DomainError(_("Record the outcome before the next step."), field="outcome", code="required")
        activity = Activity.objects.create(account=account, created_by=actor(by), **cleaned)
        if outcome:
            return _complete(activity, outcome=outcome, done_on=cleaned["due_on"], follow=follow, by=by)
        record_event(
            account,
            AccountEvent.Kind.ACTIVITY_PLANNED,
            by=by,
            activity=activity,
            kind=activity.kind,
            due_on=activity.due_on,
        )
    return activity


def _open_activity(activity_id, by, *, lock: bool = True) -> Activity:
    pk = parsing.as_id(activity_id, field="activity")
    rows = Activity.objects.select_for_update(of=("self",)) if lock else Activity.objects
    activity = rows.filter(pk=pk).select_related("contact").first()
    if activity is None:
        raise NotFound(_("Activity not found."), field="activity")
    account_for_edit(by, activity.account_id)
    if activity.status != ActivityStatus.OPEN:
        raise DomainError(_("This activity is no longer open."), field="status", code="not_open")
    return activity


def activity_complete(*, activity_id, outcome, done_on=None, by=None, **next_step) -> Activity:
    """Mark an open activity done with its outcome (required); ``next_step`` and
    ``next_due_on`` (and optionally ``next_kind``) plan the follow-up activity for the
    same owner and contact.  The contact's last touch moves to the day it was done."""
    bag = ErrorBag()
    outcome = bag.check(
        parsing.as_text,
        single_value(outcome, field="outcome"),
        field="outcome",
        required=True,
        message=_("Record the outcome."),
    )
    day = bag.check(parsing.as_of_date, single_value(done_on, field="done_on"), field="done_on")
    bag.raise_if_any()
    with transaction.atomic():
        activity = _open_activity(activity_id, by)
        follow = _next_clean(next_step, kind=activity.kind, done_on=day)
        return _complete(activity, outcome=outcome, done_on=day, follow=follow, by=by)


def activity_update(*, activity_id, data: Mapping, by=None) -> Activity:
    """Change an open activity (kind, subject, owner, due date, contact, property)."""
    data = as_object(data)
    with transaction.atomic():
        activity = _open_activity(activity_id, by)
        cleaned = _plan_clean(data, activity.account, by, current=activity)
        for field, value in cleaned.items():
            setattr(activity, field, value)
        activity.save()
    return activity


def activity_cancel(*, activity_id, reason="", by=None) -> Activity:
    reason = parsing.as_text(single_value(reason, field="reason"), field="reason", max_length=300)
    with transaction.atomic():
        activity = _open_activity(activity_id, by)
        activity.status = ActivityStatus.CANCELLED
        activity.outcome = reason
        activity.save(update_fields=["status", "outcome", "updated_at"])
        record_event(activity.account_id, AccountEvent.Kind.ACTIVITY_CANCELLED, by=by, activity=activity)
    return activity


def open_activities(account_ids, owner_id=None):
    """Open activities of the accounts (of one owner when given): what a handover moves."""
    rows = Activity.objects.filter(account_id__in=account_ids, status=ActivityStatus.OPEN)
    return rows.filter(Q(owner_id=owner_id)) if owner_id else rows
