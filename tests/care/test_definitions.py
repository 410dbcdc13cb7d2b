"""The care pages state their definitions, read from the rules themselves."""

import pytest
from django.urls import reverse

from care import churn
from care.definitions import churn_definitions

pytestmark = pytest.mark.django_db


def test_worklist_states_the_rules_and_the_score(client, sales_manager, monkeypatch):
    client.force_login(sales_manager)
    html = client.get(reverse("care:worklist")).content.decode()
    assert 'data-testid="definitions"' in html
    assert "exceed both 365 and twice" in html
    assert "VIP 40, Major 30, Ordinary 20, Small 10, otherwise 5" in html
    assert "at risk 25, lapsed 20, declining 15; +5 for each further reason" in html
    assert "holding a reservation" in html and "Booked again" in html
    # The text follows the rule's numbers.
    monkeypatch.setattr(churn, "LAPSE_MIN_DAYS", 400)
    assert churn_definitions()["lapse_min_days"] == 400
    html = client.get(reverse("care:worklist")).content.decode()
    assert "exceed both 400 and twice" in html


def test_lost_analysis_states_period_and_axis(client, sales_manager):
    from django.utils import timezone

    from tests.care.factories import ChurnWarningFactory

    ChurnWarningFactory(status="closed", outcome="lost", lost_reason="price", closed_at=timezone.now())
    client.force_login(sales_manager)
    html = client.get(reverse("care:lost"), {"start": "2026-01", "end": "2026-12"}).content.decode()
    assert 'data-testid="definitions"' in html
    assert "Period: the months 2026-01 to 2026-12, both included." in html
    assert "closed as lost" in html
    if "lost-x-axis" in html:  # the chart shows only when a loss falls in the period
        assert "Month the loss was recorded" in html
