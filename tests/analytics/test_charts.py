"""Chart geometry and formatting (no database)."""

import datetime as dt

from analytics import charts
from analytics.templatetags.analytics_tags import get_item, percent

SEGMENTS = [
    {"code": "vip", "label": "VIP", "count": 1, "guest_share": 0.01, "revenue_share": 0.3},
    {"code": "major", "label": "Major", "count": 4, "guest_share": 0.04, "revenue_share": 0.25},
    {"code": "ordinary", "label": "Ordinary", "count": 15, "guest_share": 0.15, "revenue_share": 0.25},
    {"code": "small", "label": "Small", "count": 80, "guest_share": 0.80, "revenue_share": 0.20},
]


def test_percent_rounds_instead_of_truncating():
    assert percent(0.41176) == "41.2 %"
    assert percent(2 / 3) == "66.7 %"
    assert percent(None) == "—"
    assert percent(0.5, 0) == "50 %"


def test_get_item():
    assert get_item({"vip": 3}, "vip") == 3 and get_item(None, "vip") is None


def test_pyramid_levels_widen_downwards_and_bars_follow_the_shares():
    chart = charts.pyramid_chart(SEGMENTS)
    assert [level["code"] for level in chart["levels"]] == ["vip", "major", "ordinary", "small"]
    widths = []
    for level in chart["levels"]:
        xs = [float(p.split(",")[0]) for p in level["points"].split()]
        widths.append(max(xs) - min(xs))
    assert widths == sorted(widths)
    revenue_widths = [float(level["revenue_width"]) for level in chart["levels"]]
    assert revenue_widths[0] == chart["bar_width"] * 0.3
    assert chart["levels"][3]["revenue_label"] == "20.0 %"


def test_shares_chart_stacks_to_the_full_width():
    chart = charts.shares_chart(SEGMENTS)
    for row in chart["rows"]:
        total = sum(float(p["width"]) for p in row["parts"])
        assert abs(total - (chart["width"] - 100)) < 0.5


def test_lorenz_marker_sits_on_the_top_share():
    points = [[i / 100, (i / 100) ** 2] for i in range(101)]
    chart = charts.lorenz_chart(points, top_share=0.36, top_guests=20, active=100)
    margin, plot = chart["margin"], chart["plot"]
    assert float(chart["marker"]["x"]) == margin + 0.8 * plot
    assert abs(float(chart["marker"]["y"]) - (margin + 0.36 * plot)) < 0.1  # y of 1 − 0.36 = 0.64
    assert chart["marker"]["label"] == "36.0 %"
    assert len(chart["curve"].split()) == 101


def test_lorenz_below_zero_with_refunds_stays_in_the_plot():
    chart = charts.lorenz_chart([[0, 0], [0.5, -0.2], [1, 1]], top_share=0.8, top_guests=1, active=2)
    ys = [float(p.split(",")[1]) for p in chart["curve"].split()]
    assert min(ys) >= chart["margin"] - 0.01 and max(ys) <= chart["end"] + 0.01


def test_empty_lorenz_and_trend():
    assert charts.lorenz_chart([], top_share=None, top_guests=0, active=0)["marker"] is None
    assert charts.trend_chart([])["labels"] == []


def test_trend_chart_labels_first_middle_last():
    series = [{"as_of": dt.date(2026, 1, d), "top20_share": 0.7, "gini": 0.6 if d != 2 else None} for d in range(1, 6)]
    chart = charts.trend_chart(series)
    assert [label["anchor"] for label in chart["labels"]] == ["start", "middle", "end"]
    top, gini = chart["lines"]
    assert len(top["dots"]) == 5 and len(gini["dots"]) == 4
