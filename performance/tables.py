"""Each report's tables as header + rows: the page shows them and the CSV export writes
them, cell for cell, so both carry the same numbers.  Rates are percentages with two
decimals; amounts are in the chain currency (named in every amount's header)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from guests.money import chain_currency


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list]


def pct(value) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def cell(value):
    return "" if value is None else value


def _amount(label: str) -> str:
    return f"{label} ({chain_currency()})"


def production_tables(data: dict) -> list[Table]:
    header = [
        _("period"),
        _("room nights"),
        _("stays"),
        _amount(_("room revenue")),
        _amount(_("F&B revenue")),
        _amount(_("other revenue")),
        _amount(_("total revenue")),
        _amount(_("ADR")),
        _("rooms available"),
        _("occupancy (%)"),
        _amount(_("RevPAR")),
        _("room nights last year"),
        _("stays last year"),
        _amount(_("room revenue last year")),
        _amount(_("ADR last year")),
        _("room nights change (%)"),
    ]

    def line(label, c, ly, change):
        return [
            label,
            c["room_nights"],
            c["stays"],
            c["room_revenue"],
            c["fnb_revenue"],
            c["other_revenue"],
            c["total_revenue"],
            cell(c["adr"]),
            cell(c["rooms_available"]),
            pct(c["occupancy"]),
            cell(c["revpar"]),
            ly["room_nights"],
            ly["stays"],
            ly["room_revenue"],
            cell(ly["adr"]),
            pct(change["room_nights"]),
        ]

    rows = [line(r["period"].isoformat(), r["current"], r["last_year"], r["change"]) for r in data["rows"]]
    rows.append(line(_("Total"), data["total"], data["last_year_total"], data["change"]))
    return [Table("production", _("Production"), header, rows)]


def _cancellation_cells(r: dict) -> list:
    return [
        r["bookings"],
        r["checked_out"],
        r["cancelled"],
        r["no_show"],
        r["cancelled_incl_no_show"],
        pct(r["cancellation_rate"]),
        pct(r["cancelled_rate"]),
        pct(r["no_show_rate"]),
        r["lost_revenue"],
    ]


def _cancellation_header(first: str) -> list[str]:
    return [
        first,
        _("bookings"),
        _("checked out"),
        _("cancelled"),
        _("no-shows"),
        _("cancelled incl. no-shows"),
        _("cancellation rate (%)"),
        _("cancelled (%)"),
        _("no-show (%)"),
        _amount(_("lost revenue")),
    ]


def cancellation_tables(data: dict) -> list[Table]:
    total = [_("Total"), *_cancellation_cells(data["total"])]
    last_year = [_("Last year"), *_cancellation_cells(data["last_year_total"])]
    lead_header = [*_cancellation_header(_("lead time (days)")), _("share of cancellations (%)")]
    return [
        Table(
            "arrival-month",
            _("By arrival month"),
            _cancellation_header(_("arrival month")),
            [[r["month"].strftime("%Y-%m"), *_cancellation_cells(r)] for r in data["by_arrival_month"]]
            + [total, last_year],
        ),
        Table(
            "booking-month",
            _("By booking month"),
            _cancellation_header(_("booking month")),
            [[r["month"].strftime("%Y-%m"), *_cancellation_cells(r)] for r in data["by_booking_month"]],
        ),
        Table(
            "lead-time",
            _("Lead-time profile"),
            lead_header,
            [
                [r["lead_time"], *_cancellation_cells(r), pct(r["share_of_cancellations"])]
                for r in data["lead_time_profile"]
            ],
        ),
    ]


def source_tables(data: dict, *, limit: int | None = None) -> list[Table]:
    header = [
        _("value"),
        _("bookings"),
        _("share (%)"),
        _("stays"),
        _("room nights"),
        _amount(_("room revenue")),
        _amount(_("ADR")),
        _("cancellation rate (%)"),
        _("average lead time (days)"),
        _("bookings last year"),
        _("share last year (%)"),
        _("share change (points)"),
    ]
    tables = []
    for d in data["dimensions"]:
        rows = [
            [
                r["label"],
                r["bookings"],
                pct(r["share"]),
                r["stays"],
                r["room_nights"],
                r["room_revenue"],
                cell(r["adr"]),
                pct(r["cancellation_rate"]),
                cell(r["average_lead_time"]),
                r["last_year_bookings"],
                pct(r["last_year_share"]),
                pct(r["share_change_points"]),
            ]
            for r in d["rows"][:limit]
        ]
        tables.append(Table(d["dimension"].replace("_", "-"), d["label"], header, rows))
    return tables


def pattern_tables(data: dict) -> list[Table]:
    header = [
        _("bookings"),
        _("share (%)"),
        _("stayed"),
        _("share of stayed (%)"),
        _("cancelled incl. no-shows"),
        _("cancellation rate (%)"),
    ]

    def cells(r):
        return [
            r["bookings"],
            pct(r["share"]),
            r["stayed"],
            pct(r["stayed_share"]),
            r["cancelled_incl_no_show"],
            pct(r["cancellation_rate"]),
        ]

    return [
        Table(
            "booking-window",
            _("Booking window"),
            [_("lead time (days)"), *header],
            [[r["bucket"], *cells(r)] for r in data["booking_window"]],
        ),
        Table(
            "length-of-stay",
            _("Length of stay"),
            [_("nights"), *header],
            [[r["bucket"], *cells(r)] for r in data["length_of_stay"]],
        ),
        Table(
            "day-of-week",
            _("Day of week"),
            [_("weekday"), _("room nights"), _("share (%)"), _("arrivals"), _("share of arrivals (%)")],
            [
                [r["weekday"], r["room_nights"], pct(r["room_nights_share"]), r["arrivals"], pct(r["arrivals_share"])]
                for r in data["day_of_week"]
            ],
        ),
    ]


def pace_tables(data: dict) -> list[Table]:
    header = [
        _("arrival date"),
        _("bookings on the books"),
        _("room nights on the books"),
        _("same date last year"),
        _("bookings last year"),
        _("room nights last year"),
    ]
    rows = [
        [
            r["arrival_date"].isoformat(),
            r["bookings"],
            r["room_nights"],
            r["last_year_date"].isoformat(),
            r["last_year_bookings"],
            r["last_year_room_nights"],
        ]
        for r in data["rows"]
    ]
    t = data["total"]
    rows.append([_("Total"), t["bookings"], t["room_nights"], "", t["last_year_bookings"], t["last_year_room_nights"]])
    return [Table("pace", _("On the books, next 90 days"), header, rows)]


def forecast_tables(data: dict) -> list[Table]:
    forecast_rows, backtest_rows = [], []
    for p in data["properties"]:
        for measure, m in p["measures"].items():
            for r in m["forecast"]:
                forecast_rows.append(
                    [p["property"], measure, r["month"].strftime("%Y-%m"), r["forecast"], r["low_80"], r["high_80"]]
                )
            b = m["backtest"]
            for r in b["rows"]:
                backtest_rows.append(
                    [p["property"], measure, r["month"].strftime("%Y-%m"), r["actual"], r["model"], r["seasonal_naive"]]
                )
            backtest_rows.append(
                [p["property"], measure, _("MAPE (%)"), "", pct(b["model_mape"]), pct(b["seasonal_naive_mape"])]
            )
    return [
        Table(
            "forecast",
            _("Forecast, next 12 months"),
            [_("property"), _("measure"), _("month"), _("forecast"), _("low (P10)"), _("high (P90)")],
            forecast_rows,
        ),
        Table(
            "backtest",
            _("Backtest: the last 6 months"),
            [_("property"), _("measure"), _("month"), _("actual"), _("model"), _("seasonal naive")],
            backtest_rows,
        ),
    ]


def _repeat_cells(r: dict) -> list:
    return [
        r["guests"],
        r["repeat_guests"],
        pct(r["repeat_rate"]),
        r["multi_stay_guests"],
        pct(r["multi_stay_rate"]),
    ]


def _churn_cells(r: dict) -> list:
    return [
        r["active_at_start"],
        r["opened"],
        pct(r["churn_rate"]),
        r["still_open"],
        r["won_back"],
        r["returned"],
        r["rebooked"],
        r["cleared"],
        r["lost"],
    ]


def guest_rate_tables(data: dict) -> list[Table]:
    repeat, conversion, members, churn = data["repeat"], data["conversion"], data["members"], data["churn"]
    repeat_header = [
        _("month"),
        _("guests"),
        _("repeat guests"),
        _("repeat rate (%)"),
        _("guests with 2+ stays"),
        _("2+ stays (%)"),
    ]
    churn_header = [
        _("month"),
        _("guests active at the start"),
        _("warnings opened"),
        _("churn rate (%)"),
        _("still open"),
        _("won back"),
        _("returned"),
        _("booked again"),
        _("no longer flagged"),
        _("lost"),
    ]
    cohort_rows = [
        [
            r["month"].strftime("%Y-%m"),
            r["guests"],
            r["converted"],
            pct(r["conversion_rate"]),
            cell(r["window_closes"] and r["window_closes"].isoformat()),
            _("maturing") if r["maturing"] else "",
        ]
        for r in conversion["by_month"]
    ]
    for label, t in (
        (_("Total (months complete)"), conversion["total"]),
        (_("Last year"), conversion["last_year_total"]),
    ):
        cohort_rows.append([label, t["guests"], t["converted"], pct(t["conversion_rate"]), "", ""])
    return [
        Table(
            "repeat",
            _("Repeat rate"),
            repeat_header,
            [[r["month"].strftime("%Y-%m"), *_repeat_cells(r)] for r in repeat["by_month"]]
            + [
                [_("Total"), *_repeat_cells(repeat["total"])],
                [_("Last year"), *_repeat_cells(repeat["last_year_total"])],
            ],
        ),
        Table(
            "conversion",
            _("First-to-second-stay conversion within 12 months"),
            [
                _("first-stay month"),
                _("guests"),
                _("second stay within 365 days"),
                _("conversion (%)"),
                _("window closes"),
                _("status"),
            ],
            cohort_rows,
        ),
        Table(
            "members",
            _("Member activity"),
            [_("tier"), _("members"), _("active members"), _("activity rate (%)")],
            [[r["label"], r["members"], r["active_members"], pct(r["activity_rate"])] for r in members["by_tier"]]
            + [
                [
                    _("Total"),
                    members["total"]["members"],
                    members["total"]["active_members"],
                    pct(members["total"]["activity_rate"]),
                ]
            ],
        ),
        Table(
            "churn",
            _("Churn rate from the churn warnings"),
            churn_header,
            [[r["month"].strftime("%Y-%m"), *_churn_cells(r)] for r in churn["by_month"]]
            + [[_("Total"), *_churn_cells(churn["total"])], [_("Last year"), *_churn_cells(churn["last_year_total"])]],
        ),
    ]
