"""Geometry for the dashboards' server-side SVG charts (templates draw it).

No chart library and no JavaScript: every shape is computed here from the run's figures
and rendered by ``templates/analytics/charts/*.svg.html``.
"""

from __future__ import annotations

COLOURS = {
    "vip": "#6a3fa0",
    "major": "#1f5f8b",
    "ordinary": "#0b8a8a",
    "small": "#9fb3c8",
    "inactive": "#d0d7de",
    "prospect": "#eef2f6",
    "booked": "#f5e6c8",
    "none": "#ffffff",
}


def _f(value: float) -> str:
    return f"{value:.1f}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def pyramid_chart(segments: list[dict], *, width: int = 640, level_height: int = 58) -> dict:
    """A four-level pyramid (VIP on top) and, beside each level, bars of its share of
    guests and of revenue."""
    top, apex_width, base_width, cx = 10, 84, 300, 160
    height = level_height * len(segments)
    bar_x, bar_width = 340, width - 340 - 150
    levels = []

    def breadth(y: float) -> float:  # a truncated pyramid, so the top label fits
        return apex_width + (base_width - apex_width) * (y - top) / height

    for i, seg in enumerate(segments):
        y1, y2 = top + i * level_height, top + (i + 1) * level_height
        w1, w2 = breadth(y1), breadth(y2)
        points = " ".join(
            f"{_f(x)},{_f(y)}" for x, y in ((cx - w1 / 2, y1), (cx + w1 / 2, y1), (cx + w2 / 2, y2), (cx - w2 / 2, y2))
        )
        guest_share = seg.get("guest_share") or 0.0
        revenue_share = seg.get("revenue_share")
        levels.append(
            {
                "code": seg["code"],
                "label": seg["label"],
                "count": seg["count"],
                "points": points,
                "colour": COLOURS[seg["code"]],
                "text_colour": "#ffffff" if seg["code"] in ("vip", "major", "ordinary") else "#1d2433",
                "text_x": cx,
                "text_y": _f(y1 + level_height * 0.62),
                "bar_y_guests": _f(y1 + 10),
                "bar_y_revenue": _f(y1 + 30),
                "text_y_guests": _f(y1 + 20),
                "text_y_revenue": _f(y1 + 40),
                "guest_width": _f(max(0.0, min(1.0, guest_share)) * bar_width),
                "revenue_width": _f(max(0.0, min(1.0, revenue_share or 0.0)) * bar_width),
                "guest_label": _percent(seg.get("guest_share")),
                "revenue_label": _percent(revenue_share),
                "label_x": _f(bar_x + bar_width + 6),
            }
        )
    return {
        "width": width,
        "height": top * 2 + height,
        "levels": levels,
        "bar_x": bar_x,
        "bar_width": bar_width,
    }


def shares_chart(segments: list[dict], *, width: int = 640) -> dict:
    """Two 100 % stacked bars: how guests and how revenue split over the segments."""
    left, bar_width = 90, width - 100
    rows = []
    for key, y in (("guest_share", 8), ("revenue_share", 44)):
        x = float(left)
        parts = []
        for seg in segments:
            share = max(0.0, seg.get(key) or 0.0)
            w = share * bar_width
            parts.append(
                {
                    "code": seg["code"],
                    "label": seg["label"],
                    "x": _f(x),
                    "width": _f(w),
                    "colour": COLOURS[seg["code"]],
                    "text": _percent(seg.get(key)),
                    "show_text": w >= 44,
                    "text_x": _f(x + w / 2),
                    "text_colour": "#ffffff" if seg["code"] in ("vip", "major", "ordinary") else "#1d2433",
                }
            )
            x += w
        rows.append({"key": key, "y": y, "text_y": y + 19, "parts": parts})
    return {"width": width, "height": 84, "left": left, "rows": rows, "legend": _legend(segments, width)}


def _legend(segments: list[dict], width: int) -> list[dict]:
    step = width / max(1, len(segments))
    return [
        {"x": _f(i * step), "text_x": _f(i * step + 16), "colour": COLOURS[s["code"]], "label": s["label"]}
        for i, s in enumerate(segments)
    ]


def lorenz_chart(
    points: list[list[float]], *, top_share: float | None, top_guests: int, active: int, size: int = 360
) -> dict:
    """Lorenz curve against the line of equality, with the top-20 % point marked."""
    margin = 44
    plot = size - 2 * margin
    low = min([0.0] + [p[1] for p in points])  # refunds can push the curve below zero

    def xy(p: float, v: float) -> tuple[float, float]:
        return margin + p * plot, margin + (1 - (v - low) / (1 - low)) * plot

    curve = " ".join(f"{_f(x)},{_f(y)}" for x, y in (xy(p, v) for p, v in points))
    area = ""
    if points:
        area = curve + " " + " ".join(f"{_f(x)},{_f(y)}" for x, y in (xy(1, 1), xy(0, 0)))
    ticks = []
    for i in range(0, 6):
        share = i / 5
        x, _y = xy(share, low)
        _x, y = xy(0, low + share * (1 - low))
        ticks.append(
            {
                "x": _f(x),
                "y": _f(y),
                "x_label": f"{share * 100:.0f} %",
                "y_label": f"{(low + share * (1 - low)) * 100:.0f} %",
            }
        )
    marker = None
    if top_share is not None and active:
        p = (active - top_guests) / active
        x, y = xy(p, 1 - top_share)
        x1, y1 = xy(p, low)
        _x0, y_top = xy(p, 1)
        marker = {"x": _f(x), "y": _f(y), "y_base": _f(y1), "y_top": _f(y_top), "label": _percent(top_share)}
    x0, y0 = xy(0, 0)
    x1, y1 = xy(1, 1)
    return {
        "size": size,
        "margin": margin,
        "plot": plot,
        "end": margin + plot,
        "curve": curve,
        "area": area,
        "equality": {"x1": _f(x0), "y1": _f(y0), "x2": _f(x1), "y2": _f(y1)},
        "ticks": ticks,
        "marker": marker,
    }


def trend_chart(series: list[dict], *, width: int = 640, height: int = 232) -> dict:
    """Top-share and Gini over the runs (0-100 %), the x axis labelled by run date."""
    left, right, top, bottom = 44, 16, 12, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(series)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + (1 - max(0.0, min(1.0, v))) * plot_h

    lines = []
    for key, colour in (("top20_share", COLOURS["vip"]), ("gini", COLOURS["ordinary"])):
        pts = [(x(i), y(p[key])) for i, p in enumerate(series) if p.get(key) is not None]
        lines.append(
            {
                "key": key,
                "colour": colour,
                "points": " ".join(f"{_f(a)},{_f(b)}" for a, b in pts),
                "dots": [{"x": _f(a), "y": _f(b)} for a, b in pts],
            }
        )
    grid = [{"y": _f(y(v / 4)), "label": f"{v * 25} %"} for v in range(5)]
    labels = []
    if n:
        wanted = sorted({0, n // 2, n - 1})
        labels = [
            {
                "x": _f(x(i)),
                "label": series[i]["as_of"].isoformat(),
                "anchor": "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle",
            }
            for i in wanted
        ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": top + plot_h,
        "lines": lines,
        "grid": grid,
        "labels": labels,
        "label_y": top + plot_h + 16,
        "axis_y": height - 4,
    }
