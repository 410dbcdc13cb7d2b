"""Writes and business rules for churn warnings, the daily care list and surveys.

Every function validates first, writes inside one transaction and raises ``DomainError``
naming the offending field; nothing is half-written.  Each staff action on a guest
leaves a :class:`~care.models.ContactLog` entry, shown on the guest 360 page.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_site import roles
from crm_site.errors import ConflictError, DomainError, Forbidden, NotFound
from guests.models import Guest, StaffProfile, Stay

from . import churn, integrations
from .models import (
    MARKETING_CHANNELS,
    CareEmailTemplate,
    CareTask,
    ChurnReason,
    ChurnScan,
    ChurnWarning,
    ContactChannel,
    ContactLog,
    StaySurvey,
)

ID_CHUNK = 10_000
SCAN_LOCK_KEY = 0x43415245  # "CARE": the advisory lock that keeps two churn scans' writes apart


def _chunks(items: list, size: int = ID_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _today() -> dt.date:
    return timezone.localdate()


def parse_as_of(value, *, field: str = "as_of") -> dt.date:
    """A scan / build date: ISO text or a date, never in the future."""
    if value in (None, ""):
        return _today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise DomainError(_("Enter a valid date (YYYY-MM-DD)."), field=field) from None
    if value > _today():
        raise DomainError(_("The date cannot be in the future."), field=field)
    return value


# --- Who may be contacted how ---------------------------------------------------------


def may_contact(guest: Guest, channel: str) -> bool:
    """Marketing consent decides: e-mail needs e-mail consent, SMS needs SMS consent, a
    call or a card needs either; meeting the guest at the hotel or an internal action
    needs none."""
    if channel == ContactChannel.EMAIL:
        return guest.marketing_email_consent
    if channel == ContactChannel.SMS:
        return guest.marketing_sms_consent
    if channel in MARKETING_CHANNELS:
        return guest.marketing_email_consent or guest.marketing_sms_consent
    return True


def do_not_contact(guest: Guest) -> bool:
    return not (guest.marketing_email_consent or guest.marketing_sms_consent)


def _check_channel(guest: Guest, channel: str) -> str:
    channel = channel or ""
    if channel and channel not in ContactChannel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if channel and not may_contact(guest, channel):
        raise DomainError(_("This guest has not agreed to be contacted this way (do not contact)."), field="channel")
    return channel


def is_sales_user(user) -> bool:
    """Someone a churn warning can be assigned to: a sales manager or a salesperson."""
    if user is None or not user.is_active:
        return False
    if user.groups.filter(name=roles.SALES_MANAGER).exists():
        return True
    return StaffProfile.objects.filter(user=user, is_salesperson=True).exists()


# --- Churn scan -----------------------------------------------------------------------

# What a warning's fingerprint covers: everything the scan finds except the numbers that
# move every day on their own (days since the last departure, the window dates), so a
# rerun rewrites a warning only when something real changed — a stay, a count, the
# segment, the score.
_DIGEST_COLUMNS = [
    "score",
    "segment",
    "last_property",
    "last_departure",
    "last_arrival",
    "lapsed",
    "declining",
    "at_risk",
    "stays",
    "visits",
    "median_gap",
    "recent",
    "previous",
    "unresolved",
    "low_rated",
    "low_surveys",
    "lowest_survey",
]


def _digests(frame: pd.DataFrame) -> pd.Series:
    hashed = pd.util.hash_pandas_object(frame[_DIGEST_COLUMNS], index=False)  # fixed key: stable between runs
    return hashed.map("{:016x}".format)


def _reasons_for(row, *, facts: churn.GuestFacts, as_of: dt.date, since: dt.date) -> dict:
    """The reasons of one flagged guest and the numbers behind them (JSON)."""
    result = {}
    if row.lapsed:
        median_gap = float(row.median_gap)
        result[ChurnReason.LAPSED.value] = {
            "stays": int(row.stays),
            "visits": int(row.visits),
            "last_departure": dt.date.fromordinal(int(row.last_departure)).isoformat(),
            "days_since_last_departure": int(row.days_since),
            "median_gap_days": round(median_gap, 1),
            "threshold_days": round(max(churn.LAPSE_MIN_DAYS, 2 * median_gap), 1),
        }
    if row.declining:
        result[ChurnReason.DECLINING.value] = {
            "stays_last_12_months": int(row.recent),
            "stays_previous_12_months": int(row.previous),
            "last_12_months_from": (facts.recent_start + dt.timedelta(days=1)).isoformat(),
            "previous_12_months_from": (facts.previous_start + dt.timedelta(days=1)).isoformat(),
            "as_of": as_of.isoformat(),
        }
    if row.at_risk:
        result[ChurnReason.AT_RISK.value] = {
            "segment": row.segment,
            "unresolved_complaints": int(row.unresolved),
            "low_rated_complaints": int(row.low_rated),
            "low_surveys": int(row.low_surveys),
            "lowest_survey": int(row.lowest_survey) if row.lowest_survey > 0 else None,
            "since": since.isoformat(),
        }
    return result


def _low_surveys(as_of: dt.date, since: dt.date) -> dict[int, tuple[int, int]]:
    """{guest_id: (surveys scored 3 or less, lowest score)} received in (since, as_of]."""
    rows = (
        StaySurvey.objects.filter(overall__lte=3, received_on__gt=since, received_on__lte=as_of)
        .order_by()
        .values("guest_id")
        .annotate(n=Count("id"), worst=Min("overall"))
        .values_list("guest_id", "n", "worst")
    )
    return {gid: (n, worst) for gid, n, worst in rows.iterator()}


def _excluded_guests() -> list[int]:
    """Opted out of profiling, merged away or anonymised: never warned about."""
    return list(
        Guest.objects.filter(Q(profiling_opt_out=True) | Q(merged_into__isnull=False) | Q(is_anonymised=True))
        .values_list("id", flat=True)
        .iterator(chunk_size=ID_CHUNK)
    )


def _flag(per_guest: pd.DataFrame, facts: churn.GuestFacts, as_of: dt.date, since: dt.date, run) -> pd.DataFrame:
    """One row per flagged guest: the rule results, at-risk signals, segment, score and
    fingerprint.  Segments are looked up only for guests a reason could apply to: the
    lapsed and declining (the score needs their value) and those with a complaint or a
    low survey (at risk when VIP, Major or Ordinary)."""
    complaints: dict[int, dict] = {}
    surveys: dict[int, tuple[int, int]] = {}
    if run is not None:
        complaints = {
            gid: signal
            for gid, signal in integrations.complaint_signals(None, since).items()
            if signal.get("unresolved") or signal.get("low_rated")
        }
        surveys = _low_surveys(as_of, since)
    signalled = per_guest.index.isin(list(complaints.keys() | surveys.keys()))
    candidates = per_guest[(per_guest["lapsed"] | per_guest["declining"]).to_numpy() | signalled].copy()
    segments = integrations.segments_for(candidates.index.tolist()) if run is not None and len(candidates) else {}

    candidates["segment"] = candidates.index.map(segments).fillna("").astype(str) if len(candidates) else []
    ids = candidates.index
    candidates["unresolved"] = [int((complaints.get(g) or {}).get("unresolved") or 0) for g in ids]
    candidates["low_rated"] = [int((complaints.get(g) or {}).get("low_rated") or 0) for g in ids]
    candidates["low_surveys"] = [surveys.get(g, (0, 0))[0] for g in ids]
    candidates["lowest_survey"] = [surveys.get(g, (0, 0))[1] for g in ids]
    candidates["at_risk"] = candidates["segment"].isin(integrations.AT_RISK_SEGMENTS) & (
        (candidates["unresolved"] + candidates["low_rated"] + candidates["low_surveys"]) > 0
    )
    flagged = candidates[(candidates["lapsed"] | candidates["declining"] | candidates["at_risk"]).to_numpy()].copy()
    flagged["last_arrival"] = facts.activity.reindex(flagged.index).to_numpy()
    flagged = flagged.join(churn.churn_scores(flagged))
    flagged["digest"] = _digests(flagged) if len(flagged) else []
    return flagged


def _warning_fields(row, *, facts, as_of, since) -> dict:
    return {
        "reasons": _reasons_for(row, facts=facts, as_of=as_of, since=since),
        "score": int(row.score),
        "score_detail": {
            "segment": int(row.segment_points),
            "reason": int(row.reason_points),
            "recency": int(row.recency_points),
        },
        "segment": row.segment,
        "last_property_id": int(row.last_property),
        "last_departure": dt.date.fromordinal(int(row.last_departure)),
        "last_arrival": dt.date.fromordinal(int(row.last_arrival)),
        "digest": row.digest,
    }


def _update_warnings(rows: list[dict], *, as_of: dt.date, now) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # One statement per chunk: the new values travel as arrays, joined by id.
        table = ChurnWarning._meta.db_table
        sql = f"""
            UPDATE {table} AS w SET
                reasons = v.reasons::jsonb, score = v.score, score_detail = v.score_detail::jsonb,
                segment = v.segment, last_property_id = v.last_property, last_departure = v.last_departure,
                last_arrival = v.last_arrival, digest = v.digest, as_of = %s, updated_at = %s
            FROM (
                SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS reasons, unnest(%s::int[]) AS score,
                       unnest(%s::text[]) AS score_detail, unnest(%s::text[]) AS segment,
                       unnest(%s::bigint[]) AS last_property, unnest(%s::date[]) AS last_departure,
                       unnest(%s::date[]) AS last_arrival, unnest(%s::text[]) AS digest
            ) AS v
            WHERE w.id = v.id AND w.status = 'open'
        """
        with connection.cursor() as cursor:
            for chunk in _chunks(rows):
                cursor.execute(
                    sql,
                    [
                        as_of,
                        now,
                        [r["id"] for r in chunk],
                        [json.dumps(r["reasons"]) for r in chunk],
                        [r["score"] for r in chunk],
                        [json.dumps(r["score_detail"]) for r in chunk],
                        [r["segment"] for r in chunk],
                        [r["last_property_id"] for r in chunk],
                        [r["last_departure"] for r in chunk],
                        [r["last_arrival"] for r in chunk],
                        [r["digest"] for r in chunk],
                    ],
                )
        return
    fields = [
        "reasons",
        "score",
        "score_detail",
        "segment",
        "last_property_id",
        "last_departure",
        "last_arrival",
        "digest",
    ]
    objs = []
    for r in rows:
        obj = ChurnWarning(id=r["id"], as_of=as_of, updated_at=now)
        for f in fields:
            setattr(obj, f, r[f])
        objs.append(obj)
    ChurnWarning.objects.bulk_update(objs, [*fields, "as_of", "updated_at"], batch_size=500)


def _close_warnings(ids: list[int], *, outcome: str, now) -> int:
    closed = 0
    for chunk in _chunks(ids):
        closed += ChurnWarning.objects.filter(pk__in=chunk, status=ChurnWarning.Status.OPEN).update(
            status=ChurnWarning.Status.CLOSED, outcome=outcome, closed_at=now, updated_at=now
        )
        CareTask.objects.filter(warning_id__in=chunk, kind=CareTask.Kind.WIN_BACK, status=CareTask.Status.OPEN).update(
            status=CareTask.Status.CANCELLED
        )
    return closed


def churn_scan(*, as_of: dt.date | str | None = None) -> dict:
    """Run the churn rules over every guest and bring the open warnings in line.

    * a guest flagged lapsed, declining or at risk gets one open warning (reasons, numbers,
      score); a rerun refreshes it when something changed, never duplicates it;
    * an open warning whose guest stayed again (a later arrival than the one it recorded)
      closes as "returned"; one whose guest is no longer flagged closes as "cleared";
    * a guest whose last warning staff closed as won back or lost is not flagged again
      until they stay again;
    * guests who opted out of profiling, merged or anonymised profiles are never flagged.

    Reads the stays once (:func:`care.churn.load_stays`), computes in bulk, writes in
    bulk: the number of queries does not depend on the number of guests.  See
    :mod:`care.churn` for the exact rules and the score.  Returns the counts.
    """
    as_of = parse_as_of(as_of)
    started_at = timezone.now()
    clock = time.perf_counter()
    since = churn.years_before(as_of, 1)

    stays = churn.load_stays(as_of)
    stays_read = len(stays)
    facts = churn.evaluate(stays, as_of)
    del stays
    per_guest = facts.per_guest
    excluded = _excluded_guests()
    if excluded and not per_guest.empty:
        per_guest = per_guest[~per_guest.index.isin(excluded)]
    run = integrations.segmentation_run()
    flagged = _flag(per_guest, facts, as_of, since, run) if not per_guest.empty else None
    flagged_digest = flagged["digest"] if flagged is not None else pd.Series(dtype=object)

    counts = {"opened": 0, "updated": 0, "unchanged": 0, "closed_returned": 0, "closed_cleared": 0, "suppressed": 0}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two scans at once (the nightly task and a manual command) apply one after the
            # other: the second reads the open warnings the first left.  SQLite serialises
            # writers by itself.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
        now = timezone.now()
        open_rows = pd.DataFrame.from_records(
            [
                (wid, gid, last.toordinal() if last else -1, digest)
                for wid, gid, last, digest in ChurnWarning.objects.filter(status=ChurnWarning.Status.OPEN)
                .values_list("id", "guest_id", "last_arrival", "digest")
                .iterator(chunk_size=ID_CHUNK)
            ],
            columns=["id", "guest_id", "last_arrival", "digest"],
        )
        latest = facts.activity.reindex(open_rows["guest_id"]).to_numpy(dtype="float64")
        returned = ~np.isnan(latest) & (latest > open_rows["last_arrival"].to_numpy(dtype="float64"))
        found = flagged_digest.reindex(open_rows["guest_id"]).to_numpy(dtype=object)
        still = ~returned & pd.notna(found)
        changed = still & (found != open_rows["digest"].to_numpy(dtype=object))
        cleared = ~returned & ~still
        has_open = set(open_rows.loc[still, "guest_id"].tolist())

        counts["closed_returned"] = _close_warnings(
            open_rows.loc[returned, "id"].tolist(), outcome=ChurnWarning.Outcome.RETURNED, now=now
        )
        counts["closed_cleared"] = _close_warnings(
            open_rows.loc[cleared, "id"].tolist(), outcome=ChurnWarning.Outcome.CLEARED, now=now
        )
        updates = []
        if changed.any():
            to_update = open_rows.loc[changed, ["id", "guest_id"]]
            for wid, row in zip(to_update["id"].tolist(), flagged.loc[to_update["guest_id"]].itertuples(), strict=True):
                updates.append({"id": wid, **_warning_fields(row, facts=facts, as_of=as_of, since=since)})
        _update_warnings(updates, as_of=as_of, now=now)
        counts["updated"] = len(updates)
        counts["unchanged"] = len(has_open) - len(updates)

        new = []
        if flagged is not None and len(flagged):
            fresh = flagged[~flagged.index.isin(list(has_open))]
            # Staff closed the last warning as won back or lost: quiet until the guest stays again.
            worked_off = _worked_off()
            quiet = [
                gid
                for gid, last in zip(fresh.index.tolist(), fresh["last_arrival"].tolist(), strict=True)
                if gid in worked_off and worked_off[gid] >= last
            ]
            counts["suppressed"] = len(quiet)
            fresh = fresh[~fresh.index.isin(quiet)]
            for row in fresh.itertuples():
                new.append(
                    ChurnWarning(
                        guest_id=int(row.Index),
                        status=ChurnWarning.Status.OPEN,
                        opened_on=as_of,
                        as_of=as_of,
                        created_at=now,
                        updated_at=now,
                        **_warning_fields(row, facts=facts, as_of=as_of, since=since),
                    )
                )
        ChurnWarning.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        counts["opened"] = len(new)
        reasons = {code: 0 for code in ChurnReason.values}
        if flagged is not None:
            for code in reasons:
                reasons[code] = int(flagged[code].sum())
        counts.update(
            {
                "as_of": as_of.isoformat(),
                "stays_read": stays_read,
                "guests_with_stays": int(len(per_guest)),
                "flagged": 0 if flagged is None else int(len(flagged)),
                "reasons": reasons,
                "open_total": ChurnWarning.objects.filter(status=ChurnWarning.Status.OPEN).count(),
                "segmentation_run": getattr(run, "pk", None),
            }
        )
        counts["duration_ms"] = int((time.perf_counter() - clock) * 1000)
        ChurnScan.objects.update_or_create(
            as_of=as_of,
            defaults={
                "started_at": started_at,
                "finished_at": timezone.now(),
                "duration_ms": counts["duration_ms"],
                "counts": counts,
            },
        )
    return counts


def _worked_off() -> dict[int, int]:
    """{guest_id: last arrival (ordinal) known} for guests whose warning staff closed as
    won back or lost."""
    return {
        gid: last.toordinal() if last else -1
        for gid, last in ChurnWarning.objects.filter(
            status=ChurnWarning.Status.CLOSED,
            outcome__in=[ChurnWarning.Outcome.WON_BACK, ChurnWarning.Outcome.LOST],
        )
        .order_by()
        .values("guest_id")
        .annotate(last=Max("last_arrival"))
        .values_list("guest_id", "last")
        .iterator(chunk_size=ID_CHUNK)
    }


def warnings_close_returned(*, stay_ids: Iterable[int]) -> int:
    """Close the open warnings of guests who just stayed again (outcome "returned").

    Called for every ``guests.signals.stays_upserted``: a stay in house or checked out
    that arrived later than the last arrival the warning knew of means the guest is back.
    """
    ids = [int(i) for i in stay_ids]
    closed = 0
    for chunk in _chunks(ids):
        latest = dict(
            Stay.objects.filter(
                pk__in=chunk, guest__isnull=False, status__in=[Stay.Status.IN_HOUSE, Stay.Status.CHECKED_OUT]
            )
            .order_by()
            .values("guest_id")
            .annotate(last=Max("arrival_date"))
            .values_list("guest_id", "last")
        )
        if not latest:
            continue
        to_close = [
            wid
            for wid, gid, last_arrival in ChurnWarning.objects.filter(
                status=ChurnWarning.Status.OPEN, guest_id__in=list(latest)
            ).values_list("id", "guest_id", "last_arrival")
            if last_arrival is None or latest[gid] > last_arrival
        ]
        if to_close:
            with transaction.atomic():
                closed += _close_warnings(to_close, outcome=ChurnWarning.Outcome.RETURNED, now=timezone.now())
    return closed


def merge_move(merged_id: int, survivor_id: int) -> dict:
    """Merge handler: the duplicate's surveys, contact log, care items and warnings move
    to the survivor.  Where the survivor already holds the same care item, or an open
    warning of its own, the duplicate's stays behind (that item is cancelled, that warning
    closed as "cleared").  Returns exactly what changed, for :func:`merge_restore`."""
    moved: dict = {}
    moved["surveys"] = list(StaySurvey.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    StaySurvey.objects.filter(pk__in=moved["surveys"]).update(guest_id=survivor_id)
    moved["contacts"] = list(ContactLog.objects.filter(guest_id=merged_id).values_list("pk", flat=True))
    ContactLog.objects.filter(pk__in=moved["contacts"]).update(guest_id=survivor_id)

    survivor_keys = set(CareTask.objects.filter(guest_id=survivor_id).values_list("kind", "due_date"))
    tasks = list(CareTask.objects.filter(guest_id=merged_id).values_list("pk", "kind", "due_date", "status"))
    moved["care_tasks"] = [pk for pk, kind, due, _s in tasks if (kind, due) not in survivor_keys]
    moved["care_tasks_cancelled"] = [
        pk for pk, kind, due, status in tasks if (kind, due) in survivor_keys and status == CareTask.Status.OPEN
    ]
    CareTask.objects.filter(pk__in=moved["care_tasks"]).update(guest_id=survivor_id)
    CareTask.objects.filter(pk__in=moved["care_tasks_cancelled"]).update(status=CareTask.Status.CANCELLED)

    survivor_has_open = ChurnWarning.objects.filter(guest_id=survivor_id, status=ChurnWarning.Status.OPEN).exists()
    warnings = list(ChurnWarning.objects.filter(guest_id=merged_id).values_list("pk", "status", "outcome"))
    moved["warnings_closed"] = [
        [pk, outcome] for pk, status, outcome in warnings if status == ChurnWarning.Status.OPEN and survivor_has_open
    ]
    closed_ids = [pk for pk, _o in moved["warnings_closed"]]
    ChurnWarning.objects.filter(pk__in=closed_ids).update(
        status=ChurnWarning.Status.CLOSED, outcome=ChurnWarning.Outcome.CLEARED, closed_at=timezone.now()
    )
    moved["warnings"] = [pk for pk, _st, _o in warnings if pk not in closed_ids]
    ChurnWarning.objects.filter(pk__in=moved["warnings"]).update(guest_id=survivor_id)
    return moved


def merge_restore(moved: dict, merged_id: int, survivor_id: int) -> None:
    """Undo :func:`merge_move` exactly."""
    StaySurvey.objects.filter(pk__in=moved.get("surveys", []), guest_id=survivor_id).update(guest_id=merged_id)
    ContactLog.objects.filter(pk__in=moved.get("contacts", []), guest_id=survivor_id).update(guest_id=merged_id)
    CareTask.objects.filter(pk__in=moved.get("care_tasks", []), guest_id=survivor_id).update(guest_id=merged_id)
    CareTask.objects.filter(pk__in=moved.get("care_tasks_cancelled", []), status=CareTask.Status.CANCELLED).update(
        status=CareTask.Status.OPEN
    )
    ChurnWarning.objects.filter(pk__in=moved.get("warnings", []), guest_id=survivor_id).update(guest_id=merged_id)
    for pk, outcome in moved.get("warnings_closed", []):
        if not ChurnWarning.objects.filter(guest_id=merged_id, status=ChurnWarning.Status.OPEN).exists():
            ChurnWarning.objects.filter(pk=pk, outcome=ChurnWarning.Outcome.CLEARED).update(
                status=ChurnWarning.Status.OPEN, outcome=outcome, closed_at=None
            )


def guest_care_erase(*, guest_id: int) -> None:
    """Right to be forgotten: scrub the free text care holds about the guest, cancel the
    open care items and close the open warning (the profile is anonymised)."""
    now = timezone.now()
    ContactLog.objects.filter(guest_id=guest_id).update(note="", details={})
    CareTask.objects.filter(guest_id=guest_id).update(note="", details={})
    CareTask.objects.filter(guest_id=guest_id, status=CareTask.Status.OPEN).update(status=CareTask.Status.CANCELLED)
    StaySurvey.objects.filter(guest_id=guest_id).update(comment="")
    ChurnWarning.objects.filter(guest_id=guest_id).update(outcome_note="")
    ChurnWarning.objects.filter(guest_id=guest_id, status=ChurnWarning.Status.OPEN).update(
        status=ChurnWarning.Status.CLOSED, outcome=ChurnWarning.Outcome.CLEARED, closed_at=now, updated_at=now
    )


# --- Working the warnings -------------------------------------------------------------


def can_work_warning(user, warning: ChurnWarning) -> bool:
    """Sales managers (change permission) work every warning; a salesperson without it
    works the warnings assigned to them."""
    if user.has_perm("care.change_churnwarning"):
        return True
    return warning.assigned_to_id == user.pk and is_sales_user(user)


def _locked_warning(warning_id: int) -> ChurnWarning:
    try:
        return ChurnWarning.objects.select_for_update(of=("self",)).select_related("guest").get(pk=warning_id)
    except (ChurnWarning.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Churn warning not found.")) from None


def warning_assign(*, warning_id: int, assignee, by) -> ChurnWarning:
    """Give an open warning to a sales manager or salesperson (or take it back with
    ``assignee=None``); anyone else is refused, naming the field."""
    if not by.has_perm("care.assign_churnwarning"):
        raise Forbidden(_("You may not assign churn warnings."), field="assigned_to")
    if assignee is not None and not is_sales_user(assignee):
        raise DomainError(_("Warnings can only be assigned to sales managers or salespeople."), field="assigned_to")
    with transaction.atomic():
        warning = _locked_warning(warning_id)
        if not warning.is_open:
            raise ConflictError(_("This warning is already closed."), field="assigned_to")
        if warning.assigned_to_id == (assignee.pk if assignee else None):
            return warning
        now = timezone.now()
        warning.assigned_to = assignee
        warning.assigned_at = now if assignee else None
        warning.updated_at = now
        warning.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
        ContactLog.objects.create(
            guest_id=warning.guest_id,
            kind=ContactLog.Kind.WARNING_ASSIGNED,
            warning=warning,
            details={
                "assignee": (assignee.get_full_name() or assignee.get_username()) if assignee else "",
                "assignee_id": assignee.pk if assignee else None,
            },
            created_by=by,
            created_at=now,
        )
    return warning


def warning_record_outcome(
    *,
    warning_id: int,
    outcome: str,
    by,
    lost_reason: str = "",
    competitor: str = "",
    note: str = "",
    channel: str = "",
) -> ChurnWarning:
    """Record what came of working a warning.  Contacted and offer made keep it open;
    won back and lost close it.  Lost needs a reason (the competitor is optional)."""
    if outcome not in ChurnWarning.STAFF_OUTCOMES:
        raise DomainError(_("Choose contacted, offer made, won back or lost."), field="outcome")
    lost_reason = (lost_reason or "").strip()
    competitor = " ".join((competitor or "").split())
    if outcome == ChurnWarning.Outcome.LOST:
        if not lost_reason:
            raise DomainError(_("Say why the guest was lost."), field="lost_reason")
        if lost_reason not in ChurnWarning.LostReason.values:
            raise DomainError(_("Unknown reason."), field="lost_reason")
        if len(competitor) > 100:
            raise DomainError(_("At most 100 characters."), field="competitor")
    else:
        lost_reason, competitor = "", ""
    note = (note or "").strip()
    with transaction.atomic():
        warning = _locked_warning(warning_id)
        if not can_work_warning(by, warning):
            raise Forbidden(_("This warning is not assigned to you."), field="outcome")
        if not warning.is_open:
            raise ConflictError(
                _("This warning is already closed (%(outcome)s).") % {"outcome": warning.get_outcome_display()},
                field="outcome",
            )
        channel = _check_channel(warning.guest, channel)
        now = timezone.now()
        warning.outcome = outcome
        warning.outcome_at = now
        warning.outcome_by = by
        warning.lost_reason = lost_reason
        warning.competitor = competitor
        warning.outcome_note = note
        warning.updated_at = now
        if outcome in ChurnWarning.CLOSING_OUTCOMES:
            warning.status = ChurnWarning.Status.CLOSED
            warning.closed_at = now
        warning.save()
        if not warning.is_open:
            CareTask.objects.filter(warning=warning, kind=CareTask.Kind.WIN_BACK, status=CareTask.Status.OPEN).update(
                status=CareTask.Status.CANCELLED
            )
        ContactLog.objects.create(
            guest_id=warning.guest_id,
            kind=ContactLog.Kind.WARNING_OUTCOME,
            channel=channel,
            outcome=outcome,
            warning=warning,
            details={"lost_reason": lost_reason, "competitor": competitor} if lost_reason else {},
            note=note,
            created_by=by,
            created_at=now,
        )
    return warning


# --- Daily care list ------------------------------------------------------------------

LOOKAHEAD_DAYS = 7
POST_STAY_CATCH_UP_DAYS = 3


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


def _month_day_q(field: str, window: list[dt.date]) -> Q:
    query = Q()
    for date in window:
        query |= Q(**{f"{field}__month": date.month, f"{field}__day": date.day})
        if (date.month, date.day) == (2, 28):
            query |= Q(**{f"{field}__month": 2, f"{field}__day": 29})
    return query


def _active_guest_filter(prefix: str = "") -> dict:
    return {f"{prefix}merged_into__isnull": True, f"{prefix}is_anonymised": False}


def care_list_build(*, day: dt.date | str | None = None, send_emails: bool | None = None) -> dict:
    """Build the care list for ``day`` (default today); idempotent per day.

    * **birthday** / **anniversary** (of the first checked-out stay, at least one year
      on) falling in ``day`` … ``day + 6``, for guests arriving in that week (a reserved
      or in-house stay) or guests in the VIP or Major segment; due on the date itself;
    * **post_stay**: VIP / Major guests who checked out the day before (the last
      few days are caught up if a run was missed); due the day after departure;
    * **win_back**: open *lapsed* churn warnings of VIP / Major guests, once per warning.

    Guests who opted out of profiling are picked only for their arrival, never for their
    segment.  Whether a guest may be contacted is decided when the item is worked (no
    consent shows as "do not contact").  ``send_emails`` (default
    ``settings.CARE_AUTO_EMAILS``) e-mails new birthday and anniversary items to guests
    who agreed to marketing e-mails.
    """
    day = parse_as_of(day, field="day")
    if send_emails is None:
        send_emails = bool(getattr(settings, "CARE_AUTO_EMAILS", False))
    window = [day + dt.timedelta(days=i) for i in range(LOOKAHEAD_DAYS)]
    window_end = window[-1]

    arrivals: dict[int, tuple[int, int, dt.date]] = {}
    for gid, stay_id, property_id, arrival in (
        Stay.objects.filter(
            guest__isnull=False,
            status__in=[Stay.Status.RESERVED, Stay.Status.IN_HOUSE],
            arrival_date__range=(day, window_end),
            **_active_guest_filter("guest__"),
        )
        .order_by("arrival_date", "id")
        .values_list("guest_id", "id", "property_id", "arrival_date")
    ):
        arrivals.setdefault(gid, (stay_id, property_id, arrival))

    birthdays = list(
        Guest.objects.filter(_month_day_q("birth_date", window), birth_date__isnull=False, **_active_guest_filter())
        .values_list("id", "birth_date", "profiling_opt_out")
        .iterator(chunk_size=ID_CHUNK)
    )
    anniversaries = list(
        Stay.objects.filter(status=Stay.Status.CHECKED_OUT, guest__isnull=False, **_active_guest_filter("guest__"))
        .order_by()
        .values("guest_id", "guest__profiling_opt_out")
        .annotate(first=Min("arrival_date"))
        .filter(_month_day_q("first", window))
        .values_list("guest_id", "first", "guest__profiling_opt_out")
        .iterator(chunk_size=ID_CHUNK)
    )
    post_stays = list(
        Stay.objects.filter(
            status=Stay.Status.CHECKED_OUT,
            guest__isnull=False,
            guest__profiling_opt_out=False,
            departure_date__range=(day - dt.timedelta(days=POST_STAY_CATCH_UP_DAYS), day - dt.timedelta(days=1)),
            **_active_guest_filter("guest__"),
        )
        .order_by("departure_date", "id")
        .values_list("guest_id", "id", "property_id", "departure_date")
    )
    segment_ids = {gid for gid, _b, opt_out in birthdays if not opt_out}
    segment_ids |= {gid for gid, _f, opt_out in anniversaries if not opt_out}
    segment_ids |= {gid for gid, *_rest in post_stays}
    segments = integrations.segments_for(segment_ids) if segment_ids else {}
    valuable = {gid for gid, seg in segments.items() if seg in integrations.VALUABLE_SEGMENTS}

    planned: list[CareTask] = []

    def plan(gid, kind, due, *, property_id=None, stay_id=None, warning_id=None, details=None):
        planned.append(
            CareTask(
                guest_id=gid,
                kind=kind,
                due_date=due,
                property_id=property_id,
                stay_id=stay_id,
                warning_id=warning_id,
                details=details or {},
                built_on=day,
            )
        )

    occasions = []  # (gid, kind, date, extra details)
    for gid, birth_date, _opt_out in birthdays:
        date = _occurrence(birth_date.month, birth_date.day, window)
        if date is not None:
            occasions.append((gid, CareTask.Kind.BIRTHDAY, date, {"turning": date.year - birth_date.year}))
    for gid, first, _opt_out in anniversaries:
        date = _occurrence(first.month, first.day, window)
        if date is not None and date.year > first.year:
            occasions.append(
                (
                    gid,
                    CareTask.Kind.ANNIVERSARY,
                    date,
                    {"years": date.year - first.year, "first_stay": first.isoformat()},
                )
            )
    need_home = [gid for gid, *_rest in occasions if gid not in arrivals and gid in valuable]
    home = (
        dict(
            Guest.objects.filter(pk__in=need_home)
            .annotate(
                last_property=Subquery(
                    Stay.objects.filter(guest_id=OuterRef("pk"), status=Stay.Status.CHECKED_OUT)
                    .order_by("-departure_date", "-id")
                    .values("property_id")[:1]
                )
            )
            .values_list("id", "last_property")
        )
        if need_home
        else {}
    )
    for gid, kind, date, extra in occasions:
        details = {"date": date.isoformat(), **extra}
        if gid in arrivals:
            stay_id, property_id, arrival = arrivals[gid]
            details.update({"why": "arriving", "arrival_date": arrival.isoformat()})
            if gid in segments:
                details["segment"] = segments[gid]
            plan(gid, kind, date, property_id=property_id, stay_id=stay_id, details=details)
        elif gid in valuable:
            details.update({"why": "valuable", "segment": segments[gid]})
            plan(gid, kind, date, property_id=home.get(gid), details=details)

    for gid, stay_id, property_id, departure in post_stays:
        if gid in valuable:
            plan(
                gid,
                CareTask.Kind.POST_STAY,
                departure + dt.timedelta(days=1),
                property_id=property_id,
                stay_id=stay_id,
                details={"departure_date": departure.isoformat(), "segment": segments[gid]},
            )

    for wid, gid, property_id, segment, score, reasons in (
        ChurnWarning.objects.filter(
            status=ChurnWarning.Status.OPEN,
            segment__in=integrations.VALUABLE_SEGMENTS,
            reasons__has_key=ChurnReason.LAPSED,
            **_active_guest_filter("guest__"),
        )
        .exclude(care_tasks__kind=CareTask.Kind.WIN_BACK)
        .values_list("id", "guest_id", "last_property_id", "segment", "score", "reasons")
        .iterator(chunk_size=ID_CHUNK)
    ):
        lapsed = (reasons or {}).get(ChurnReason.LAPSED, {})
        plan(
            gid,
            CareTask.Kind.WIN_BACK,
            day,
            property_id=property_id,
            warning_id=wid,
            details={
                "segment": segment,
                "score": score,
                "days_since_last_departure": lapsed.get("days_since_last_departure"),
            },
        )

    # Everything planned is due between the post-stay catch-up and the end of the week.
    existing = (
        set(
            CareTask.objects.filter(
                due_date__range=(day - dt.timedelta(days=POST_STAY_CATCH_UP_DAYS), window_end)
            ).values_list("guest_id", "kind", "due_date")
        )
        if planned
        else set()
    )
    new, seen = [], set()
    for task in planned:
        key = (task.guest_id, task.kind, task.due_date)
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append(task)
    counts = {kind: 0 for kind in CareTask.Kind.values}
    for task in new:
        counts[task.kind] += 1
    with transaction.atomic():
        CareTask.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        emailed = 0
        if send_emails and new:
            emailed = _auto_email(
                day, [t for t in new if t.kind in (CareTask.Kind.BIRTHDAY, CareTask.Kind.ANNIVERSARY)]
            )
    result = {"day": day.isoformat(), "created": len(new), "kinds": counts, "emailed": emailed}
    return result


def _auto_email(day: dt.date, planned: list[CareTask]) -> int:
    keys = {(t.guest_id, t.kind, t.due_date) for t in planned}
    tasks = [
        t
        for t in CareTask.objects.filter(
            built_on=day,
            email_sent_at__isnull=True,
            status=CareTask.Status.OPEN,
            guest__marketing_email_consent=True,
            kind__in=[CareTask.Kind.BIRTHDAY, CareTask.Kind.ANNIVERSARY],
        ).exclude(guest__email="")
        if (t.guest_id, t.kind, t.due_date) in keys
    ]
    _queue_emails(tasks, by=None)
    return len(tasks)


def _locked_task(task_id: int) -> CareTask:
    try:
        return CareTask.objects.select_for_update(of=("self",)).select_related("guest", "property").get(pk=task_id)
    except (CareTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Care item not found.")) from None


def _check_task_scope(by, task: CareTask) -> None:
    from guests.selectors import visible_properties

    if by is None or roles.is_chain_wide(by):
        return
    if task.property_id is None or not visible_properties(by).filter(pk=task.property_id).exists():
        raise Forbidden(_("This care item belongs to another property."), field="property")


def care_task_complete(*, task_id: int, by, channel: str = "", note: str = "") -> CareTask:
    """Mark a care item done; the contact is logged on the guest.  A guest without
    marketing consent can only be cared for in person or internally (do not contact)."""
    note = (note or "").strip()
    with transaction.atomic():
        task = _locked_task(task_id)
        _check_task_scope(by, task)
        if task.status != CareTask.Status.OPEN:
            raise ConflictError(
                _("This care item is already %(status)s.") % {"status": task.get_status_display().lower()},
                field="status",
            )
        channel = _check_channel(task.guest, channel)
        now = timezone.now()
        task.status = CareTask.Status.DONE
        task.channel = channel
        task.note = note
        task.done_at = now
        task.done_by = by
        task.save(update_fields=["status", "channel", "note", "done_at", "done_by"])
        ContactLog.objects.create(
            guest_id=task.guest_id,
            kind=ContactLog.Kind.CARE_DONE,
            channel=channel,
            care_task=task,
            details={"care_kind": task.kind, "due_date": task.due_date.isoformat()},
            note=note,
            created_by=by,
            created_at=now,
        )
    return task


DEFAULT_EMAILS = {
    CareTask.Kind.BIRTHDAY: (
        gettext_lazy("Happy birthday, {{ guest.display_name }}!"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\nall of us at {{ hotel }} wish you a very happy birthday.\n"
            "We look forward to welcoming you again.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
    CareTask.Kind.ANNIVERSARY: (
        gettext_lazy("{{ task.details.years }} years together, {{ guest.display_name }}"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\n{{ task.details.years }} years ago you first stayed with us. "
            "Thank you for your loyalty.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
    CareTask.Kind.POST_STAY: (
        gettext_lazy("Thank you for staying with us, {{ guest.display_name }}"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\nthank you for your stay at {{ hotel }}. "
            "We hope everything was to your liking; simply reply to tell us how we did.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
    CareTask.Kind.WIN_BACK: (
        gettext_lazy("We have missed you, {{ guest.display_name }}"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\nit has been a while since your last visit to {{ hotel }}, "
            "and we have missed you. We would be delighted to welcome you back.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
}


def render_care_email(task: CareTask) -> tuple[str, str]:
    """Subject and body for a care item, from the active template for its kind in the
    guest's language (else the language-neutral one, else the built-in default)."""
    guest = task.guest
    language = guest.language or settings.LANGUAGE_CODE
    templates = {
        t.language: t
        for t in CareEmailTemplate.objects.filter(kind=task.kind, is_active=True, language__in=[guest.language, ""])
    }
    chosen = templates.get(guest.language) or templates.get("")
    hotel = task.property.name if task.property_id else _("our hotels")
    with translation.override(language):
        if chosen is not None:
            subject_src, body_src = chosen.subject, chosen.body
        else:
            subject_src, body_src = (str(s) for s in DEFAULT_EMAILS[task.kind])
        context = Context({"guest": guest, "task": task, "hotel": hotel, "property": task.property}, autoescape=False)
        try:
            subject = Template(subject_src).render(context)
            body = Template(body_src).render(context)
        except TemplateSyntaxError as exc:
            raise DomainError(
                _("The e-mail template is broken: %(error)s") % {"error": exc}, field="template"
            ) from None
    return " ".join(subject.split())[:200], body


