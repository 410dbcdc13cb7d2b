"""The company list grows into accounts: every company becomes an account with the same
id (so guests keep their company), its manager as owner, its rate code and a first
level-history entry."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import GuestFactory, UserFactory

BEFORE = [("guests", "0005_search_performance"), ("accounts", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _leaves():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_companies_become_accounts_with_the_same_ids_and_guests_keep_them():
    manager = UserFactory(username="old-manager")
    guest = GuestFactory()
    after_targets = _leaves()
    try:
        old = _migrate(BEFORE)
        Company = old.get_model("guests", "Company")
        entered = timezone.now() - dt.timedelta(days=800)
        huawei = Company.objects.create(
            name="华为技术", relationship_level="strategic", account_manager_id=manager.pk, rate_code="HUA-CORP"
        )
        Company.objects.filter(pk=huawei.pk).update(created_at=entered)
        plain = Company.objects.create(name="Galp")
        old.get_model("guests", "Guest").objects.filter(pk=guest.pk).update(company_id=huawei.pk)
    finally:
        new = _migrate(after_targets)
    Account = new.get_model("accounts", "Account")
    LevelChange = new.get_model("accounts", "LevelChange")
    account = Account.objects.get(pk=huawei.pk)
    assert (account.name, account.relationship_level, account.owner_id, account.rate_code) == (
        "华为技术",
        "strategic",
        manager.pk,
        "HUA-CORP",
    )
    assert account.name_key.startswith("huawei") and account.created_at == entered
    change = LevelChange.objects.get(account_id=account.pk)
    assert (change.to_level, change.effective_on) == ("strategic", entered.date())
    assert Account.objects.get(pk=plain.pk).relationship_level == "ordinary"
    assert new.get_model("guests", "Guest").objects.get(pk=guest.pk).company_id == huawei.pk
    # New accounts get ids after the copied ones (the sequence was moved on).
    from accounts.models import Account as LiveAccount

    fresh = LiveAccount.objects.create(name="Fresh", search_document="fresh")
    assert fresh.pk > max(huawei.pk, plain.pk)
