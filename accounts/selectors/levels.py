"""Relationship levels across the portfolio: today's distribution and the movement between
the start and the end of a quarter (a migration matrix, like the pyramid's)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm_site.errors import DomainError

from ..models import AccountType, Level, LevelChange
from .access import visible_accounts

NEW = "new"  # not an account yet at the start of the quarter
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def level_label(code: str) -> str:
    if code == NEW:
        return pgettext("relationship level", "New account")
    return str(Level(code).label)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(value, *, today: dt.date | None = None) -> tuple[str, dt.date, dt.date]:
    """``2026-Q1`` → (label, first day, last day — today for the running quarter)."""
    today = today or timezone.localdate()
    text = str(value or "").strip() or quarter_of(today)
    match = _QUARTER.match(text)
    if not match or not 1900 <= int(match.group(1)) <= 2100:
        raise DomainError(_("Give a quarter as YYYY-Qn (e.g. 2026-Q1)."), field="quarter", code="invalid_quarter")
    year, number = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * number - 2, 1)
    end = (dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)) - dt.timedelta(days=1)
    if start > today:
        raise DomainError(_("This quarter has not started yet."), field="quarter", code="future_quarter")
    return f"{year}-Q{number}", start, min(end, today)


def level_distribution(viewer=None) -> dict:
    """Active accounts per level (lowest first), overall and per account type."""
    rows = visible_accounts(viewer).values("relationship_level", "account_type").annotate(n=Count("pk"))
    by_level = {level: 0 for level in Level.values}
    by_type = {kind: {level: 0 for level in Level.values} for kind in AccountType.values}
    for row in rows:
        by_level[row["relationship_level"]] += row["n"]
        by_type[row["account_type"]][row["relationship_level"]] += row["n"]
    total = sum(by_level.values())
    peak = max(by_level.values(), default=0)
    return {
        "total": total,
        "levels": [
            {
                "code": level,
                "label": level_label(level),
                "count": by_level[level],
                "share": by_level[level] / total if total else None,
                "bar": round(100 * by_level[level] / peak) if peak else 0,
            }
            for level in Level.values
        ],
        "types": [
            {"code": kind, "label": AccountType(kind).label, "counts": [by_type[kind][lv] for lv in Level.values]}
            for kind in AccountType.values
            if any(by_type[kind].values())
        ],
    }


def levels_on(account_ids, day: dt.date, changes: list[tuple[int, dt.date, str]]) -> dict[int, str]:
    """Each account's level at the end of ``day`` from its (ordered) history."""
    levels: dict[int, str] = {}
    for account_id, effective_on, to_level in changes:
        if effective_on <= day:
            levels[account_id] = to_level
    return {pk: levels.get(pk, NEW) for pk in account_ids}


def level_migration(*, start: dt.date, end: dt.date, viewer=None) -> dict:
    """How accounts moved between levels from the day before ``start`` to ``end``:
    rows = level at the quarter's start (``new`` if the account did not exist yet),
    columns = level at its end, cells = number of accounts (two queries)."""
    account_ids = list(visible_accounts(viewer).values_list("pk", flat=True))
    changes = list(
        LevelChange.objects.filter(account_id__in=account_ids, effective_on__lte=end)
        .order_by("account_id", "effective_on", "id")
        .values_list("account_id", "effective_on", "to_level")
    )
    before = levels_on(account_ids, start - dt.timedelta(days=1), changes)
    after = levels_on(account_ids, end, changes)
    sources, targets = [NEW, *Level.values], list(Level.values)
    matrix = {s: {t: 0 for t in targets} for s in sources}
    for pk in account_ids:
        if after[pk] == NEW:
            continue  # created after the quarter
        matrix[before[pk]][after[pk]] += 1
    peak = max((n for row in matrix.values() for n in row.values()), default=0)
    rank = {lv: i for i, lv in enumerate(targets)}
    rows = []
    for source in sources:
        cells = [
            {
                "to": target,
                "count": matrix[source][target],
                "intensity": round(matrix[source][target] / peak, 3) if peak else 0,
                "same": source == target,
                "direction": "" if source == NEW else _direction(rank[source], rank[target]),
            }
            for target in targets
        ]
        rows.append(
            {"from": source, "label": level_label(source), "cells": cells, "total": sum(matrix[source].values())}
        )
    up = sum(c["count"] for r in rows for c in r["cells"] if c["direction"] == "up")
    down = sum(c["count"] for r in rows for c in r["cells"] if c["direction"] == "down")
    return {
        "start": start,
        "end": end,
        "columns": [{"code": t, "label": level_label(t)} for t in targets],
        "rows": rows,
        "matrix": matrix,
        "upgraded": up,
        "downgraded": down,
    }


def _direction(source: int, target: int) -> str:
    return "up" if target > source else "down" if target < source else ""
