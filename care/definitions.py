"""What the care pages' figures mean, read from the rules themselves (``care.churn``,
``care.integrations``), so the definitions shown next to a list always match the
numbers behind it.  Pure: no query."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import churn, integrations

SEGMENT_LABELS = {
    "vip": _("VIP"),
    "major": _("Major"),
    "ordinary": _("Ordinary"),
    "small": _("Small"),
}


def churn_definitions() -> dict:
    """The churn rules and score parts, as numbers for the templates."""
    return {
        "lapse_min_days": churn.LAPSE_MIN_DAYS,
        "decline_min_previous": churn.DECLINE_MIN_PREVIOUS,
        "segment_points": [
            {"label": str(SEGMENT_LABELS.get(code, code)), "points": points}
            for code, points in churn.SEGMENT_POINTS.items()
        ],
        "other_segment_points": churn.OTHER_SEGMENT_POINTS,
        "reason_points": churn.REASON_POINTS,
        "extra_reason_points": churn.EXTRA_REASON_POINTS,
        "recency_points": churn.RECENCY_POINTS,
        "recency_horizon_days": churn.RECENCY_HORIZON_DAYS,
        "at_risk_segments": ", ".join(str(SEGMENT_LABELS[code]) for code in integrations.AT_RISK_SEGMENTS),
    }
