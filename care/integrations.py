"""What care reads from the other apps, through their published selectors only.

* ``analytics.selectors.current_run()`` / ``current_segments(guest_ids)`` — the value
  segment of each guest from the current segmentation run;
* ``complaints.selectors.guest_complaint_signals(guest_ids, since)`` — unresolved and
  badly rated complaints per guest.

Both apps are built alongside this one and may be missing on a fresh checkout or before
their first run: the scan and the care list then carry on without segments / complaint
signals (every guest counts as "unknown" value, nobody is at risk by complaint) instead
of failing.  Lookups go in chunks so a million guests never become one huge ``IN``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Iterable

logger = logging.getLogger(__name__)

CHUNK = 20_000
VALUABLE_SEGMENTS = ("vip", "major")
AT_RISK_SEGMENTS = ("vip", "major", "ordinary")


def _selector(module_name: str, function_name: str):
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    return getattr(module, function_name, None)


def _chunks(ids: Iterable[int], size: int = CHUNK):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def segmentation_run():
    """The current segmentation run (whatever analytics returns), or None."""
    current_run = _selector("analytics.selectors", "current_run")
    if current_run is None:
        return None
    return current_run()


def segments_for(guest_ids: Iterable[int]) -> dict[int, str]:
    """{guest_id: segment} from the current run; guests without one are left out."""
    current_segments = _selector("analytics.selectors", "current_segments")
    if current_segments is None or segmentation_run() is None:
        return {}
    result: dict[int, str] = {}
    for chunk in _chunks(guest_ids):
        result.update(current_segments(guest_ids=chunk))
    return result


def complaint_signals(guest_ids: Iterable[int] | None, since: dt.date) -> dict[int, dict]:
    """{guest_id: {"unresolved": n, "low_rated": n}} for guests with complaints received
    since ``since``; ``guest_ids=None`` asks for every guest in one query (the scan does:
    complaints are few next to guests)."""
    signals = _selector("complaints.selectors", "guest_complaint_signals")
    if signals is None:
        return {}
    if guest_ids is None:
        return dict(signals(guest_ids=None, since=since))
    result: dict[int, dict] = {}
    for chunk in _chunks(guest_ids):
        result.update(signals(guest_ids=chunk, since=since))
    return result
