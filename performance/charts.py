"""Geometry of the reports' server-side SVG charts (``templates/performance/chart.svg.html``
draws it): bars for this period, a line for last year, and bands for a forecast's
interval.  No chart library and no JavaScript."""

from __future__ import annotations

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 36


def _f(value: float) -> str:
    return f"{value:.1f}"


def _scale(values: list[float]) -> float:
    top = max([v for v in values if v is not None] + [0.0])
    if top <= 0:
        return 1.0
    step = 10 ** (len(str(int(top))) - 1)
    return float((int(top / step) + 1) * step)


def _label(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def bar_chart(
    labels: list[str],
    values: list[float | None],
    *,
    last_year: list[float | None] | None = None,
    band: list[tuple[float, float] | None] | None = None,
    title: str = "",
    series: str = "",
    reference: str = "",
) -> dict:
    """Bars of ``values`` over ``labels``; last year's values as a line; ``band`` (low,
    high) pairs drawn as whiskers (a prediction interval)."""
    n = max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    everything = [float(v) for v in values if v is not None]
    everything += [float(v) for v in (last_year or []) if v is not None]
    everything += [float(b[1]) for b in (band or []) if b is not None]
    top = _scale(everything)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1.0)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * max(0.0, float(value)) / top

    bars, line, whiskers, ticks = [], [], [], []
    every = max(1, n // 12)
    for i, label in enumerate(labels):
        x = LEFT + i * slot + (slot - bar_w) / 2
        value = values[i]
        if value is not None:
            bars.append(
                {
                    "x": _f(x),
                    "y": _f(y(value)),
                    "w": _f(bar_w),
                    "h": _f(TOP + plot_h - y(value)),
                    "title": f"{label}: {value}",
                }
            )
        if last_year and last_year[i] is not None:
            line.append(f"{_f(x + bar_w / 2)},{_f(y(last_year[i]))}")
        if band and band[i] is not None:
            whiskers.append({"x": _f(x + bar_w / 2), "y1": _f(y(band[i][0])), "y2": _f(y(band[i][1]))})
        if i % every == 0:
            ticks.append({"x": _f(x + bar_w / 2), "label": label})
    grid = [{"y": _f(y(top * k / 4)), "label": _label(top * k / 4)} for k in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h,
        "label_y": HEIGHT - 10,
        "bars": bars,
        "line": " ".join(line),
        "whiskers": whiskers,
        "ticks": ticks,
        "grid": grid,
        "title": title,
        "series": series,
        "reference": reference,
    }
