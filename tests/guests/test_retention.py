"""Retention: guests with no stay and no activity for the configured period are
anonymised by the daily task; off by default."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from complaints import services as complaint_services
from guests import services
from guests.models import AuditEvent, Guest
from guests.tasks import retention_anonymise
from tests.factories import GuestFactory, StayFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def old_guest(days: int = 800, **kwargs) -> Guest:
    guest = GuestFactory(**kwargs)
    long_ago = timezone.now() - dt.timedelta(days=days)
    Guest.objects.filter(pk=guest.pk).update(created_at=long_ago, updated_at=long_ago)
    return Guest.objects.get(pk=guest.pk)


def test_off_by_default_and_scheduled_daily():
    assert settings.RETENTION_ANONYMISE_AFTER_DAYS == 0
    assert settings.CELERY_BEAT_SCHEDULE["guests-retention"]["task"] == "guests.tasks.retention_anonymise"
    old_guest()
    assert retention_anonymise.delay().get() == {"enabled": False, "as_of": TODAY.isoformat(), "anonymised": 0}
    assert not Guest.objects.filter(is_anonymised=True).exists()


def test_only_guests_without_stay_or_activity_are_anonymised(settings, hotel, front_desk):
    settings.RETENTION_ANONYMISE_AFTER_DAYS = 365
    forgotten = old_guest(email="forgotten@mail.example")
    StayFactory(
        guest=forgotten,
        property=hotel,
        arrival_date=TODAY - dt.timedelta(days=700),
        departure_date=TODAY - dt.timedelta(days=698),
    )
    recent_stay = old_guest()
    StayFactory(
        guest=recent_stay,
        property=hotel,
        arrival_date=TODAY - dt.timedelta(days=40),
        departure_date=TODAY - dt.timedelta(days=38),
    )
    future_stay = old_guest()
    StayFactory(
        guest=future_stay,
        property=hotel,
        arrival_date=TODAY + dt.timedelta(days=30),
        departure_date=TODAY + dt.timedelta(days=32),
        status="reserved",
    )
    noted = old_guest()
    services.guest_note_add(guest=noted, text="Called about a booking", by=front_desk)
    consented = old_guest()
    services.consent_record(guest_id=consented.pk, data={"purpose": "marketing_sms", "granted": True, "source": "sms"})
    complained = old_guest()
    complaint_services.complaint_create(
        property=hotel, category="other", description="Noise", guest=complained, by=front_desk
    )
    new_profile = GuestFactory()

    result = services.guests_retention_anonymise()

    assert result == {"enabled": True, "as_of": TODAY.isoformat(), "days": 365, "anonymised": 1}
    erased = set(Guest.objects.filter(is_anonymised=True).values_list("pk", flat=True))
    assert erased == {forgotten.pk}
    assert Guest.objects.get(pk=forgotten.pk).email == ""
    event = AuditEvent.objects.get(action="erase")
    assert (event.actor, event.channel, event.details["trigger"]) == (None, "system", "retention")
    assert "365 days" in event.details["reference"]
    assert new_profile.pk not in erased and noted.pk not in erased and complained.pk not in erased


def test_a_rerun_anonymises_no_one_twice_and_batches_are_limited(settings):
    settings.RETENTION_ANONYMISE_AFTER_DAYS = 30
    for _ in range(3):
        old_guest(days=100)
    assert services.guests_retention_anonymise(limit=2)["anonymised"] == 2
    assert services.guests_retention_anonymise(limit=2)["anonymised"] == 1
    assert services.guests_retention_anonymise(limit=2)["anonymised"] == 0
    assert AuditEvent.objects.filter(action="erase").count() == 3


def test_the_merge_cluster_goes_with_its_survivor(settings, chain_admin):
    settings.RETENTION_ANONYMISE_AFTER_DAYS = 30
    survivor, duplicate = old_guest(days=100), old_guest(days=100)
    services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    long_ago = timezone.now() - dt.timedelta(days=100)
    Guest.objects.update(updated_at=long_ago)
    services.guests_retention_anonymise()
    assert set(Guest.objects.filter(is_anonymised=True).values_list("pk", flat=True)) == {survivor.pk, duplicate.pk}


@pytest.mark.parametrize("value", [-1, "soon", 10**9])
def test_an_invalid_retention_setting_is_refused_at_start(settings, value):
    from django.core import checks

    settings.RETENTION_ANONYMISE_AFTER_DAYS = value
    assert any("RETENTION_ANONYMISE_AFTER_DAYS" in e.msg for e in checks.run_checks(tags=["settings"]))
