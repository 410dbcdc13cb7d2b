"""The nightly churn scan: run the rules over every guest and bring the open warnings in
line, in bulk (the number of queries does not depend on the number of guests)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef
from django.utils import timezone

from crm_site.parsing import as_of_date
from guests.models import Guest, Stay
from guests.selectors import guest_ids_on_the_books

from .. import churn, integrations
from ..models import CareTask, ChurnReason, ChurnScan, ChurnWarning, StaySurvey
from .common import ID_CHUNK, chunks

SCAN_LOCK_KEY = 0x43415245  # "CARE": the advisory lock that keeps two churn scans' writes apart

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
_UPDATED_FIELDS = [
    "reasons",
    "score",
    "score_detail",
    "segment",
    "last_property_id",
    "last_departure",
    "last_arrival",
    "digest",
]


@dataclass
class ScanInput:
    """What the rules found for one as-of date, before anything is written."""

    as_of: dt.date
    since: dt.date
    facts: churn.GuestFacts
    per_guest: pd.DataFrame
    flagged: pd.DataFrame | None
    run: object
    stays_read: int
    booked: np.ndarray  # sorted ids of the guests with a stay on the books: never warned

    @property
    def digests(self) -> pd.Series:
        return self.flagged["digest"] if self.flagged is not None else pd.Series(dtype=object)

    def fields(self, row) -> dict:
        """The model fields of one flagged guest's warning."""
        return {
            "reasons": _reasons_for(row, facts=self.facts, as_of=self.as_of, since=self.since),
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
    """Guests never warned about: not identified (merged away or erased) or opted out of
    profiling.  One anti-join, whatever the number of guests."""
    wanted = Guest.objects.identified().filter(pk=OuterRef("pk"), profiling_opt_out=False)
    return list(
        Guest.objects.filter(~Exists(wanted)).values_list("id", flat=True).order_by().iterator(chunk_size=ID_CHUNK)
    )


def _signals(as_of: dt.date, since: dt.date, run) -> tuple[dict[int, dict], dict[int, tuple[int, int]]]:
    """Complaint and survey signals (only with a segmentation run: at risk needs a segment)."""
    if run is None:
        return {}, {}
    complaints = {
        gid: signal
        for gid, signal in integrations.complaint_signals(None, since).items()
        if signal.get("unresolved") or signal.get("low_rated")
    }
    return complaints, _low_surveys(as_of, since)


def _flag(per_guest: pd.DataFrame, facts: churn.GuestFacts, as_of: dt.date, since: dt.date, run) -> pd.DataFrame:
    """One row per flagged guest: the rule results, at-risk signals, segment, score and
    fingerprint.  Segments are looked up only for guests a reason could apply to: the
    lapsed and declining (the score needs their value) and those with a complaint or a
    low survey (at risk when VIP, Major or Ordinary)."""
    complaints, surveys = _signals(as_of, since, run)
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


def _scan_input(as_of: dt.date) -> ScanInput:
    """Read the stays once, apply the rules, leave out the guests never warned about and
    those with a stay on the books (``guests.selectors.guest_ids_on_the_books``)."""
    stays = churn.load_stays(as_of)
    stays_read = len(stays)
    facts = churn.evaluate(stays, as_of)
    del stays
    per_guest = facts.per_guest
    booked = guest_ids_on_the_books(as_of)
    if not per_guest.empty:
        excluded = _excluded_guests()
        if excluded:
            per_guest = per_guest[~per_guest.index.isin(excluded)]
        if len(booked):
            per_guest = per_guest[~np.isin(per_guest.index.to_numpy(), booked, assume_unique=True)]
    since = churn.years_before(as_of, 1)
    run = integrations.segmentation_run()
    flagged = _flag(per_guest, facts, as_of, since, run) if not per_guest.empty else None
    return ScanInput(as_of, since, facts, per_guest, flagged, run, stays_read, booked)


# --- writing ---------------------------------------------------------------------------------

_UPDATE_SQL = """
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


def _update_warnings_postgres(rows: list[dict], *, as_of: dt.date, now) -> None:
    """One statement per chunk: the new values travel as arrays, joined by id."""
    sql = _UPDATE_SQL.format(table=ChurnWarning._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            params = [as_of, now, [r["id"] for r in chunk]]
            for name in _UPDATED_FIELDS:
                values = [r[name] for r in chunk]
                if name in ("reasons", "score_detail"):
                    values = [json.dumps(v) for v in values]
                params.append(values)
            cursor.execute(sql, params)


def _update_warnings(rows: list[dict], *, as_of: dt.date, now) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _update_warnings_postgres(rows, as_of=as_of, now=now)
        return
    objs = []
    for r in rows:
        obj = ChurnWarning(id=r["id"], as_of=as_of, updated_at=now)
        for name in _UPDATED_FIELDS:
            setattr(obj, name, r[name])
        objs.append(obj)
    ChurnWarning.objects.bulk_update(objs, [*_UPDATED_FIELDS, "as_of", "updated_at"], batch_size=500)


def close_warnings(ids: list[int], *, outcome: str, now) -> int:
    """Close open warnings with a system outcome (returned, cleared); their open win-back
    care items are no longer needed."""
    closed = 0
    for chunk in chunks(ids):
        closed += ChurnWarning.objects.filter(pk__in=chunk, status=ChurnWarning.Status.OPEN).update(
            status=ChurnWarning.Status.CLOSED, outcome=outcome, closed_at=now, updated_at=now
        )
        CareTask.objects.filter(warning_id__in=chunk, kind=CareTask.Kind.WIN_BACK, status=CareTask.Status.OPEN).update(
            status=CareTask.Status.CANCELLED
        )
    return closed


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


def _open_warnings() -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [
            (wid, gid, last.toordinal() if last else -1, digest)
            for wid, gid, last, digest in ChurnWarning.objects.filter(status=ChurnWarning.Status.OPEN)
            .values_list("id", "guest_id", "last_arrival", "digest")
            .iterator(chunk_size=ID_CHUNK)
        ],
        columns=["id", "guest_id", "last_arrival", "digest"],
    )


def _refresh_open(scan: ScanInput, counts: dict, now) -> set[int]:
    """Close the open warnings whose guest returned, booked again or is no longer flagged;
    rewrite those whose findings changed.  Returns the guests that keep an open warning."""
    open_rows = _open_warnings()
    latest = scan.facts.activity.reindex(open_rows["guest_id"]).to_numpy(dtype="float64")
    returned = ~np.isnan(latest) & (latest > open_rows["last_arrival"].to_numpy(dtype="float64"))
    found = scan.digests.reindex(open_rows["guest_id"]).to_numpy(dtype=object)
    still = ~returned & pd.notna(found)
    changed = still & (found != open_rows["digest"].to_numpy(dtype=object))
    rebooked = ~returned & ~still & np.isin(open_rows["guest_id"].to_numpy(dtype="int64"), scan.booked)
    cleared = ~returned & ~still & ~rebooked

    counts["closed_returned"] = close_warnings(
        open_rows.loc[returned, "id"].tolist(), outcome=ChurnWarning.Outcome.RETURNED, now=now
    )
    counts["closed_rebooked"] = close_warnings(
        open_rows.loc[rebooked, "id"].tolist(), outcome=ChurnWarning.Outcome.REBOOKED, now=now
    )
    counts["closed_cleared"] = close_warnings(
        open_rows.loc[cleared, "id"].tolist(), outcome=ChurnWarning.Outcome.CLEARED, now=now
    )
    updates = []
    if changed.any():
        to_update = open_rows.loc[changed, ["id", "guest_id"]]
        rows = scan.flagged.loc[to_update["guest_id"]].itertuples()
        updates = [{"id": wid, **scan.fields(row)} for wid, row in zip(to_update["id"].tolist(), rows, strict=True)]
    _update_warnings(updates, as_of=scan.as_of, now=now)
    has_open = set(open_rows.loc[still, "guest_id"].tolist())
    counts["updated"] = len(updates)
    counts["unchanged"] = len(has_open) - len(updates)
    return has_open


def _open_new(scan: ScanInput, has_open: set[int], counts: dict, now) -> None:
    """Open a warning for each flagged guest without one, except guests staff worked off
    (won back or lost) who have not stayed since."""
    new = []
    if scan.flagged is not None and len(scan.flagged):
        fresh = scan.flagged[~scan.flagged.index.isin(list(has_open))]
        worked_off = _worked_off()
        quiet = [
            gid
            for gid, last in zip(fresh.index.tolist(), fresh["last_arrival"].tolist(), strict=True)
            if gid in worked_off and worked_off[gid] >= last
        ]
        counts["suppressed"] = len(quiet)
        fresh = fresh[~fresh.index.isin(quiet)]
        new = [
            ChurnWarning(
                guest_id=int(row.Index),
                status=ChurnWarning.Status.OPEN,
                opened_on=scan.as_of,
                as_of=scan.as_of,
                created_at=now,
                updated_at=now,
                **scan.fields(row),
            )
            for row in fresh.itertuples()
        ]
    ChurnWarning.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    counts["opened"] = len(new)


def _summary(scan: ScanInput) -> dict:
    reasons = {code: 0 for code in ChurnReason.values}
    if scan.flagged is not None:
        reasons = {code: int(scan.flagged[code].sum()) for code in reasons}
    return {
        "as_of": scan.as_of.isoformat(),
        "stays_read": scan.stays_read,
        "guests_with_stays": int(len(scan.per_guest)),
        "guests_on_the_books": int(len(scan.booked)),
        "flagged": 0 if scan.flagged is None else int(len(scan.flagged)),
        "reasons": reasons,
        "open_total": ChurnWarning.objects.filter(status=ChurnWarning.Status.OPEN).count(),
        "segmentation_run": getattr(scan.run, "pk", None),
    }


def _lock_scans() -> None:
    """Two scans at once (the nightly task and a manual command) apply one after the
    other: the second reads the open warnings the first left.  SQLite serialises writers
    by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])


