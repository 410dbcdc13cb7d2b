"""Repetitions and percentiles."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (``pct`` in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(samples_ms: Iterable[float]) -> dict:
    values = sorted(samples_ms)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "min_ms": round(values[0], 2),
        "max_ms": round(values[-1], 2),
    }


def measure(call: Callable[[int], object], *, repeat: int, warmup: int = 3) -> tuple[dict, list[float]]:
    """Call ``call(i)`` ``warmup`` times untimed, then ``repeat`` times timed.

    Besides wall-clock percentiles, ``cpu_p50_ms`` is the median CPU time of this process
    (Django's side, SQL excluded): on a shared machine it moves far less with the load
    than the wall clock, so it tells a slower run from a busier machine.
    """
    for i in range(warmup):
        call(i)
    samples, cpu = [], []
    for i in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        call(i)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    stats = summarise(samples)
    if cpu:
        stats["cpu_p50_ms"] = round(statistics.median(cpu), 2)
    return stats, samples
