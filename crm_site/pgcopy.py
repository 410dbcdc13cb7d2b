"""PostgreSQL COPY, in and out, binary and text: the one module every bulk path uses.

* :func:`copy_rows` — ``COPY table FROM STDIN (FORMAT binary)`` straight from numpy
  arrays (segment rows: a million rows with no per-row Python work);
* :func:`copy_text_rows` — ``COPY table FROM STDIN`` (text format) from Python tuples
  (the stay upsert's staging table, the bench loader);
* :func:`read_fixed` — ``COPY (query) TO STDOUT (FORMAT binary)`` of fixed-width columns
  read in place by numpy (the churn scan's stays);
* :func:`read_frame` — ``COPY (query) TO STDOUT (FORMAT csv)`` into a typed pandas frame,
  with a ``fetchmany`` fallback on SQLite (the segmentation aggregate).

Binary writing: formatting a million rows as CSV text costs several seconds of Python time; PostgreSQL's
binary COPY format needs none: every row with the same NULL pattern and the same text
lengths has the same byte layout, so a group of rows is one numpy structured array and
``tobytes()`` is the whole encoding.  Supported column types: ``bigint``, ``integer``,
``smallint``, ``date``, ``numeric`` (given as integer hundredths, i.e. cents) and short
``varchar`` (given as ``str`` values).

Format reference: https://www.postgresql.org/docs/current/sql-copy.html (Binary Format)
and ``numeric_recv`` for the numeric layout (sign, weight, base-10000 digits).
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = struct.pack("!h", -1)
PG_EPOCH = np.datetime64("2000-01-01", "D")

# Cents as a numeric with 5 base-10000 digits: 10000^3 … 10000^-1 (up to 10^16 units);
# PostgreSQL strips the leading and trailing zero digits on receipt.
NUMERIC_DIGITS = 5
NUMERIC_WEIGHT = 3
NUMERIC_POS, NUMERIC_NEG = 0x0000, 0x4000

FIXED = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "date": ">i4"}


def _kind(db_type: str) -> str:
    db_type = db_type.lower()
    if db_type in FIXED:
        return db_type
    if db_type.startswith("numeric"):
        return "numeric"
    if db_type.startswith("varchar"):
        return "text"
    raise ValueError(f"binary COPY does not handle {db_type}")


def _numeric_fields(prefix: str) -> list[tuple]:
    return [
        (f"{prefix}_ndigits", ">i2"),
        (f"{prefix}_weight", ">i2"),
        (f"{prefix}_sign", ">u2"),
        (f"{prefix}_dscale", ">u2"),
        (f"{prefix}_digits", ">i2", (NUMERIC_DIGITS,)),
    ]


def _fill_numeric(out: np.ndarray, prefix: str, cents: np.ndarray) -> None:
    out[f"{prefix}_ndigits"] = NUMERIC_DIGITS
    out[f"{prefix}_weight"] = NUMERIC_WEIGHT
    out[f"{prefix}_sign"] = np.where(cents < 0, NUMERIC_NEG, NUMERIC_POS)
    out[f"{prefix}_dscale"] = 2
    scaled = np.abs(cents).astype(np.int64) * 100  # value × 10000
    digits = np.empty((len(cents), NUMERIC_DIGITS), dtype=np.int64)
    for position in range(NUMERIC_DIGITS - 1, -1, -1):
        digits[:, position] = scaled % 10000
        scaled //= 10000
    out[f"{prefix}_digits"] = digits


def _layout_parts(columns, kinds, texts, nulls, n) -> list[tuple[np.ndarray, int]]:
    """Per row: a NULL bit per column and the byte length of each text, as (digits, base)."""
    parts: list[tuple[np.ndarray, int]] = []
    for (name, _t), kind in zip(columns, kinds, strict=True):
        mask = nulls.get(name)
        parts.append((np.zeros(n, dtype=np.int64) if mask is None else mask.astype(np.int64), 2))
        if kind == "text":
            lengths = np.char.str_len(texts[name]).astype(np.int64)
            parts.append((lengths, int(lengths.max(initial=0)) + 1))
    return parts


def _group_by_layout(parts, n) -> tuple[list[list[int]], np.ndarray]:
    """Rows with the same NULL pattern and text lengths share one byte layout.  The pattern
    is packed into one integer per row, so grouping is a 1-D unique; returns each group's
    unpacked pattern and the group of every row."""
    key = np.zeros(n, dtype=np.int64)
    capacity = 1
    for digits, base in parts:
        capacity *= base
        if capacity >= 2**62:
            raise ValueError("too many columns for one binary COPY layout key")
        key = key * base + digits
    unique_keys, group_of = np.unique(key, return_inverse=True)
    patterns = []
    for packed in unique_keys.tolist():
        digits = []
        for _digits, base in reversed(parts):
            packed, digit = divmod(packed, base)
            digits.append(digit)
        patterns.append(digits[::-1])
    return patterns, group_of


def _value_field(position: int, kind: str, length: int | None) -> tuple[list[tuple], int]:
    """The numpy fields of one non-NULL cell and its byte size on the wire."""
    if kind == "numeric":
        return _numeric_fields(f"v{position}"), 8 + 2 * NUMERIC_DIGITS
    if kind == "text":
        return [(f"v{position}", f"S{length}") if length else (f"v{position}", "V0")], length
    return [(f"v{position}", FIXED[kind])], np.dtype(FIXED[kind]).itemsize


def _block_plan(columns, kinds, pattern) -> tuple[list[tuple], list[tuple]]:
    """The record dtype of one layout group and, per column, how to fill it."""
    fields: list[tuple] = [("count", ">i2")]
    plan = []
    cursor = 0
    for position, ((name, _t), kind) in enumerate(zip(columns, kinds, strict=True)):
        is_null = bool(pattern[cursor])
        cursor += 1
        length = None
        if kind == "text":
            length = int(pattern[cursor])
            cursor += 1
        fields.append((f"len{position}", ">i4"))
        if is_null:
            plan.append((position, name, kind, -1))
            continue
        value_fields, size = _value_field(position, kind, length)
        fields += value_fields
        plan.append((position, name, kind, size))
    return fields, plan


def _fill_cell(block, position: int, name: str, kind: str, size: int, values, texts, rows) -> None:
    block[f"len{position}"] = size
    if size == -1:
        return
    if kind == "numeric":
        _fill_numeric(block, f"v{position}", np.asarray(values[name])[rows])
    elif kind == "text":
        if size:
            block[f"v{position}"] = texts[name][rows]
    elif kind == "date":
        block[f"v{position}"] = (np.asarray(values[name])[rows] - PG_EPOCH).astype(np.int64)
    else:
        block[f"v{position}"] = np.asarray(values[name])[rows]


def encode(
    columns: Sequence[tuple[str, str]],
    values: Mapping[str, np.ndarray],
    nulls: Mapping[str, np.ndarray] | None = None,
) -> bytes:
    """The binary COPY stream for ``columns`` [(name, db_type)]; ``values[name]`` is an
    array (datetime64[D] for dates, integer cents for numeric, str for varchar) and
    ``nulls[name]`` an optional boolean mask of NULL cells."""
    nulls = nulls or {}
    kinds = [_kind(db_type) for _name, db_type in columns]
    n = len(next(iter(values.values()))) if values else 0
    texts = {
        name: np.char.encode(np.asarray(values[name], dtype=object).astype(str), "utf-8")
        for (name, _t), kind in zip(columns, kinds, strict=True)
        if kind == "text"
    }
    patterns, group_of = _group_by_layout(_layout_parts(columns, kinds, texts, nulls, n), n)
    chunks = [SIGNATURE]
    for index, pattern in enumerate(patterns):
        rows = np.flatnonzero(group_of == index)
        fields, plan = _block_plan(columns, kinds, pattern)
        block = np.empty(len(rows), dtype=np.dtype(fields))
        block["count"] = len(columns)
        for position, name, kind, size in plan:
            _fill_cell(block, position, name, kind, size, values, texts, rows)
        chunks.append(block.tobytes())
    chunks.append(TRAILER)
    return b"".join(chunks)


def _raw(cursor):
    """The DB-API cursor under Django's wrapper (``copy_expert`` lives there)."""
    return getattr(cursor, "cursor", cursor)


