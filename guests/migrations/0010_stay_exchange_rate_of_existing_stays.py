"""Stays written before dated exchange rates record the rate they were converted with.

Its own migration: the update cannot share a transaction with 0006's index creation on
PostgreSQL (pending foreign-key trigger events)."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations


def rates_of_existing_stays(apps, schema_editor):
    """Stays written before dated rates were converted with the EXCHANGE_RATES setting:
    record that rate, from the seed date (as guests.money.seed_rates enters it)."""
    import datetime as dt
    from decimal import InvalidOperation

    seed_from = dt.date(2000, 1, 1)  # guests.money.SEED_FROM
    Stay = apps.get_model("guests", "Stay")
    for code, value in (getattr(settings, "EXCHANGE_RATES", None) or {}).items():
        currency = str(code).upper()
        try:
            rate = Decimal(str(value)).quantize(Decimal("0.00000001"))
        except (InvalidOperation, ValueError):
            continue
        if rate.is_finite() and rate > 0 and currency != settings.CHAIN_CURRENCY:
            Stay.objects.filter(currency=currency).update(exchange_rate=rate, exchange_rate_date=seed_from)


class Migration(migrations.Migration):
    dependencies = [("guests", "0009_stay_booking_facts_exchange_rates_room_inventory")]

    operations = [migrations.RunPython(rates_of_existing_stays, migrations.RunPython.noop, elidable=True)]
