"""The facts of a property × date range built by PostgreSQL itself (``INSERT …
SELECT`` over ``generate_series``): the same rules as ``facts._Facts`` (which builds
them in Python on other databases; a test holds the two equal), fast enough to run on
every stay write and over a whole chain at night."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from ..buckets import LEAD_BOUNDS, MAX_LOS, earliest_arrival

_DIMENSIONS = (
    "channel, distribution_channel, market_segment, country, customer_type, agent_code, company_code, "
    "status_class, is_repeat"
)
_LEAD = (
    "CASE WHEN s.lead_time_days IS NULL THEN NULL "
    + " ".join(f"WHEN s.lead_time_days >= {bound} THEN {bound}" for bound in reversed(LEAD_BOUNDS))
    + " END"
)
# One row per stay: its dimensions and its amounts in chain-currency cents.
_STAYS = f"""
    SELECT s.id, s.property_id, s.arrival_date, s.departure_date, s.nights, s.booking_date, s.lead_time_days,
        s.channel, s.distribution_channel, s.market_segment, s.country, s.customer_type, s.agent_code,
        s.company_code,
        CASE s.status WHEN 'checked_out' THEN 'realised' WHEN 'in_house' THEN 'realised'
            WHEN 'reserved' THEN 'on_books' ELSE s.status END AS status_class,
        (s.is_repeated_guest OR s.previous_bookings_not_canceled > 0 OR (s.guest_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM guests_stay p WHERE p.guest_id = s.guest_id AND p.status IN ('checked_out', 'in_house')
            AND p.arrival_date < s.arrival_date))) AS is_repeat,
        ROUND(s.room_revenue * s.exchange_rate, 2) * 100 AS room_c,
        ROUND(s.fnb_revenue * s.exchange_rate, 2) * 100 AS fnb_c,
        ROUND(s.other_revenue * s.exchange_rate, 2) * 100 AS other_c,
        COALESCE(s.lost_revenue_chain, 0) * 100 AS lost_c,
        GREATEST(s.departure_date - s.arrival_date, 1) AS n,
        {_LEAD} AS lead_bucket
    FROM guests_stay s
    WHERE s.property_id = %(property)s AND s.arrival_date BETWEEN %(earliest)s AND %(last)s
        AND (s.departure_date > %(first)s OR s.arrival_date >= %(first)s)
"""


def _night_share(column: str) -> str:
    # The stay's cents over its nights, the remainder on the first night.
    return (
        f"SUM(FLOOR(x.{column} / x.n) + CASE WHEN d.day = x.arrival_date "
        f"THEN x.{column} - FLOOR(x.{column} / x.n) * x.n ELSE 0 END) / 100"
    )


_NIGHTS = f"""
    INSERT INTO performance_nightfact (property_id, stay_date, {_DIMENSIONS},
        room_nights, room_revenue, fnb_revenue, other_revenue, lost_revenue)
    SELECT x.property_id, d.day, x.channel, x.distribution_channel, x.market_segment, x.country, x.customer_type,
        x.agent_code, x.company_code, x.status_class, x.is_repeat,
        SUM(CASE WHEN x.nights > 0 THEN 1 ELSE 0 END),
        {_night_share("room_c")}, {_night_share("fnb_c")}, {_night_share("other_c")}, {_night_share("lost_c")}
    FROM ({_STAYS}) x
    CROSS JOIN LATERAL (
        SELECT g::date AS day FROM generate_series(
            GREATEST(x.arrival_date, %(first)s::date),
            LEAST(GREATEST(x.departure_date - 1, x.arrival_date), %(last)s::date), interval '1 day') g
    ) d
    GROUP BY x.property_id, d.day, x.channel, x.distribution_channel, x.market_segment, x.country, x.customer_type,
        x.agent_code, x.company_code, x.status_class, x.is_repeat
"""
_BOOKINGS = f"""
    INSERT INTO performance_bookingfact (property_id, arrival_date, booking_month, lead_bucket, los, {_DIMENSIONS},
        bookings, room_nights, lead_time_sum, lead_time_known, room_revenue, lost_revenue)
    SELECT x.property_id, x.arrival_date, date_trunc('month', x.booking_date)::date, x.lead_bucket,
        LEAST(x.nights, {MAX_LOS}), x.channel, x.distribution_channel, x.market_segment, x.country, x.customer_type,
        x.agent_code, x.company_code, x.status_class, x.is_repeat,
        COUNT(*), SUM(x.nights), COALESCE(SUM(x.lead_time_days), 0), COUNT(x.lead_time_days),
        SUM(x.room_c) / 100, SUM(x.lost_c) / 100
    FROM ({_STAYS}) x
    WHERE x.arrival_date >= %(first)s
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
"""
_SPANS = """
    INSERT INTO performance_stayspan (stay_id, property_id, first_date, last_date)
    SELECT s.id, s.property_id, s.arrival_date, GREATEST(s.departure_date - 1, s.arrival_date)
    FROM guests_stay s
    WHERE s.property_id = %(property)s AND s.arrival_date BETWEEN %(earliest)s AND %(last)s
        AND (s.departure_date > %(first)s OR s.arrival_date >= %(first)s)
    ON CONFLICT (stay_id) DO UPDATE SET property_id = EXCLUDED.property_id,
        first_date = EXCLUDED.first_date, last_date = EXCLUDED.last_date
"""


def rebuild_range_sql(property_id: int, first: dt.date, last: dt.date) -> dict:
    """Insert the facts of one property over ``first``..``last`` (the caller deleted the
    old ones, in its transaction)."""
    params = {"property": property_id, "first": first, "last": last, "earliest": earliest_arrival(first)}
    with connection.cursor() as cursor:
        # generate_series is estimated at 1,000 rows a stay: the planner would JIT-compile
        # a plan that runs in milliseconds (seconds of compiling per refresh).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_NIGHTS, params)
        nights = cursor.rowcount
        cursor.execute(_BOOKINGS, params)
        bookings = cursor.rowcount
        cursor.execute(_SPANS, params)
        stays = cursor.rowcount
    return {"night_rows": nights, "booking_rows": bookings, "stays": stays}
