"""The daily care list: who to congratulate, thank or win back, and marking items done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.errors import ConflictError
from crm_site.parsing import as_of_date, as_text
from guests.models import Guest, Stay

from .. import integrations
from ..models import CareTask, ChurnReason, ChurnWarning, ContactLog
from ..rules import LOOKAHEAD_DAYS, POST_STAY_CATCH_UP_DAYS
from .common import ID_CHUNK, check_channel, check_task_scope, contact_entry, locked_task
from .emails import care_emails_queue

OCCASIONS = (CareTask.Kind.BIRTHDAY, CareTask.Kind.ANNIVERSARY)


@dataclass
class CarePlan:
    """The items one build would add, before those already on the list are left out."""

    day: dt.date
    window: list[dt.date]
    tasks: list[CareTask] = field(default_factory=list)

    @property
    def window_end(self) -> dt.date:
        return self.window[-1]

    def add(self, gid, kind, due, *, property_id=None, stay_id=None, warning_id=None, details=None) -> None:
        self.tasks.append(
            CareTask(
                guest_id=gid,
                kind=kind,
                due_date=due,
                property_id=property_id,
                stay_id=stay_id,
                warning_id=warning_id,
                details=details or {},
                built_on=self.day,
            )
        )


def _occurrence(month: int, day: int, window: list[dt.date]) -> dt.date | None:
    """The date in ``window`` on which a yearly date (birthday, anniversary) falls;
    29 February is celebrated on 28 February in other years."""
    for date in window:
        if (date.month, date.day) == (month, day):
            return date
        if (month, day) == (2, 29) and (date.month, date.day) == (2, 28):
            try:
                date.replace(day=29)
            except ValueError:
                return date
    return None


def _month_day_q(name: str, window: list[dt.date]) -> Q:
    query = Q()
    for date in window:
        query |= Q(**{f"{name}__month": date.month, f"{name}__day": date.day})
        if (date.month, date.day) == (2, 28):
            query |= Q(**{f"{name}__month": 2, f"{name}__day": 29})
    return query


def _identified_stays():
    return Stay.objects.filter(guest__in=Guest.objects.identified())


# --- who is on the list ------------------------------------------------------------------------


def _arrivals(plan: CarePlan) -> dict[int, tuple[int, int, dt.date]]:
    """{guest: (stay, property, arrival)} of each guest's first arrival in the window."""
    arrivals: dict[int, tuple[int, int, dt.date]] = {}
    rows = (
        _identified_stays()
        .filter(
            status__in=[Stay.Status.RESERVED, Stay.Status.IN_HOUSE], arrival_date__range=(plan.day, plan.window_end)
        )
        .order_by("arrival_date", "id")
        .values_list("guest_id", "id", "property_id", "arrival_date")
    )
    for gid, stay_id, property_id, arrival in rows:
        arrivals.setdefault(gid, (stay_id, property_id, arrival))
    return arrivals


def _birthdays(window: list[dt.date]) -> list[tuple[int, dt.date, bool]]:
    return list(
        Guest.objects.identified()
        .filter(_month_day_q("birth_date", window), birth_date__isnull=False)
        .values_list("id", "birth_date", "profiling_opt_out")
        .iterator(chunk_size=ID_CHUNK)
    )


def _anniversaries(window: list[dt.date]) -> list[tuple[int, dt.date, bool]]:
    """Guests whose first checked-out stay began on a day of the window, some year."""
    return list(
        _identified_stays()
        .filter(status=Stay.Status.CHECKED_OUT)
        .order_by()
        .values("guest_id", "guest__profiling_opt_out")
        .annotate(first=Min("arrival_date"))
        .filter(_month_day_q("first", window))
        .values_list("guest_id", "first", "guest__profiling_opt_out")
        .iterator(chunk_size=ID_CHUNK)
    )


def _post_stays(day: dt.date) -> list[tuple[int, int, int, dt.date]]:
    """Stays checked out in the catch-up days before ``day`` (profiling allowed)."""
    return list(
        _identified_stays()
        .filter(
            status=Stay.Status.CHECKED_OUT,
            guest__profiling_opt_out=False,
            departure_date__range=(day - dt.timedelta(days=POST_STAY_CATCH_UP_DAYS), day - dt.timedelta(days=1)),
        )
        .order_by("departure_date", "id")
        .values_list("guest_id", "id", "property_id", "departure_date")
    )