def _queue_emails(tasks: list[CareTask], *, by) -> None:
    """Mark the items e-mailed, log the contact, and hand the sending to Celery once the
    transaction has committed (a rollback sends nothing)."""
    from .tasks import send_care_email

    if not tasks:
        return
    now = timezone.now()
    ids = [t.pk for t in tasks]
    for chunk in _chunks(ids):
        CareTask.objects.filter(pk__in=chunk).update(email_sent_at=now)
    ContactLog.objects.bulk_create(
        [
            ContactLog(
                guest_id=t.guest_id,
                kind=ContactLog.Kind.CARE_EMAIL,
                channel=ContactChannel.EMAIL,
                care_task=t,
                details={"care_kind": t.kind, "due_date": t.due_date.isoformat()},
                created_by=by,
                created_at=now,
            )
            for t in tasks
        ],
        batch_size=2000,
    )
    for task in tasks:
        task.email_sent_at = now
    transaction.on_commit(lambda: [send_care_email.delay(pk) for pk in ids])


def care_task_send_email(*, task_id: int, by) -> CareTask:
    """E-mail the guest about a care item, once, only with marketing e-mail consent."""
    with transaction.atomic():
        task = _locked_task(task_id)
        _check_task_scope(by, task)
        if task.status == CareTask.Status.CANCELLED:
            raise ConflictError(_("This care item is no longer needed."), field="status")
        if task.email_sent_at is not None:
            raise ConflictError(_("The e-mail for this care item was already sent."), field="email")
        if not task.guest.email:
            raise DomainError(_("This guest has no e-mail address."), field="email")
        if not task.guest.marketing_email_consent:
            raise DomainError(_("This guest has not agreed to marketing e-mails (do not contact)."), field="email")
        render_care_email(task)  # a broken template is refused now, not in the worker
        _queue_emails([task], by=by)
    return task


