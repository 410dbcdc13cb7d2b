"""The demo key accounts exercise every part and a rerun adds nothing."""

import pytest

from accounts import demo, selectors
from accounts.models import (
    Account,
    AccountContact,
    AccountMilestone,
    AccountType,
    Activity,
    Agreement,
    ContactLevel,
    Level,
    LevelChange,
)
from guests import demo as guests_demo

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Account, AccountContact, Agreement, Activity, AccountMilestone, LevelChange)]


def test_the_demo_covers_every_level_type_and_alert_and_is_idempotent():
    ctx = guests_demo.seed(guests=40, seed=7)
    demo.seed(ctx)
    counts = _counts()
    demo.seed(ctx)
    assert _counts() == counts

    accounts = Account.objects.active()
    assert set(accounts.values_list("relationship_level", flat=True)) == set(Level.values)
    assert set(accounts.values_list("account_type", flat=True)) == set(AccountType.values)
    assert accounts.filter(parent__isnull=False).exists()
    assert set(AccountContact.objects.values_list("level", flat=True)) == set(ContactLevel.values)
    assert AccountContact.objects.filter(guest__isnull=False).exists()
    assert AccountContact.objects.filter(guest__isnull=True).exists()
    from django.utils import timezone

    today = timezone.localdate()
    assert selectors.expiring_agreements(today=today)
    assert Agreement.objects.filter(commission_percent__isnull=False).exists()
    assert Agreement.objects.filter(status="draft").exists()
    assert selectors.agenda(owner=None, today=today)["overdue"]
    board = selectors.roadmap_board(accounts.filter(account_class="key"))
    assert len([c for c in board["columns"] if c["cards"]]) >= 3  # key accounts at different stages
    label, start, end = selectors.quarter_bounds("")
    migration = selectors.level_migration(start=start, end=end)
    assert migration["upgraded"] + migration["downgraded"] > 0
    for username, *_rest in demo.SALESPEOPLE:
        assert selectors.salespeople().filter(username=username).exists()
        assert Account.objects.filter(owner__username=username).exists()
