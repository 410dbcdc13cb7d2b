import pytest
from analytics import selectors
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_many_ids_run_serial_in_one_statement():
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.current_segments(list(range(1, 200))) == {}
    assert len(ctx.captured_queries) == 1
    assert "max_parallel_workers_per_gather" in ctx.captured_queries[0]["sql"]