def _occasions(birthdays, anniversaries, window: list[dt.date]) -> list[tuple[int, str, dt.date, dict]]:
    """(guest, kind, date, details) of each birthday and anniversary in the window (an
    anniversary at least one year after the first stay)."""
    found = []
    for gid, birth_date, _opt_out in birthdays:
        date = _occurrence(birth_date.month, birth_date.day, window)
        if date is not None:
            found.append((gid, CareTask.Kind.BIRTHDAY, date, {"turning": date.year - birth_date.year}))
    for gid, first, _opt_out in anniversaries:
        date = _occurrence(first.month, first.day, window)
        if date is not None and date.year > first.year:
            extra = {"years": date.year - first.year, "first_stay": first.isoformat()}
            found.append((gid, CareTask.Kind.ANNIVERSARY, date, extra))
    return found


def _home_properties(guest_ids: list[int]) -> dict[int, int | None]:
    """{guest: property of the last checked-out stay} (one query)."""
    if not guest_ids:
        return {}
    last_stay = (
        Stay.objects.filter(guest_id=OuterRef("pk"), status=Stay.Status.CHECKED_OUT)
        .order_by("-departure_date", "-id")
        .values("property_id")[:1]
    )
    return dict(
        Guest.objects.filter(pk__in=guest_ids)
        .annotate(last_property=Subquery(last_stay))
        .values_list("id", "last_property")
    )


def _plan_occasions(plan: CarePlan, occasions, arrivals: dict, segments: dict[int, str], valuable: set[int]) -> None:
    """Birthdays and anniversaries of arriving guests (at the arrival's property) and of
    valuable guests (at the property of their last stay)."""
    home = _home_properties([gid for gid, *_rest in occasions if gid not in arrivals and gid in valuable])
    for gid, kind, date, extra in occasions:
        details = {"date": date.isoformat(), **extra}
        if gid in arrivals:
            stay_id, property_id, arrival = arrivals[gid]
            details.update({"why": "arriving", "arrival_date": arrival.isoformat()})
            if gid in segments:
                details["segment"] = segments[gid]
            plan.add(gid, kind, date, property_id=property_id, stay_id=stay_id, details=details)
        elif gid in valuable:
            details.update({"why": "valuable", "segment": segments[gid]})
            plan.add(gid, kind, date, property_id=home.get(gid), details=details)


def _plan_post_stays(plan: CarePlan, post_stays, segments: dict[int, str], valuable: set[int]) -> None:
    for gid, stay_id, property_id, departure in post_stays:
        if gid in valuable:
            plan.add(
                gid,
                CareTask.Kind.POST_STAY,
                departure + dt.timedelta(days=1),
                property_id=property_id,
                stay_id=stay_id,
                details={"departure_date": departure.isoformat(), "segment": segments[gid]},
            )


def _plan_win_backs(plan: CarePlan) -> None:
    """One win-back item per open lapsed warning of a valuable guest, ever."""
    warnings = (
        ChurnWarning.objects.filter(
            status=ChurnWarning.Status.OPEN,
            segment__in=integrations.VALUABLE_SEGMENTS,
            reasons__has_key=ChurnReason.LAPSED,
            guest__in=Guest.objects.identified(),
        )
        .exclude(care_tasks__kind=CareTask.Kind.WIN_BACK)
        .values_list("id", "guest_id", "last_property_id", "segment", "score", "reasons")
        .iterator(chunk_size=ID_CHUNK)
    )
    for wid, gid, property_id, segment, score, reasons in warnings:
        lapsed = (reasons or {}).get(ChurnReason.LAPSED, {})
        plan.add(
            gid,
            CareTask.Kind.WIN_BACK,
            plan.day,
            property_id=property_id,
            warning_id=wid,
            details={
                "segment": segment,
                "score": score,
                "days_since_last_departure": lapsed.get("days_since_last_departure"),
            },
        )


def _plan(day: dt.date) -> CarePlan:
    plan = CarePlan(day=day, window=[day + dt.timedelta(days=i) for i in range(LOOKAHEAD_DAYS)])
    arrivals = _arrivals(plan)
    birthdays = _birthdays(plan.window)
    anniversaries = _anniversaries(plan.window)
    post_stays = _post_stays(day)
    # Segments only for guests who did not opt out of profiling.
    segment_ids = {gid for gid, _date, opt_out in [*birthdays, *anniversaries] if not opt_out}
    segment_ids |= {gid for gid, *_rest in post_stays}
    segments = integrations.segments_for(segment_ids) if segment_ids else {}
    valuable = {gid for gid, seg in segments.items() if seg in integrations.VALUABLE_SEGMENTS}
    _plan_occasions(plan, _occasions(birthdays, anniversaries, plan.window), arrivals, segments, valuable)
    _plan_post_stays(plan, post_stays, segments, valuable)
    _plan_win_backs(plan)
    return plan


