"""Stored Idempotency-Key answers: replayed within the TTL, run again after it, purged by
the hourly task, and deleted with the guests they are about."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from crm_site import idempotency
from crm_site.models import IdempotencyGuestRef, IdempotencyRecord
from crm_site.tasks import purge_idempotency_records
from guests.models import Guest
from tests.factories import GuestFactory

pytestmark = pytest.mark.django_db

BODY = {"family_name": "Lima", "given_name": "Ana", "email": "ana@mail.example"}


def create(api, user, key="k-1", body=BODY):
    return api.as_user(user).post("/api/v1/guests/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def age(hours: float) -> None:
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_the_ttl_is_one_day_by_default_and_configurable(settings):
    assert settings.IDEMPOTENCY_TTL_HOURS == 24 and idempotency.ttl() == dt.timedelta(days=1)
    settings.IDEMPOTENCY_TTL_HOURS = 2
    assert idempotency.ttl() == dt.timedelta(hours=2)


def test_a_replay_within_the_ttl_gets_the_stored_answer(api, integrator):
    first = create(api, integrator)
    age(23)
    again = create(api, integrator)
    assert again.status_code == 201 and again.json() == first.json()
    assert Guest.objects.count() == 1


def test_a_replay_after_the_ttl_simply_runs_again(api, integrator):
    create(api, integrator)
    age(25)
    # The same person again: the integrator says it knows (else 409 possible_duplicate).
    again = create(api, integrator, body={**BODY, "confirm_new": True})
    assert again.status_code == 201
    assert Guest.objects.count() == 2 and IdempotencyRecord.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_body["id"] == again.json()["id"]


def test_the_purge_deletes_only_expired_answers_and_is_idempotent(api, integrator, settings):
    create(api, integrator, key="old")
    age(30)
    create(api, integrator, key="fresh", body={**BODY, "email": "other@mail.example"})
    assert purge_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert idempotency.idempotency_records_purge() == 0
    assert idempotency.idempotency_records_purge(now=timezone.now() + dt.timedelta(days=2), batch=1) == 1


def test_the_purge_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-purge"]
    assert entry["task"] == "crm_site.tasks.purge_idempotency_records"


def test_stored_answers_know_the_guests_they_are_about(api, integrator, hotel):
    guest = create(api, integrator).json()
    stay = {
        "property": "LIS",
        "confirmation_number": "B1",
        "guest": guest["id"],
        "arrival_date": "2026-01-01",
        "departure_date": "2026-01-02",
    }
    assert (
        api.as_user(integrator).post("/api/v1/stays/", stay, format="json", HTTP_IDEMPOTENCY_KEY="stay-1").status_code
        == 201
    )
    GuestFactory()  # another guest, named by no stored answer
    refs = {
        record.key: set(record.guest_refs.values_list("guest_ref", flat=True))
        for record in IdempotencyRecord.objects.all()
    }
    assert refs == {"k-1": {guest["id"]}, "stay-1": {guest["id"]}}


def test_erasure_deletes_the_answers_about_the_guest_and_keeps_the_others(api, integrator, chain_admin):
    ana = create(api, integrator).json()
    rui = create(api, integrator, key="k-2", body={**BODY, "given_name": "Rui", "email": "rui@mail.example"}).json()

    from guests import services

    services.guest_erase(guest_id=ana["id"], reference="DSR-5", by=chain_admin)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-2"]
    assert set(IdempotencyGuestRef.objects.values_list("guest_ref", flat=True)) == {rui["id"]}


def test_guest_refs_are_found_at_any_depth():
    body = {"guest": 3, "rows": [{"guest": {"id": 4}}, {"survivor": 5, "merged": 6}], "guest_id": True, "id": 9}
    assert idempotency.guest_refs_in(body) == {3, 4, 5, 6}
    assert idempotency.guest_refs_in([{"guest": None}, "text", 7]) == set()


@pytest.mark.parametrize("value", ["0", "-1", "abc", "99999"])
def test_an_invalid_ttl_setting_is_refused_at_start(settings, value):
    from django.core import checks

    settings.IDEMPOTENCY_TTL_HOURS = int(value) if value.lstrip("-").isdigit() else value
    errors = [e for e in checks.run_checks(tags=["settings"]) if "IDEMPOTENCY_TTL_HOURS" in e.msg]
    assert errors and errors[0].id == "crm.E001"
