"""Forecast: room nights and room revenue per property for the next 12 months, from
Holt-Winters exponential smoothing (statsmodels, additive seasonality of 12 months)
with an 80 % prediction interval (10th-90th percentile of simulated paths), and a
backtest: the same model trained on all but the last 6 months, its MAPE on those
months next to a seasonal-naive baseline's (each month = the same month a year before).

The history is every complete month of realised and on-the-books nights (``NightFact``)
up to the last month with arrivals, or last month when data is live; the period filter
does not apply (the model needs all of it), the other filters do.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict

import numpy as np
from django.db.models import Max, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from guests.models import Property

from ..models import BookingFact, NightFact
from . import routing
from .common import STAYED, as_date, definitions
from .filters import ReportFilter

SEASON = 12
HORIZON = 12
BACKTEST = 6
MIN_MONTHS = SEASON + 2 + BACKTEST  # a season and a bit to fit on, six to test on
SIMULATIONS = 1000
MEASURES = ("room_nights", "room_revenue")


def _month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _fit(values: np.ndarray):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    method = "estimated" if len(values) >= 2 * SEASON else "legacy-heuristic"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ExponentialSmoothing(values, seasonal="add", seasonal_periods=SEASON, initialization_method=method).fit()


def mape(actual: list[float], predicted: list[float]) -> float | None:
    """Mean absolute percentage error over the months with a non-zero actual."""
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a]
    if not pairs:
        return None
    return round(sum(abs(a - p) / abs(a) for a, p in pairs) / len(pairs), 6)


def backtest(months: list[dt.date], values: list[float]) -> dict:
    """Train on all but the last ``BACKTEST`` months; the model's and the seasonal-naive
    baseline's forecasts of those months and their MAPE."""
    train, actual = values[:-BACKTEST], values[-BACKTEST:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = [max(0.0, float(v)) for v in _fit(np.asarray(train, dtype=float)).forecast(BACKTEST)]
    naive = [float(values[len(train) + i - SEASON]) for i in range(BACKTEST)]
    rows = [
        {
            "month": months[len(train) + i],
            "actual": round(actual[i], 2),
            "model": round(model[i], 2),
            "seasonal_naive": round(naive[i], 2),
        }
        for i in range(BACKTEST)
    ]
    return {
        "train_months": len(train),
        "rows": rows,
        "model_mape": mape([r["actual"] for r in rows], [r["model"] for r in rows]),
        "seasonal_naive_mape": mape([r["actual"] for r in rows], [r["seasonal_naive"] for r in rows]),
    }


def _forecast(months: list[dt.date], values: list[float]) -> list[dict]:
    fit = _fit(np.asarray(values, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = fit.forecast(HORIZON)
        paths = fit.simulate(
            HORIZON, repetitions=SIMULATIONS, error="add", anchor="end", random_state=np.random.RandomState(12)
        )
    low, high = np.percentile(paths, [10, 90], axis=1)
    return [
        {
            "month": _month_add(months[-1], i + 1),
            "forecast": round(max(0.0, float(point[i])), 2),
            "low_80": round(max(0.0, float(low[i])), 2),
            "high_80": round(max(0.0, float(high[i])), 2),
        }
        for i in range(HORIZON)
    ]


def _series(f: ReportFilter, property_ids: list[int]) -> dict[int, dict[dt.date, dict]]:
    base = routing.facts(NightFact, f, "status_class").filter(property_id__in=property_ids, status_class__in=STAYED)
    for column, value in f.dimensions:
        base = base.filter(**{column: value})
    series = defaultdict(dict)
    for row in (
        base.annotate(month=TruncMonth("stay_date"))
        .values("property_id", "month")
        .annotate(room_nights=Sum("room_nights"), room_revenue=Sum("room_revenue"))
    ):
        series[row["property_id"]][as_date(row["month"])] = row
    return series


def _last_months(property_ids: list[int]) -> dict[int, dt.date]:
    this_month = timezone.localdate().replace(day=1)
    rows = (
        routing.facts(BookingFact, None, "status_class")
        .filter(property_id__in=property_ids, status_class__in=STAYED)
        .values("property_id")
        .annotate(last=Max("arrival_date"))
    )
    return {r["property_id"]: min(r["last"].replace(day=1), _month_add(this_month, -1)) for r in rows}


def _property_forecast(prop: Property, months_data: dict, last: dt.date | None) -> dict:
    result = {"property": prop.code, "property_name": prop.name, "measures": {}, "missing": None}
    if not months_data or last is None:
        result["missing"] = str(_("No stays to forecast from."))
        return result
    months = []
    month = min(months_data)
    while month <= last:
        months.append(month)
        month = _month_add(month, 1)
    if len(months) < MIN_MONTHS:
        result["missing"] = str(
            _("Not enough history: %(n)d complete months, the model and its backtest need %(min)d.")
            % {"n": len(months), "min": MIN_MONTHS}
        )
        return result
    for measure in MEASURES:
        values = [float(months_data.get(m, {}).get(measure) or 0) for m in months]
        result["measures"][measure] = {
            "history": [{"month": m, "value": round(v, 2)} for m, v in zip(months, values, strict=True)],
            "forecast": _forecast(months, values),
            "backtest": backtest(months, values),
        }
    return result


def forecast(f: ReportFilter) -> dict:
    props = Property.objects.order_by("code")
    if f.prop is not None:
        props = props.filter(pk=f.prop.pk)
    elif f.property_ids is not None:
        props = props.filter(pk__in=f.property_ids)
    props = list(props)
    ids = [p.pk for p in props]
    try:
        import statsmodels  # noqa: F401
    except ImportError:  # requirements.txt pins it; a checkout without it still shows every other report
        return {
            "filters": f.describe(),
            "definitions": definitions("currency"),
            "properties": [],
            "missing": str(_("The forecasting library (statsmodels) is not installed.")),
        }
    series, last = _series(f, ids), _last_months(ids)
    return {
        "filters": f.describe(),
        "definitions": {
            **definitions("currency", "revenue"),
            "forecast": str(
                _(
                    "Holt-Winters exponential smoothing (additive 12-month seasonality), 12 months ahead; the band "
                    "is the 80 %% prediction interval (10th to 90th percentile of %(n)d simulated paths). Backtest: "
                    "the model trained on all but the last 6 complete months; MAPE = mean of |actual − forecast| ÷ "
                    "actual over those months; seasonal naive = the same month a year earlier."
                )
                % {"n": SIMULATIONS}
            ),
        },
        "properties": [_property_forecast(p, series.get(p.pk, {}), last.get(p.pk)) for p in props if p.pk in series],
        "missing": None,
    }
