"""Relationship levels (普通、优先、伙伴、战略): every change dated, explained and aimed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag

from ..models import AccountEvent, Level, LevelChange
from ..selectors.access import account_for_edit
from .common import actor, record_event, single_value


def account_level_change(
    *,
    account_id,
    level,
    reason,
    target_level="",
    review_on=None,
    effective_on=None,
    by=None,
) -> LevelChange:
    """Set the account's relationship level (or confirm it with a new target and review
    date).  A reason is required; the effective date is not in the future nor before
    the last change, so the history reads in order; the review date is not before it."""
    bag = ErrorBag()
    level = bag.check(
        parsing.as_choice,
        single_value(level, field="level"),
        field="level",
        choices=Level,
        message=_("Choose a relationship level."),
    )
    target = bag.check(
        parsing.as_choice,
        single_value(target_level, field="target_level") or "",
        field="target_level",
        choices=["", *Level.values],
        message=_("Choose a relationship level."),
    )
    reason = bag.check(
        parsing.as_text,
        single_value(reason, field="reason"),
        field="reason",
        max_length=1000,
        required=True,
        message=_("Give the reason for the level."),
    )
    review = bag.check(parsing.as_date, single_value(review_on, field="review_on"), field="review_on", required=False)
    effective = bag.check(parsing.as_of_date, single_value(effective_on, field="effective_on"), field="effective_on")
    bag.raise_if_any()
    if review is not None and review < effective:
        raise DomainError(
            _("The review date cannot be before the change."), field="review_on", code="review_before_change"
        )
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        last = LevelChange.objects.filter(account=account).order_by("-effective_on", "-id").first()
        if last is not None and effective < last.effective_on:
            raise DomainError(
                _("The last change is dated %(day)s: a new one cannot be earlier.") % {"day": last.effective_on},
                field="effective_on",
                code="before_last_change",
            )
        change = LevelChange.objects.create(
            account=account,
            from_level=account.relationship_level,
            to_level=level,
            target_level=target,
            review_on=review,
            reason=reason,
            effective_on=effective or timezone.localdate(),
            changed_by=actor(by),
        )
        account.relationship_level, account.level_target, account.level_review_on = level, target, review
        account.save(update_fields=["relationship_level", "level_target", "level_review_on", "updated_at"])
        record_event(
            account, AccountEvent.Kind.LEVEL, by=by, level_from=change.from_level, level_to=level, target=target
        )
    return change