def copy_rows(
    cursor,
    table: str,
    columns: Sequence[tuple[str, str]],
    values: Mapping[str, np.ndarray],
    nulls: Mapping[str, np.ndarray] | None = None,
) -> None:
    """COPY the rows into ``table`` (already quoted) through a psycopg2 cursor."""
    names = ", ".join(f'"{name}"' for name, _t in columns)
    _raw(cursor).copy_expert(
        f"COPY {table} ({names}) FROM STDIN WITH (FORMAT binary)",
        io.BytesIO(encode(columns, values, nulls)),
    )


# --- Text format in -------------------------------------------------------------------------


def _escape(text: str) -> str:
    if "\\" in text or not text.isprintable():
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


# COPY text format, by Python type.
_TEXT = {
    type(None): lambda v: r"\N",
    bool: lambda v: "t" if v else "f",
    int: str,
    float: repr,
    Decimal: str,
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
    str: _escape,
}


def text_value(value) -> str:
    convert = _TEXT.get(type(value))
    return convert(value) if convert is not None else _escape(str(value))


def copy_text_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """``COPY table (columns) FROM STDIN`` in text format; ``rows`` are tuples of Python
    values (None, bool, int, float, Decimal, date, datetime, str)."""
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(text_value, row)) + "\n" for row in rows)
    buffer.seek(0)
    names = ", ".join(f'"{name}"' for name in columns)
    _raw(cursor).copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)


