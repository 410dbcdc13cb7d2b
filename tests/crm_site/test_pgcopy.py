"""Binary COPY from numpy arrays: what goes in comes back out of PostgreSQL unchanged."""

import datetime as dt
import struct

import numpy as np
import pytest
from django.db import connection

from crm_site import pgcopy

COLUMNS = [
    ("id", "bigint"),
    ("label", "varchar(10)"),
    ("amount", "numeric(14, 2)"),
    ("day", "date"),
    ("count", "integer"),
    ("score", "smallint"),
]


def test_encoding_layout_without_a_database():
    stream = pgcopy.encode(
        [("n", "integer"), ("t", "varchar(5)")],
        {"n": np.array([7, 8]), "t": np.array(["ab", "ab"], dtype=object)},
        {"n": np.array([False, True])},
    )
    assert stream.startswith(b"PGCOPY\n\xff\r\n\x00") and stream.endswith(struct.pack("!h", -1))
    body = stream[19:-2]
    # two groups (8 is NULL): count, len 4, 7, len 2, "ab" / count, len -1, len 2, "ab"
    rows = {
        struct.pack("!hii", 2, 4, 7) + struct.pack("!i", 2) + b"ab",
        struct.pack("!hi", 2, -1) + struct.pack("!i", 2) + b"ab",
    }
    assert {body[:16], body[16:]} == rows or {body[:12], body[12:]} == rows


def test_unsupported_type_is_refused():
    with pytest.raises(ValueError):
        pgcopy.encode([("x", "jsonb")], {"x": np.array([1])})


@pytest.mark.postgres
@pytest.mark.django_db
def test_round_trip_through_postgresql():
    cents = np.array([0, 1, -1, 12345, -5050, 99, 10**13 + 7, -(10**12)], dtype=np.int64)
    n = len(cents)
    days = np.datetime64("2026-03-01", "D") - np.arange(n).astype("timedelta64[D]")
    labels = np.array(["vip", "major", "ordinary", "small", "inactive", "prospect", "x", "éé"], dtype=object)
    values = {
        "id": np.arange(1, n + 1, dtype=np.int64) * 10**10,
        "label": labels,
        "amount": cents,
        "day": days,
        "count": np.arange(n, dtype=np.int64) - 3,
        "score": np.arange(n, dtype=np.int64) % 5 + 1,
    }
    nulls = {"day": np.arange(n) % 3 == 0, "score": np.arange(n) % 4 == 1}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_probe (id bigint, label varchar(10), amount numeric(14, 2), day date, "
            "count integer, score smallint)"
        )
        pgcopy.copy_rows(cursor, "copy_probe", COLUMNS, values, nulls)
        cursor.execute("SELECT id, label, amount::text, day, count, score FROM copy_probe ORDER BY id")
        rows = cursor.fetchall()
    assert len(rows) == n
    for i, (id_, label, amount, day, count, score) in enumerate(rows):
        assert id_ == (i + 1) * 10**10 and label == labels[i] and count == i - 3
        whole, frac = divmod(abs(int(cents[i])), 100)
        assert amount == f"{'-' if cents[i] < 0 else ''}{whole}.{frac:02d}"
        assert day == (None if nulls["day"][i] else dt.date(2026, 3, 1) - dt.timedelta(days=i))
        assert score == (None if nulls["score"][i] else i % 5 + 1)
