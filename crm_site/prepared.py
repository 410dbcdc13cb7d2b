"""Statements built with the ORM, compiled once per process and run with new values.

Django builds and compiles a queryset's SQL every time it is evaluated: 1-4 ms of Python
for each statement of the guest 360, several times what PostgreSQL takes to answer it.
A :class:`Prepared` statement builds its queryset once per database, time zone and
``shape`` with stand-in values for its parameters, compiles it, remembers where each
stand-in went among the statement's parameters, and afterwards only binds the new values
and runs the SQL through Django's own iterables: the same model instances (related rows
of ``select_related`` and annotations included), ``values()`` dicts or tuples, with the
same converters, as evaluating the queryset would give.  A test holds them equal.

* A parameter is an integer (an id), a string, a date or a list of ids for an
  ``__in_ids`` lookup (``crm_site.lookups``: one array parameter on PostgreSQL; elsewhere
  it becomes one placeholder per id, and the statement is left to the ORM each time):
  ``statement(guest_id=guest.pk)``.
  It must reach the statement's parameters unchanged (a lookup that transforms it, e.g.
  ``__iexact``, is refused when the statement is compiled).  Whatever else shapes the
  statement — a limit, which filters apply, a viewer's kind of scope — is its ``shape``:
  ``statement({"limit": 10}, guest_id=...)`` (one compiled statement per shape, so a
  shape takes few values).
* The result is a list (the statement is run at once; it cannot be refined further).
* The time zone is part of the key: date truncation compiles the current zone into the
  SQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone

# Stand-ins, one per parameter: integers no id takes (ids are positive), text no one
# types, days long past.
_STAND_INS_AT_MOST = 64


def _stand_in(kind: type, i: int):
    if kind is int:
        return -7_340_000_000_000 - i
    if kind is list:
        return [_stand_in(int, i)]
    if kind is str:
        return f"\ufdd0prepared-{i}\ufdd0"
    return dt.date(1, 1, 1) + dt.timedelta(days=i)


def _kind(name: str, value) -> type:
    for kind in (int, dt.date):
        if type(value) is kind:  # not a bool, not a datetime
            return kind
    if isinstance(value, str):
        return str
    if type(value) in (list, tuple) and all(type(v) is int for v in value):
        return list
    raise TypeError(
        f"Prepared: {name} must be an integer, a string, a date or a list of ids, not {type(value).__name__}"
    )


def _hashable(value):
    """A parameter as a key to find a stand-in by (None when it cannot be one)."""
    key = (list, tuple(value)) if type(value) is list else (type(value), value)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _bound(slot: str, values: dict):
    name, _, form = slot.partition(":")
    value = values[name]
    if form == "iso":
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # a safe or lazy string as the text it is
    return list(value) if type(value) is tuple else value


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: object
    sql: str
    params: tuple  # the statement's constants, None where a value is bound
    slots: tuple  # per parameter, the name of the value bound there (None: a constant)


class Prepared:
    """``Prepared(build)``, ``build(**shape, **values) -> QuerySet``: ``statement(shape,
    **values)`` returns ``list(build(**shape, **values))``, compiled once."""

    def __init__(self, build: Callable[..., QuerySet], *, using: str = DEFAULT_DB_ALIAS):
        self._build = build
        self._using = using
        self._compiled: dict[tuple, _Compiled | None] = {}
        self._lock = threading.Lock()

    def __call__(self, shape: dict[str, Hashable] | None = None, **values) -> list:
        shape = shape or {}
        kinds = tuple(sorted((name, _kind(name, value)) for name, value in values.items()))
        key = (timezone.get_current_timezone_name(), tuple(sorted(shape.items())), kinds)
        try:
            compiled = self._compiled[key]
        except KeyError:
            compiled = self._compile(key, shape, kinds)
        if compiled is None:  # it can match nothing (no SQL at all), or the ORM must write it each time
            return list(self._build(**shape, **values))
        params = tuple(
            constant if slot is None else _bound(slot, values)
            for constant, slot in zip(compiled.params, compiled.slots, strict=True)
        )
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[self._using]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        queryset = compiled.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def _compile(self, key: tuple, shape: dict, kinds: tuple) -> _Compiled | None:
        if len(kinds) > _STAND_INS_AT_MOST:
            raise TypeError("Prepared: too many parameters")
        stand_ins = {name: _stand_in(kind, i) for i, (name, kind) in enumerate(kinds)}
        names = list(stand_ins)
        queryset = self._build(**shape, **stand_ins).using(self._using)
        compiler = queryset.query.get_compiler(using=self._using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        compiled = None
        if sql:
            by_stand_in = {_hashable(v): name for name, v in stand_ins.items()}
            # SQLite's adapter writes a date as its ISO text: bound the same way.
            by_stand_in |= {(str, v.isoformat()): f"{name}:iso" for name, v in stand_ins.items() if type(v) is dt.date}
            slots = tuple(by_stand_in.get(_hashable(p)) for p in params)
            unbound = set(names) - {slot.partition(":")[0] for slot in slots if slot}
            lists = {name for name, kind in kinds if kind is list}
            if unbound and unbound <= lists and compiler.connection.vendor != "postgresql":
                unbound, sql = set(), ""  # one placeholder per id here: the ORM answers each time
            if unbound:
                raise TypeError(f"Prepared: {', '.join(sorted(unbound))} reached the statement changed or not at all")
        if sql:
            compiled = _Compiled(
                queryset=queryset,
                compiler=compiler,
                sql=sql,
                params=tuple(None if slot else p for p, slot in zip(params, slots, strict=True)),
                slots=slots,
            )
        with self._lock:
            self._compiled[key] = compiled
        return compiled
