"""The sales roadmap: ticking an account's milestones (in order where the stage says so),
and the vocabularies directors edit — stages, milestones, expected-value drivers."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import DomainError, ErrorBag, NotFound

from ..models import AccountEvent, AccountMilestone, RoadmapMilestone, RoadmapStage, ValueDriver
from ..selectors.access import account_for_edit
from .common import actor, as_object, record_event, single_value

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _milestone(value, *, field: str = "milestone") -> RoadmapMilestone:
    value = single_value(value, field=field)
    if isinstance(value, RoadmapMilestone):
        return value
    text = str(value or "").strip()
    if not text:
        raise DomainError(_("Choose a milestone."), field=field, code="required")
    live = RoadmapMilestone.objects.select_related("stage").filter(is_active=True, stage__is_active=True)
    found = (
        live.filter(pk=parsing.as_id(text, field=field)).first() if text.isdigit() else live.filter(code=text).first()
    )
    if found is None:
        raise DomainError(_("Unknown milestone."), field=field, code="unknown_milestone")
    return found


def _stage_siblings(milestone: RoadmapMilestone) -> list[RoadmapMilestone]:
    return list(RoadmapMilestone.objects.filter(stage=milestone.stage, is_active=True).order_by("sort_order", "id"))


def milestone_tick(*, account_id, milestone, done_on=None, note="", by=None) -> AccountMilestone:
    """Record that the account reached a milestone.  In a stage that requires order, every
    earlier milestone of the stage must be ticked first (the refusal names it)."""
    bag = ErrorBag()
    found = bag.check(_milestone, milestone)
    day = bag.check(parsing.as_of_date, single_value(done_on, field="done_on"), field="done_on")
    note = bag.check(parsing.as_text, single_value(note, field="note"), field="note", max_length=300)
    bag.raise_if_any()
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        ticked = set(AccountMilestone.objects.filter(account=account).values_list("milestone_id", flat=True))
        if found.pk in ticked:
            raise DomainError(_("This milestone is already ticked."), field="milestone", code="already_ticked")
        if found.stage.requires_order:
            for earlier in _stage_siblings(found):
                if earlier.pk == found.pk:
                    break
                if earlier.pk not in ticked:
                    raise DomainError(
                        _("Tick “%(first)s” first: the milestones of “%(stage)s” are reached in order.")
                        % {"first": earlier.label, "stage": found.stage.label},
                        field="milestone",
                        code="out_of_order",
                    )
        reached = AccountMilestone.objects.create(
            account=account, milestone=found, done_on=day, note=note, done_by=actor(by)
        )
        record_event(account, AccountEvent.Kind.MILESTONE, by=by, milestone=found.code, stage=found.stage.code)
    return reached


def milestone_untick(*, account_id, milestone, by=None) -> None:
    """Take a tick back; in an ordered stage only the last one ticked."""
    found = _milestone(milestone)
    with transaction.atomic():
        account = account_for_edit(by, account_id, lock=True)
        ticked = set(AccountMilestone.objects.filter(account=account).values_list("milestone_id", flat=True))
        if found.pk not in ticked:
            raise DomainError(_("This milestone is not ticked."), field="milestone", code="not_ticked")
        if found.stage.requires_order:
            later = [
                m
                for m in _stage_siblings(found)
                if m.pk in ticked and (m.sort_order, m.pk) > (found.sort_order, found.pk)
            ]
            if later:
                raise DomainError(
                    _("Untick “%(last)s” first: the milestones of “%(stage)s” are reached in order.")
                    % {"last": later[-1].label, "stage": found.stage.label},
                    field="milestone",
                    code="out_of_order",
                )
        AccountMilestone.objects.filter(account=account, milestone=found).delete()
        record_event(account, AccountEvent.Kind.MILESTONE_UNDONE, by=by, milestone=found.code, stage=found.stage.code)


# --- Vocabularies directors edit ---------------------------------------------------------


def _slug(value, *, field: str = "code") -> str:
    text = parsing.as_text(value, field=field, max_length=40, required=True).lower()
    if not _SLUG.match(text):
        raise DomainError(_("Use lower-case letters, digits and '-'."), field=field, code="invalid_code")
    return text


def _vocabulary_clean(data: Mapping, *, creating: bool, extra: dict | None = None) -> dict:
    checks = {
        "name": lambda v: parsing.as_text(v, field="name", max_length=120, required=True),
        "name_zh": lambda v: parsing.as_text(v, field="name_zh", max_length=120),
        "sort_order": lambda v: parsing.as_int(v, field="sort_order", minimum=0, maximum=10_000, default=100),
        "is_active": lambda v: parsing.as_bool(v, field="is_active", default=True),
        **(extra or {}),
    }
    if creating:
        checks["code"] = lambda v: _slug(v)
    bag, cleaned = ErrorBag(), {}
    for field, check in checks.items():
        if field in data:
            cleaned[field] = bag.check(lambda f=field, c=check: c(single_value(data[f], field=f)))
        elif creating and field in ("code", "name"):
            bag.add(DomainError(_("This field is required."), field=field))
    bag.raise_if_any()
    return cleaned


def _vocabulary_save(model, *, pk, data: Mapping, extra: dict | None = None):
    data = as_object(data)
    cleaned = _vocabulary_clean(data, creating=pk is None, extra=extra)
    if pk is None:
        entry = model()
    else:
        entry = model.objects.filter(pk=parsing.as_id(pk, field="id")).first()
        if entry is None:
            raise NotFound(_("Not found."), field="id")
    for field, value in cleaned.items():
        setattr(entry, field, value)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise DomainError(_("This code is already used."), field="code", code="duplicate_code") from None
    return entry


def stage_save(*, data: Mapping, stage_id=None, by=None) -> RoadmapStage:
    """Add or change a roadmap stage (its names, order, whether milestones go in order)."""
    extra = {"requires_order": lambda v: parsing.as_bool(v, field="requires_order")}
    return _vocabulary_save(RoadmapStage, pk=stage_id, data=data, extra=extra)


def _stage(value) -> RoadmapStage:
    text = str(value or "").strip()
    stage = (
        RoadmapStage.objects.filter(pk=parsing.as_id(text, field="stage")).first()
        if text.isdigit()
        else RoadmapStage.objects.filter(code=text).first()
    )
    if stage is None:
        raise DomainError(_("Unknown stage."), field="stage", code="unknown_stage")
    return stage


def milestone_save(*, data: Mapping, milestone_id=None, by=None) -> RoadmapMilestone:
    """Add or change a milestone of a stage."""
    data = as_object(data)
    if milestone_id is None and "stage" not in data:
        raise DomainError(_("Choose a stage."), field="stage", code="required")
    return _vocabulary_save(RoadmapMilestone, pk=milestone_id, data=data, extra={"stage": _stage})


def driver_save(*, data: Mapping, driver_id=None, by=None) -> ValueDriver:
    """Add or change an expected-value driver."""
    extra = {"description": lambda v: parsing.as_text(v, field="description", max_length=300)}
    return _vocabulary_save(ValueDriver, pk=driver_id, data=data, extra=extra)
