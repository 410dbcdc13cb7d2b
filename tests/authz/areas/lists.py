"""The daily lists of a property (arrivals, in-house, departures): pages, print views,
CSV and API.  Who may read them is the ``arrivals`` capability: property-bound staff at
their own hotels (another hotel named in the query → 400), chain-wide roles everywhere."""

from __future__ import annotations

from tests.authz.policy import INPUT, Route, _day

KINDS = ("arrivals", "in-house", "departures")


def _query(o):
    return {"property": o["code"], "date": _day()}


ROUTES = [
    Route("in-house", "GET", "arrivals", INPUT, data=_query),
    Route("departures", "GET", "arrivals", INPUT, data=_query),
    Route("guests:in-house", "GET", "arrivals", INPUT, data=_query),
    Route("guests:departures", "GET", "arrivals", INPUT, data=_query),
    *(
        Route("guests:daily-print", "GET", "arrivals", INPUT, kwargs={"kind": f"={k}"}, data=_query, variant=k)
        for k in KINDS
    ),
    *(
        Route("guests:daily-csv", "GET", "arrivals", INPUT, kwargs={"kind": f"={k}"}, data=_query, variant=k)
        for k in KINDS
    ),
]