def deliver_care_email(*, task_id: int) -> bool:
    """Send the e-mail queued for a care item (the Celery task's body).  Re-checks
    consent at sending time: a guest who withdrew it in between gets nothing."""
    from django.core.mail import send_mail

    task = CareTask.objects.select_related("guest", "property").filter(pk=task_id).first()
    if task is None or not task.guest.email or not task.guest.marketing_email_consent:
        return False
    subject, body = render_care_email(task)
    send_mail(subject, body, None, [task.guest.email])
    return True


# --- Surveys --------------------------------------------------------------------------


def survey_record(
    *,
    stay_id: int,
    overall,
    by=None,
    guest_id: int | None = None,
    comment: str = "",
    received_on: dt.date | str | None = None,
    source: str = StaySurvey.Source.STAFF,
) -> StaySurvey:
    """Record a post-stay survey: one per checked-out stay, for that stay's guest, an
    overall score from 1 to 5 (5 = completely satisfied, the top box)."""
    if isinstance(overall, float) and overall.is_integer():
        overall = int(overall)
    if isinstance(overall, str) and overall.strip().isdigit():
        overall = int(overall.strip())
    if isinstance(overall, bool) or not isinstance(overall, int):
        raise DomainError(_("Give a whole number from 1 to 5."), field="overall")
    if not 1 <= overall <= 5:
        raise DomainError(_("Overall satisfaction is rated from 1 to 5."), field="overall")
    if source not in StaySurvey.Source.values:
        raise DomainError(_("Unknown source."), field="source")
    comment = (comment or "").strip()
    if len(comment) > 4000:
        raise DomainError(_("At most 4,000 characters."), field="comment")
    received_on = parse_as_of(received_on, field="received_on")
    with transaction.atomic():
        try:
            stay = Stay.objects.select_for_update().get(pk=stay_id)
        except (Stay.DoesNotExist, ValueError, TypeError):
            raise DomainError(_("Unknown stay."), field="stay") from None
        if stay.guest_id is None:
            raise DomainError(_("This stay has no guest profile."), field="stay")
        if guest_id is not None and int(guest_id) != stay.guest_id:
            raise DomainError(_("This stay belongs to another guest."), field="stay")
        if stay.status != Stay.Status.CHECKED_OUT:
            raise DomainError(_("Only a checked-out stay can be surveyed."), field="stay")
        if received_on < stay.departure_date:
            raise DomainError(_("A post-stay survey cannot be dated before the departure."), field="received_on")
        if by is not None and not roles.is_chain_wide(by):
            from guests.selectors import visible_properties

            if not visible_properties(by).filter(pk=stay.property_id).exists():
                raise Forbidden(_("This stay was at a property that is not yours."), field="stay")
        if StaySurvey.objects.filter(stay_id=stay.pk).exists():
            raise ConflictError(_("This stay already has a survey."), field="stay")
        try:
            with transaction.atomic():
                survey = StaySurvey.objects.create(
                    stay=stay,
                    guest_id=stay.guest_id,
                    overall=overall,
                    comment=comment,
                    received_on=received_on,
                    source=source,
                    recorded_by=by,
                )
        except IntegrityError:
            raise ConflictError(_("This stay already has a survey."), field="stay") from None
    return survey