def _only_new(plan: CarePlan) -> list[CareTask]:
    """The planned items not on the list yet (everything planned is due between the
    post-stay catch-up and the end of the week)."""
    if not plan.tasks:
        return []
    since = plan.day - dt.timedelta(days=POST_STAY_CATCH_UP_DAYS)
    seen = set(
        CareTask.objects.filter(due_date__range=(since, plan.window_end)).values_list("guest_id", "kind", "due_date")
    )
    new = []
    for task in plan.tasks:
        key = (task.guest_id, task.kind, task.due_date)
        if key not in seen:
            seen.add(key)
            new.append(task)
    return new


def _auto_email(day: dt.date, new: list[CareTask]) -> int:
    """Queue the e-mails of the new birthday and anniversary items of guests who agreed
    to marketing e-mails (sent by the outbox once the build commits)."""
    keys = {(t.guest_id, t.kind, t.due_date) for t in new if t.kind in OCCASIONS}
    if not keys:
        return 0
    candidates = (
        CareTask.objects.filter(
            built_on=day,
            email__isnull=True,
            status=CareTask.Status.OPEN,
            guest__marketing_email_consent=True,
            kind__in=OCCASIONS,
        )
        .exclude(guest__email="")
        .select_related("guest", "property")
    )
    tasks = [t for t in candidates if (t.guest_id, t.kind, t.due_date) in keys]
    care_emails_queue(tasks, by=None)
    return len(tasks)


def care_list_build(*, day: dt.date | str | None = None, send_emails: bool | None = None) -> dict:
    """Build the care list for ``day`` (default today); idempotent per day.

    * **birthday** / **anniversary** (of the first checked-out stay, at least one year
      on) falling in ``day`` … ``day + 6``, for guests arriving in that week (a reserved
      or in-house stay) or guests in the VIP or Major segment; due on the date itself;
    * **post_stay**: VIP / Major guests who checked out the day before (the last
      few days are caught up if a run was missed); due the day after departure;
    * **win_back**: open *lapsed* churn warnings of VIP / Major guests, once per warning.

    Only identified guests (not merged away, not erased) are listed.  Guests who opted
    out of profiling are picked only for their arrival, never for their segment.
    Whether a guest may be contacted is decided when the item is worked (no consent
    shows as "do not contact").  ``send_emails`` (default ``settings.CARE_AUTO_EMAILS``)
    queues e-mails for new birthday and anniversary items of guests who agreed to
    marketing e-mails, in the same transaction as the items.
    """
    day = as_of_date(day, field="day")
    if send_emails is None:
        send_emails = bool(getattr(settings, "CARE_AUTO_EMAILS", False))
    new = _only_new(_plan(day))
    counts = {kind: 0 for kind in CareTask.Kind.values}
    for task in new:
        counts[task.kind] += 1
    with transaction.atomic():
        CareTask.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        emailed = _auto_email(day, new) if send_emails else 0
    return {"day": day.isoformat(), "created": len(new), "kinds": counts, "emailed": emailed}


def care_task_complete(*, task_id: int, by, channel: str = "", note: str = "") -> CareTask:
    """Mark a care item done; the contact is logged on the guest.  A guest without
    marketing consent can only be cared for in person or internally (do not contact)."""
    note = as_text(note, field="note", max_length=1000)
    with transaction.atomic():
        task = locked_task(task_id)
        check_task_scope(by, task)
        if task.status != CareTask.Status.OPEN:
            raise ConflictError(
                _("This care item is already %(status)s.") % {"status": task.get_status_display().lower()},
                field="status",
            )
        channel = check_channel(task.guest, channel)
        now = timezone.now()
        task.status = CareTask.Status.DONE
        task.channel = channel
        task.note = note
        task.done_at = now
        task.done_by = by
        task.save(update_fields=["status", "channel", "note", "done_at", "done_by"])
        contact_entry(
            guest_id=task.guest_id,
            kind=ContactLog.Kind.CARE_DONE,
            channel=channel,
            care_task=task,
            details={"care_kind": task.kind, "due_date": task.due_date.isoformat()},
            note=note,
            by=by,
            at=now,
        ).save()
    return task
