"""The snapshots and facts of a property × date range built by PostgreSQL itself
(``INSERT … SELECT``, the nights over ``generate_series``): the same rules as
``facts.stay_snapshot`` and ``facts.FactSums``, which build them in Python on other
databases (a test holds the two equal); the whole chain's rebuild at night."""

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
_SNAPSHOT_COLUMNS = (
    "stay_id, property_id, guest_id, arrival_date, last_date, nights, booking_month, lead_bucket, los, "
    f"lead_time_days, {_DIMENSIONS}, room_cents, fnb_cents, other_cents, lost_cents"
)
# Each stay counting on the range: its snapshot (amounts in chain-currency cents).
_SNAPSHOTS = f"""
    INSERT INTO performance_stayfact ({_SNAPSHOT_COLUMNS})
    SELECT s.id, s.property_id, s.guest_id, s.arrival_date, GREATEST(s.departure_date - 1, s.arrival_date),
        s.nights, date_trunc('month', s.booking_date)::date, {_LEAD}, LEAST(s.nights, {MAX_LOS}), s.lead_time_days,
        s.channel, s.distribution_channel, s.market_segment, s.country, s.customer_type, s.agent_code,
        s.company_code,
        CASE s.status WHEN 'checked_out' THEN 'realised' WHEN 'in_house' THEN 'realised'
            WHEN 'reserved' THEN 'on_books' ELSE s.status END,
        (s.is_repeated_guest OR s.previous_bookings_not_canceled > 0 OR (s.guest_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM guests_stay p WHERE p.guest_id = s.guest_id AND p.status IN ('checked_out', 'in_house')
            AND p.arrival_date < s.arrival_date))),
        ROUND(s.room_revenue * s.exchange_rate, 2) * 100,
        ROUND(s.fnb_revenue * s.exchange_rate, 2) * 100,
        ROUND(s.other_revenue * s.exchange_rate, 2) * 100,
        COALESCE(s.lost_revenue_chain, 0) * 100
    FROM guests_stay s
    WHERE s.property_id = %(property)s AND s.arrival_date BETWEEN %(earliest)s AND %(last)s
        AND (s.departure_date > %(first)s OR s.arrival_date >= %(first)s)
    ON CONFLICT (stay_id) DO UPDATE SET ({_SNAPSHOT_COLUMNS}) = ROW(
        {", ".join(f"EXCLUDED.{c.strip()}" for c in _SNAPSHOT_COLUMNS.split(","))})
"""
_COUNTING = """
    FROM performance_stayfact x
    WHERE x.property_id = %(property)s AND x.arrival_date BETWEEN %(earliest)s AND %(last)s
        AND x.last_date >= %(first)s
"""


def _night_share(column: str) -> str:
    # The stay's cents over its nights (n), the remainder (r, floored as Python's divmod)
    # on the first night; whole numbers throughout.
    r = f"MOD(MOD(x.{column}, x.n) + x.n, x.n)"
    return f"SUM((x.{column} - {r}) / x.n + CASE WHEN d.day = x.arrival_date THEN {r} ELSE 0 END) / 100.0"


_NIGHTS = f"""
    INSERT INTO performance_nightfact (property_id, stay_date, {_DIMENSIONS},
        stays, room_nights, room_revenue, fnb_revenue, other_revenue, lost_revenue)
    SELECT x.property_id, d.day, x.channel, x.distribution_channel, x.market_segment, x.country, x.customer_type,
        x.agent_code, x.company_code, x.status_class, x.is_repeat,
        COUNT(*), SUM(CASE WHEN x.nights > 0 THEN 1 ELSE 0 END),
        {_night_share("room_cents")}, {_night_share("fnb_cents")}, {_night_share("other_cents")},
        {_night_share("lost_cents")}
    FROM (SELECT x.*, (x.last_date - x.arrival_date + 1)::bigint AS n {_COUNTING}) x
    CROSS JOIN LATERAL (
        SELECT g::date AS day FROM generate_series(
            GREATEST(x.arrival_date, %(first)s::date), LEAST(x.last_date, %(last)s::date), interval '1 day') g
    ) d
    GROUP BY x.property_id, d.day, x.channel, x.distribution_channel, x.market_segment, x.country, x.customer_type,
        x.agent_code, x.company_code, x.status_class, x.is_repeat
"""
_BOOKINGS = f"""
    INSERT INTO performance_bookingfact (property_id, arrival_date, booking_month, lead_bucket, los, {_DIMENSIONS},
        bookings, room_nights, lead_time_sum, lead_time_known, room_revenue, lost_revenue)
    SELECT x.property_id, x.arrival_date, x.booking_month, x.lead_bucket, x.los, x.channel, x.distribution_channel,
        x.market_segment, x.country, x.customer_type, x.agent_code, x.company_code, x.status_class, x.is_repeat,
        COUNT(*), SUM(x.nights), COALESCE(SUM(x.lead_time_days), 0), COUNT(x.lead_time_days),
        SUM(x.room_cents) / 100.0, SUM(x.lost_cents) / 100.0
    {_COUNTING} AND x.arrival_date >= %(first)s
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
"""


def rebuild_range_sql(property_id: int, first: dt.date, last: dt.date) -> dict:
    """Insert the snapshots of the stays counting on one property's ``first``..``last``
    and the facts of those dates summed from them (the caller deleted the old ones, in its
    transaction)."""
    params = {"property": property_id, "first": first, "last": last, "earliest": earliest_arrival(first)}
    with connection.cursor() as cursor:
        # generate_series is estimated at 1,000 rows a stay: the planner would JIT-compile
        # a plan that runs in milliseconds (seconds of compiling per refresh).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_SNAPSHOTS, params)
        stays = cursor.rowcount
        cursor.execute(_NIGHTS, params)
        nights = cursor.rowcount
        cursor.execute(_BOOKINGS, params)
        bookings = cursor.rowcount
    return {"night_rows": nights, "booking_rows": bookings, "stays": stays}