# --- Out ------------------------------------------------------------------------------------

_FIXED_OUT = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8", "date": ">i4"}


def read_fixed(cursor, sql: str, params: Sequence, columns: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Run ``sql`` through ``COPY (...) TO STDOUT (FORMAT binary)`` and return each column
    as a numpy array.  Every column must be a NOT NULL fixed-width type cast in the query
    (``int8``, ``int4``, ``int2``, ``float8``, ``date`` as days since 2000-01-01): then
    every row has the same width and numpy reads the stream in place."""
    fields: list[tuple] = [("count", ">i2")]
    for name, pg_type in columns:
        fields += [(f"{name}__len", ">i4"), (name, _FIXED_OUT[pg_type])]
    row = np.dtype(fields)
    raw = _raw(cursor)
    query = raw.mogrify(sql, list(params))
    if isinstance(query, bytes):
        query = query.decode()
    buffer = io.BytesIO()
    raw.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    if bytes(data[:11]) != SIGNATURE[:11]:
        raise RuntimeError("unexpected COPY output (not PostgreSQL binary format)")
    header = 19 + int.from_bytes(data[15:19], "big")  # signature, flags, extension length
    body = data[header : len(data) - 2]  # the trailer is a field count of -1
    if len(body) % row.itemsize:
        raise RuntimeError("unexpected COPY output (rows of another width: a NULL or a wider type?)")
    rows = np.frombuffer(body, dtype=row)
    if len(rows) and not (rows["count"] == len(columns)).all():
        raise RuntimeError("unexpected COPY output (field count)")
    result = {name: rows[name].astype(rows[name].dtype.newbyteorder("=")) for name, _t in columns}
    del rows, body, data
    buffer.close()
    return result


def _empty(dtypes: Mapping) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def read_frame(sql: str, params: Sequence, dtypes: Mapping, *, work_mem: str | None = None) -> pd.DataFrame:
    """One query's rows as a typed DataFrame without a Python object per row on
    PostgreSQL (``COPY ... TO STDOUT (FORMAT csv)`` → ``read_csv``); ``fetchmany`` chunks
    elsewhere.  ``work_mem`` lets PostgreSQL hash a large aggregate in memory."""
    columns = list(dtypes)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = _raw(cursor)
            query = raw.mogrify(sql, list(params)).decode()
            buffer = io.BytesIO()
            if work_mem:
                cursor.execute("SET work_mem = %s", [work_mem])
            try:
                raw.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
            finally:
                if work_mem:
                    cursor.execute("RESET work_mem")
            if not buffer.tell():
                return _empty(dtypes)
            buffer.seek(0)
            return pd.read_csv(buffer, header=None, names=columns, dtype=dict(dtypes))
        cursor.execute(sql, list(params))
        chunks = []
        while batch := cursor.fetchmany(50_000):
            chunks.append(pd.DataFrame.from_records(batch, columns=columns))
    if not chunks:
        return _empty(dtypes)
    return pd.concat(chunks, ignore_index=True).astype(dict(dtypes))
