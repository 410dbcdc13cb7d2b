"""The printed table (numbers beside the SPEC §4 targets) and the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

REPORT_PATH = Path(__file__).resolve().parent / "report.json"

# (section, case, metric, comparison, target, SPEC wording)
TARGETS = [
    ("search", "*", "p95_ms", "<", 50, "guest lookup (API, fuzzy, pinyin), 1,000,000 guests: p95 < 50 ms"),
    ("profile", "api", "p95_ms", "<", 50, "guest 360 API, 300 stays: p95 < 50 ms"),
    ("profile", "page", "p95_ms", "<", 50, "guest 360 page, 300 stays: p95 < 50 ms"),
    ("arrivals", "api", "p95_ms", "<", 100, "arrivals API, 500 arrivals: p95 < 100 ms"),
    ("arrivals", "page", "p95_ms", "<", 100, "arrivals page, 500 arrivals: p95 < 100 ms"),
    ("ingest", "insert", "stays_per_s", ">=", 3000, "stay ingestion, batches of 500: >= 3,000 stays/s"),
    ("ingest", "resend", "stays_per_s", ">=", 3000, "stay ingestion (re-send), batches of 500: >= 3,000 stays/s"),
    # The workers must keep up with what the API accepts, or the tasks queue without end.
    ("ingest", "tasks after *", "stays_per_s", ">=", 3000, "the ingestion's tasks on one worker: >= 3,000 stays/s"),
    ("import", "first import", "seconds", "<", 60, "CSV import of the 119,390-row dataset: < 60 s"),
    ("performance", "report *", "p95_ms", "<", 300, "hotel performance report, 5,000,000 stays: p95 < 300 ms"),
    ("segmentation", "*", "seconds", "<", 90, "segmentation + churn (1M guests, 5M stays): < 90 s together"),
]


def _passes(value, op, target) -> bool | None:
    if not isinstance(value, int | float):
        return None
    return value < target if op == "<" else value >= target


def target_for(section: str, case: str):
    for sec, c, metric, op, target, text in TARGETS:
        if sec == section and (c == case or c == "*" or (c.endswith("*") and case.startswith(c[:-1]))):
            return metric, op, target, text
    return None


def annotate(results: dict) -> list[dict]:
    """Compare every measured case that has a SPEC target; returns the verdict rows."""
    verdicts = []
    for section, cases in results.items():
        if not isinstance(cases, dict):
            continue
        for case, stats in cases.items():
            if not isinstance(stats, dict):
                continue
            found = target_for(section, case)
            if not found:
                continue
            metric, op, target, text = found
            value = stats.get(metric)
            ok = _passes(value, op, target)
            if ok is None:
                continue
            stats["target"] = f"{metric} {op} {target}"
            stats["meets_target"] = ok
            verdicts.append(
                {
                    "section": section,
                    "case": case,
                    "metric": metric,
                    "value": value,
                    "target": f"{op} {target}",
                    "ok": ok,
                    "spec": text,
                }
            )
    return verdicts


def print_table(results: dict, out=print) -> None:
    header = (
        f"{'section':<13} {'case':<30} {'p50':>8} {'p95':>8} {'p99':>8} {'cpu p50':>8} {'other':<26} {'target':<14} ok"
    )
    out("")
    out("milliseconds; cpu p50 = median CPU time of the Django process (SQL excluded)")
    out(header)
    out("-" * len(header))
    for section, cases in results.items():
        if not isinstance(cases, dict):
            continue
        if "status" in cases and not any(isinstance(v, dict) for v in cases.values()):
            reason = str(cases.get("reason") or "").strip().splitlines()
            out(f"{section:<13} {cases['status']}" + (f" ({reason[-1][:90]})" if reason else ""))
            continue
        for case, stats in cases.items():
            if not isinstance(stats, dict):
                continue
            other = []
            if "right_first" in stats:
                other.append(f"1st {stats['right_first']:.0%}")
            if "right_top5" in stats:
                other.append(f"top5 {stats['right_top5']:.0%}")
            for key in ("stays_per_s", "seconds", "queries", "recall", "arrivals", "stays"):
                if key in stats:
                    value = stats[key]
                    label = {
                        "stays_per_s": "stays/s",
                        "seconds": "s",
                        "queries": "queries",
                        "recall": "recall",
                        "arrivals": "rows",
                        "stays": "stays",
                    }[key]
                    if key == "recall":
                        other.append(f"recall {value:.0%}")
                    elif key == "stays_per_s":
                        other.append("no tasks" if value is None else f"{value:,} stays/s")
                    else:
                        other.append(f"{value} {label}")
            p = [stats.get(k) for k in ("p50_ms", "p95_ms", "p99_ms", "cpu_p50_ms")]
            cells = [f"{v:8.1f}" if isinstance(v, int | float) else f"{'':>8}" for v in p]
            target = stats.get("target", "")
            ok = {True: "yes", False: "NO"}.get(stats.get("meets_target"), "")
            out(f"{section:<13} {case[:30]:<30} {' '.join(cells)} {', '.join(other)[:26]:<26} {target:<14} {ok}")
    out("")


def write(report: dict, path: Path = REPORT_PATH) -> Path:
    path.write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False) + "\n")
    return path
