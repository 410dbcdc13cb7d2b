"""``seed_demo``: a realistic small chain, idempotent, with a working --help."""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from crm_site import roles
from guests import demo
from guests.models import Guest, GuestPreference, Property, Stay
from tests.factories import PreferenceTypeFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"auth", "crm_site", "guests", "loyalty", "complaints", "analytics", "care"}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model._meta.proxy
    }


@pytest.fixture(autouse=True)
def vocabulary(db):
    """The migration's preference vocabulary is gone from a reused test database once a
    transactional (browser) test has flushed it; the demo must work either way."""
    PreferenceTypeFactory.create_batch(3)


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--guests", "50", "--seed", "7", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_small_chain():
    output = seed()
    assert Guest.objects.filter(email__endswith=f"@{demo.DEMO_EMAIL_DOMAIN}").count() >= 50  # other apps add some
    assert set(Property.objects.values_list("code", flat=True)) == {"SHA", "BJS", "LIS", "ALG"}
    users = get_user_model().objects.filter(username__in=[s[0] for s in demo.STAFF])
    assert {g for u in users for g in u.groups.values_list("name", flat=True)} >= {
        roles.FRONT_DESK,
        roles.GUEST_RELATIONS,
        roles.SALES_MANAGER,
        roles.CHAIN_ADMIN,
        roles.INTEGRATOR,
    }
    assert Guest.objects.exclude(family_name="").exists()  # Chinese names
    assert Guest.objects.filter(family_name="").exists()  # Latin names
    # Every one of the 50 demo guests has a stay history (the guests demo numbers them D<guest>-<stay>).
    assert Stay.objects.filter(confirmation_number__startswith="D").values("guest").distinct().count() == 50
    assert GuestPreference.objects.exists()
    assert "desk" in output and demo.DEMO_PASSWORD in output


def test_seed_demo_consents_come_from_the_ledger_and_sensitive_preferences_state_a_need():
    from guests.models import ConsentEntry
    from guests.selectors import consent_state

    seed()
    consenting = Guest.objects.filter(marketing_email_consent=True)
    assert consenting.exists()
    for guest in Guest.objects.all():
        state = consent_state(guest_id=guest.pk)
        assert state["marketing_email"]["granted"] == guest.marketing_email_consent
        assert state["marketing_sms"]["granted"] == guest.marketing_sms_consent
    assert ConsentEntry.objects.filter(source="demo").exists()
    assert not GuestPreference.objects.filter(preference_type__is_sensitive=True, operational_need="").exists()


def test_seed_demo_spend_is_heavy_tailed():
    seed()
    totals = sorted(
        (t or Decimal(0) for t in Guest.objects.annotate(t=Sum("stays__total_revenue")).values_list("t", flat=True)),
        reverse=True,
    )
    top_fifth = sum(totals[: len(totals) // 5])
    assert top_fifth > Decimal("0.5") * sum(totals)


def test_seed_demo_twice_adds_nothing():
    seed()
    first = row_counts()
    assert first["guests.Guest"] >= 50 and first["guests.Stay"] > 50
    seed()
    assert row_counts() == first


def test_seed_demo_help(capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("seed_demo", "--help")
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    assert "--guests" in help_text and "--seed" in help_text and "Idempotent" in help_text


def test_seed_demo_refuses_a_silly_size():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--guests", "3", stdout=io.StringIO())
    assert not Guest.objects.exists()


def test_seed_demo_copes_with_a_small_vocabulary():
    from guests.models import PreferenceType

    PreferenceType.objects.exclude(pk=PreferenceType.objects.order_by("pk").first().pk).update(is_active=False)
    seed()
    assert set(GuestPreference.objects.values_list("preference_type__is_active", flat=True)) == {True}


@pytest.mark.postgres
def test_seed_demo_leaves_fresh_planner_statistics():
    """The first nightly run after a seed is planned on the seeded row counts."""
    seed()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('guests_stay', 'guests_guest') ORDER BY relname"
        )
        assert cursor.fetchall() == [("guests_guest", Guest.objects.count()), ("guests_stay", Stay.objects.count())]
