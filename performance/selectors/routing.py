"""Which table a report query reads: the smallest of a fact table and its rollups that
holds every column the query filters or groups on (besides the property and the date,
which they all hold), the report's dimension filters included.

The rollups hold the same sums as their fact table (``performance.services.facts``
keeps them together), so a query reads the same figures from any of them; a report
with a dimension filter reads the facts themselves."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.db import models

from ..models import ArrivalDay, BookingDay, BookingFact, NightDay, NightFact, SourceDay

if TYPE_CHECKING:
    from .filters import ReportFilter

# Each fact table and its rollups, smallest first.
FAMILIES = {NightFact: (NightDay, NightFact), BookingFact: (ArrivalDay, BookingDay, BookingFact)}
# The rollups holding one dimension at a time (``dimension``, ``value``) instead of them all.
BY_DIMENSION = {BookingFact: SourceDay}


@cache
def columns(model) -> frozenset[str]:
    return frozenset(name for field in model._meta.concrete_fields for name in (field.name, field.attname))


def table(base, f: ReportFilter | None, *grouped: str) -> type[models.Model]:
    """The smallest table of ``base``'s family holding ``grouped`` and ``f``'s dimension
    filters (``f`` None: a query with none)."""
    needed = {*grouped, *(column for column, _value in (f.dimensions if f else ()))}
    for model in FAMILIES[base]:
        if needed <= columns(model):
            return model
    raise ValueError(f"{base.__name__} has no column {sorted(needed - columns(base))}")


def by_dimension(base, f: ReportFilter) -> type[models.Model] | None:
    """The rollup of ``base`` by one dimension at a time, for a query grouping on one
    dimension: only without a dimension filter (a filter is a second dimension)."""
    return None if f.dimensions else BY_DIMENSION.get(base)


def facts(base, f: ReportFilter | None, *grouped: str) -> models.QuerySet:
    """The rows of that table (see ``table``)."""
    return table(base, f, *grouped).objects.all()
