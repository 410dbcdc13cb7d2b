"""Hotel performance reports (``performance``): sales managers and chain admins on the
pages and their CSV exports, integrators read the same figures from the API."""

from __future__ import annotations

from tests.authz.policy import INPUT, NONE, Route, _caps

# fmt: off
#                   key                 what                                                        FD GR SM CA IN IR
CAPABILITIES = _caps("Segments and care",
    ("performance",     "Hotel performance reports (production, cancellations, sources, pace, forecast, guest-level rates) and their CSV exports", "--AAAA"),
)
# fmt: on

G = "GET"
_REPORTS = ("production", "cancellations", "sources", "patterns", "pace", "forecast", "guest-rates")
_API = ("production", "cancellations", "sources", "patterns", "pace", "forecast", "guest-rates")

ROUTES = [
    *[Route(f"performance-{name}", G, "performance", NONE) for name in _API],
    Route("performance-production", G, "performance", INPUT, data=lambda o: {"property": o["code"]}, variant="hotel"),
    Route("performance:production", G, "performance"),
    *[Route("performance:report", G, "performance", kwargs={"report": f"={name}"}, variant=name) for name in _REPORTS],
    Route("performance:export", G, "performance", kwargs={"report": "=production", "table": "=production"}),
    Route("performance-guest-rates", G, "performance", INPUT, data=lambda o: {"property": o["code"]}, variant="hotel"),
    Route(
        "performance:export",
        G,
        "performance",
        kwargs={"report": "=guest-rates", "table": "=repeat"},
        variant="guest-rates",
    ),
]
