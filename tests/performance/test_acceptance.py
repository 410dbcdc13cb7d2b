"""Acceptance on the published file: the product's own API against a direct pandas
computation on the same file, figure by figure (skips where the file is absent)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from guests import importers
from performance.services import facts_rebuild
from tests.guests.dataset import DATASET, needs_dataset

PERIOD = {"start": "2015-07-01", "end": "2017-12-31"}
HOTELS = {"H1": "Resort Hotel", "H2": "City Hotel"}
CENT = Decimal("0.01")


def _expected() -> dict:
    df = pd.read_csv(DATASET, keep_default_na=False, dtype=str)
    df["nights"] = df["stays_in_weekend_nights"].astype(int) + df["stays_in_week_nights"].astype(int)
    df["lead"] = df["lead_time"].astype(int)
    df["room"] = [(Decimal(a) * n).quantize(CENT) for a, n in zip(df["adr"], df["nights"], strict=True)]
    out = {"chain_status": df["reservation_status"].value_counts().to_dict()}
    for code, name in HOTELS.items():
        h = df[df["hotel"] == name]
        stayed = h[h["is_canceled"] == "0"]
        room_nights = int(stayed["nights"].sum())
        revenue = sum(stayed["room"], Decimal(0))
        out[code] = {
            "bookings": len(h),
            "cancelled_incl_no_show": int((h["is_canceled"] == "1").sum()),
            "no_show": int((h["reservation_status"] == "No-Show").sum()),
            "checked_out": int((h["reservation_status"] == "Check-Out").sum()),
            "room_nights": room_nights,
            "room_revenue": revenue,
            "adr": (revenue / room_nights).quantize(CENT),
            "average_lead_time": (Decimal(int(h["lead"].sum())) / len(h)).quantize(CENT),
            "country": h["country"].replace("NULL", "").value_counts().to_dict(),
            "distribution_channel": h["distribution_channel"].value_counts().to_dict(),
            "market_segment": h["market_segment"].value_counts().to_dict(),
        }
    return out


def _dec(value) -> Decimal:
    return Decimal(str(value))


def _mix(data: dict, dimension: str) -> dict:
    table = next(d for d in data["dimensions"] if d["dimension"] == dimension)
    return {r["value"]: r["bookings"] for r in table["rows"]}


@needs_dataset
@pytest.mark.postgres
@pytest.mark.dataset
def test_the_api_reports_what_the_file_says(db, api, sales_manager):
    result = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert result.created == 119_390
    facts_rebuild()
    expected = _expected()
    client = api.as_user(sales_manager)
    published = {"H1": (40_060, 11_122, "0.277634"), "H2": (79_330, 33_102, "0.417270")}
    for code, figures in ((c, expected[c]) for c in HOTELS):
        query = {**PERIOD, "property": code}
        cancellations = client.get("/api/v1/analytics/performance/cancellations/", query).json()
        total = cancellations["total"]
        bookings, cancelled, rate = published[code]
        assert (total["bookings"], total["cancelled_incl_no_show"]) == (bookings, cancelled)
        assert f"{total['cancellation_rate']:.6f}" == rate
        assert round(total["cancellation_rate"] * 100, 2) == {"H1": 27.76, "H2": 41.73}[code]
        for key in ("bookings", "cancelled_incl_no_show", "no_show", "checked_out"):
            assert total[key] == figures[key], key
        assert _dec(total["average_lead_time"]) == figures["average_lead_time"]

        production = client.get("/api/v1/analytics/performance/production/", {**query, "granularity": "month"}).json()
        assert production["total"]["room_nights"] == figures["room_nights"]
        assert _dec(production["total"]["room_revenue"]) == figures["room_revenue"]
        assert _dec(production["total"]["adr"]) == figures["adr"]
        assert production["total"]["stays"] == figures["checked_out"]
        assert production["definitions"]["currency"] == "EUR"

        sources = client.get("/api/v1/analytics/performance/sources/", query).json()
        for dimension in ("country", "distribution_channel", "market_segment"):
            assert _mix(sources, dimension) == figures[dimension], dimension

    chain = client.get("/api/v1/analytics/performance/cancellations/", PERIOD).json()["total"]
    assert chain["checked_out"] == expected["chain_status"]["Check-Out"] == 75_166
    assert chain["cancelled"] == expected["chain_status"]["Canceled"] == 43_017
    assert chain["no_show"] == expected["chain_status"]["No-Show"] == 1_207
