"""Segment badges of a busy day (hundreds of guests) run without parallel workers, in
one statement, with the same answer as the ordinary query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import selectors
from tests.analytics.test_filters import segmented  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_many_ids_one_serial_statement_same_answer(segmented):  # noqa: F811
    people = [g.pk for g in segmented["people"]] + [segmented["prospect"].pk]
    padding = list(range(10**9, 10**9 + selectors.SERIAL_FROM))
    few = selectors.current_segments(people[:5])
    with CaptureQueriesContext(connection) as ctx:
        many = selectors.current_segments(people + padding)
    assert len(ctx.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert "max_parallel_workers_per_gather = 0" in ctx.captured_queries[0]["sql"]
    assert many == selectors.current_segments(people)
    assert {gid: many[gid] for gid in few} == few
    assert many[segmented["people"][0].pk] == "vip"
