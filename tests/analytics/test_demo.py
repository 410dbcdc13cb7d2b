"""On the demo chain, the dashboard's figures equal a direct SQL computation."""

from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from analytics import demo as analytics_demo
from analytics.models import SegmentationRun
from guests import demo as guests_demo
from tests.factories import PreferenceTypeFactory

pytestmark = pytest.mark.django_db

# The rank rule written straight in SQL: with n active guests, the guest at row number
# rn is inside a cumulative cut of c % when (rn − 1) · 100 < n · c.
DIRECT_SQL = """
WITH revenue AS (
    SELECT g.id AS guest_id, SUM(s.total_revenue) AS net
    FROM guests_guest g JOIN guests_stay s ON s.guest_id = g.id
    WHERE g.merged_into_id IS NULL AND s.status = 'checked_out'
      AND s.departure_date > %s AND s.departure_date <= %s
    GROUP BY g.id
),
ranked AS (
    SELECT net, ROW_NUMBER() OVER (ORDER BY net DESC, guest_id) AS rn, COUNT(*) OVER () AS n FROM revenue
),
segmented AS (
    SELECT net, rn, n,
           CASE WHEN (rn - 1) * 100 < n * 1 THEN 'vip'
                WHEN (rn - 1) * 100 < n * 5 THEN 'major'
                WHEN (rn - 1) * 100 < n * 20 THEN 'ordinary'
                ELSE 'small' END AS segment
    FROM ranked
)
SELECT segment, COUNT(*), SUM(net),
       SUM(CASE WHEN (rn - 1) * 100 < n * 20 THEN net ELSE 0 END),
       (SELECT SUM(net) FROM revenue)
FROM segmented GROUP BY segment
"""


@pytest.fixture
def demo_chain():
    # A transactional test (the browser tests) flushes the vocabulary the migrations load.
    for code in ("bed-king", "bed-twin", "quiet-room", "high-floor"):
        PreferenceTypeFactory(code=code)
    ctx = guests_demo.seed(guests=200, seed=7)
    analytics_demo.seed(ctx)
    analytics_demo.seed(ctx)  # idempotent: adds nothing the second time
    call_command("run_segmentation")
    return ctx


def test_demo_history_is_seeded_once(demo_chain):
    runs = SegmentationRun.objects.filter(status="completed").order_by("as_of")
    assert [r.trigger for r in runs] == ["demo", "demo", "command"]
    assert runs.last().is_current and runs.last().migration["matrix"]


def test_dashboard_figures_equal_direct_sql(client, sales_manager, demo_chain):
    as_of = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(DIRECT_SQL, [as_of - relativedelta(months=24), as_of])
        rows = cursor.fetchall()

    def cents(value) -> Decimal:  # SQLite sums decimals as floats
        return Decimal(str(value)).quantize(Decimal("0.01"))

    total = cents(rows[0][4])
    top = sum(cents(r[3]) for r in rows)
    expected = {r[0]: (r[1], cents(r[2])) for r in rows}
    active = sum(count for count, _net in expected.values())
    assert active > 100 and total > 0

    client.force_login(sales_manager)
    response = client.get("/analytics/")
    assert response.status_code == 200
    pareto, pyramid = response.context["pareto"], response.context["pyramid"]
    assert pareto["active_guests"] == active
    assert pareto["top20_share"] == pytest.approx(float(top / total), abs=1e-9)
    assert pyramid["total_revenue"] == total
    for segment in pyramid["segments"]:
        count, net = expected.get(segment["code"], (0, Decimal(0)))
        assert segment["count"] == count, segment["code"]
        assert Decimal(segment["revenue"]) == net
        assert segment["revenue_share"] == pytest.approx(float(net / total), abs=1e-9)
        assert segment["guest_share"] == pytest.approx(count / active, abs=1e-9)
    shown = f"{float(top / total) * 100:.1f} %"
    assert shown in response.content.decode()
    # heavy-tailed demo spend: the top fifth brings far more than a fifth of the revenue
    assert pareto["top20_share"] > 0.4