def churn_scan(*, as_of: dt.date | str | None = None) -> dict:
    """Run the churn rules over every guest and bring the open warnings in line.

    * a guest flagged lapsed, declining or at risk gets one open warning (reasons, numbers,
      score); a rerun refreshes it when something changed, never duplicates it;
    * an open warning whose guest stayed again (a later arrival than the one it recorded)
      closes as "returned"; one whose guest holds a stay on the books (reserved or in
      house, departing on or after ``as_of``) closes as "rebooked" — such a guest is never
      warned about; one whose guest is no longer flagged closes as "cleared";
    * a guest whose last warning staff closed as won back or lost is not flagged again
      until they stay again;
    * guests who opted out of profiling, merged or erased profiles are never flagged.

    Reads the stays once (:func:`care.churn.load_stays`), computes in bulk, writes in
    bulk: the number of queries does not depend on the number of guests.  See
    :mod:`care.churn` for the exact rules and the score.  Returns the counts.
    """
    as_of = as_of_date(as_of, field="as_of")
    started_at = timezone.now()
    clock = time.perf_counter()
    scan = _scan_input(as_of)
    counts = {
        "opened": 0,
        "updated": 0,
        "unchanged": 0,
        "closed_returned": 0,
        "closed_rebooked": 0,
        "closed_cleared": 0,
        "suppressed": 0,
    }
    with transaction.atomic():
        _lock_scans()
        now = timezone.now()
        has_open = _refresh_open(scan, counts, now)
        _open_new(scan, has_open, counts, now)
        counts.update(_summary(scan))
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


def warnings_close_returned(*, stay_ids: Iterable[int]) -> int:
    """Close the open warnings of guests who just stayed again (outcome "returned").

    Called for every ``guests.signals.stays_upserted``: a stay in house or checked out
    that arrived later than the last arrival the warning knew of means the guest is back.
    """
    ids = [int(i) for i in stay_ids]
    closed = 0
    for chunk in chunks(ids):
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
                closed += close_warnings(to_close, outcome=ChurnWarning.Outcome.RETURNED, now=timezone.now())
    return closed
