"""Privacy requests: the right-of-access export and erasure (the whole merge cluster,
final, recorded), and erased profiles being read-only everywhere."""

import pytest

from crm_site.errors import ConflictError, DomainError
from guests import services
from guests.models import AuditEvent, ConsentEntry, Guest, GuestMerge, GuestNote, Stay
from guests.selectors import consent_state
from tests.factories import (
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PreferenceTypeFactory,
    StayFactory,
)

pytestmark = pytest.mark.django_db


def erase(guest, by, reference="DSR-1"):
    return services.guest_erase(guest_id=guest.pk, reference=reference, by=by)


def test_export_contains_profile_preferences_notes_consents_and_stays(chain_admin, hotel):
    guest = GuestFactory(family_name_latin="Costa", given_name_latin="Rui", email="rui@mail.example")
    GuestPreferenceFactory(guest=guest)
    GuestNoteFactory(guest=guest, text="Likes the sea view")
    StayFactory(guest=guest, property=hotel, confirmation_number="X1")
    services.consent_record(
        guest_id=guest.pk, data={"purpose": "marketing_sms", "granted": True, "source": "desk"}, by=chain_admin
    )

    data = services.guest_export(guest=guest, by=chain_admin)

    assert data["guest"]["email"] == "rui@mail.example"
    assert len(data["preferences"]) == 1
    assert data["notes"][0]["text"] == "Likes the sea view"
    assert data["stays"][0]["confirmation_number"] == "X1"
    history = data["consents"]["history"]
    assert [(c["purpose"], c["granted"], c["source"]) for c in history] == [("marketing_sms", True, "desk")]
    event = AuditEvent.objects.get(guest_ref=guest.pk, action="export")
    assert (event.actor, event.target, event.details) == (chain_admin, "export:guest", {"rows": 1})


def test_erase_anonymises_but_keeps_stay_revenue(chain_admin, hotel):
    guest = GuestFactory(family_name_latin="Costa", given_name_latin="Rui", email="rui@mail.example")
    GuestPreferenceFactory(guest=guest)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text="Allergic to nuts")
    stay = StayFactory(guest=guest, property=hotel, special_requests="Call Mr Costa")

    erase(guest, chain_admin)

    guest.refresh_from_db()
    assert guest.is_anonymised
    assert guest.email == "" and guest.phone == "" and guest.given_name_latin == ""
    assert guest.search_document == "" and guest.birth_date is None
    assert not guest.preferences.exists() and not guest.guest_notes.exists()
    stay.refresh_from_db()
    assert stay.guest_id == guest.pk and stay.total_revenue == stay.room_revenue
    assert stay.special_requests == ""


def test_the_erasure_is_recorded_with_who_when_and_the_reference_only(chain_admin):
    guest = GuestFactory(email="ana@mail.example")
    services.guest_update(guest_id=guest.pk, expected_version=1, data={"email": "ana@new.example"}, by=chain_admin)

    erase(guest, chain_admin, reference="Letter 2026/17")

    event = AuditEvent.objects.get(guest_ref=guest.pk, action="erase")
    assert event.actor == chain_admin and event.at is not None
    assert event.details == {"reference": "Letter 2026/17", "profiles": [guest.pk], "trigger": "request"}
    change = AuditEvent.objects.get(guest_ref=guest.pk, action="change")
    assert change.details["changes"] == {"email": [None, None]}  # the values went, the fact stays


@pytest.mark.parametrize("reference", [None, "", "   ", "x" * 101])
def test_erasure_needs_a_reference_and_writes_nothing_without_one(chain_admin, reference):
    guest = GuestFactory(email="keep@mail.example")
    with pytest.raises(DomainError) as error:
        services.guest_erase(guest_id=guest.pk, reference=reference, by=chain_admin)
    assert error.value.field == "reference"
    assert Guest.objects.get(pk=guest.pk).email == "keep@mail.example"
    assert not AuditEvent.objects.filter(action="erase").exists()


def test_erase_twice_is_a_conflict(chain_admin, api):
    guest = GuestFactory()
    erase(guest, chain_admin)
    with pytest.raises(ConflictError):
        erase(guest, chain_admin)
    response = api.as_user(chain_admin).post(f"/api/v1/guests/{guest.pk}/erase/", {"reference": "again"})
    assert response.status_code == 409
    assert response.json()["errors"]["guest"]


def test_erasure_covers_the_whole_merge_cluster(chain_admin, hotel):
    survivor = GuestFactory(email="ana@mail.example", family_name_latin="Lima")
    duplicate = GuestFactory(email="ana.lima@mail.example", family_name_latin="Lima")
    older = GuestFactory(email="a.lima@mail.example", family_name_latin="Lima")
    services.guest_merge(survivor_id=duplicate.pk, merged_id=older.pk, by=chain_admin, note="same passport")
    services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin, note="Ana Lima twice")
    unrelated = GuestFactory(email="other@mail.example")

    erase(survivor, chain_admin)

    for profile in (survivor, duplicate, older):
        profile.refresh_from_db()
        assert profile.is_anonymised and profile.email == "" and profile.family_name_latin == services.ERASED_NAME
    assert set(GuestMerge.objects.values_list("reason_note", flat=True)) == {""}
    assert not Guest.objects.get(pk=unrelated.pk).is_anonymised
    assert AuditEvent.objects.get(action="erase").details["profiles"] == sorted([survivor.pk, duplicate.pk, older.pk])


def test_a_merged_away_profile_is_erased_through_its_survivor(chain_admin, api):
    survivor, duplicate = GuestFactory(), GuestFactory()
    services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    with pytest.raises(DomainError) as error:
        erase(duplicate, chain_admin)
    assert error.value.status_code == 404
    assert api.as_user(chain_admin).post(f"/api/v1/guests/{duplicate.pk}/erase/", {"reference": "r"}).status_code == 404


def test_undo_of_a_merge_touching_an_erased_profile_is_refused(chain_admin, api, client):
    survivor, duplicate = GuestFactory(), GuestFactory(email="dup@mail.example")
    merge = services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    erase(survivor, chain_admin)

    with pytest.raises(ConflictError) as error:
        services.guest_merge_undo(merge_id=merge.pk, by=chain_admin)
    assert "erased" in str(error.value.message)
    response = api.as_user(chain_admin).post(f"/api/v1/guest-merges/{merge.pk}/undo/")
    assert response.status_code == 409
    assert "erased" in response.json()["errors"]["merge"][0]
    client.force_login(chain_admin)
    client.post(f"/guests/merges/{merge.pk}/undo/")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk and duplicate.email == ""
    assert GuestMerge.objects.get(pk=merge.pk).undone_at is None


def test_erased_profiles_are_read_only_in_every_guests_service(chain_admin):
    guest = GuestFactory()
    erase(guest, chain_admin)
    guest.refresh_from_db()
    ptype = PreferenceTypeFactory()
    attempts = [
        lambda: services.guest_update(guest_id=guest.pk, expected_version=guest.version, data={"notes": "x"}),
        lambda: services.preference_set(guest=guest, preference_type=ptype),
        lambda: services.preference_remove(guest=guest, preference_id=1),
        lambda: services.guest_note_add(guest=guest, text="hello"),
        lambda: services.guest_note_deactivate(guest=guest, note_id=1),
        lambda: services.consent_record(
            guest_id=guest.pk, data={"purpose": "profiling", "granted": True, "source": "x"}
        ),
        lambda: services.guest_merge(survivor_id=guest.pk, merged_id=GuestFactory().pk),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError) as error:
            attempt()
        assert error.value.code == "guest_erased"
    assert not guest.guest_notes.exists() and not guest.preferences.exists()


def test_erased_profiles_are_read_only_in_the_api_and_pages(api, client, chain_admin):
    guest = GuestFactory()
    erase(guest, chain_admin)
    guest.refresh_from_db()
    client_api = api.as_user(chain_admin)
    assert client_api.patch(f"/api/v1/guests/{guest.pk}/", {"notes": "x", "version": guest.version}).status_code == 409
    response = client_api.post(f"/api/v1/guests/{guest.pk}/preferences/", {"preference_type": "bed-king"})
    assert response.status_code == 409 and "erased" in response.json()["detail"]
    body = {"purpose": "marketing_email", "granted": True, "source": "desk"}
    assert client_api.post(f"/api/v1/guests/{guest.pk}/consents/", body).status_code == 409
    client.force_login(chain_admin)
    client.post(f"/guests/{guest.pk}/notes/", {"kind": "note", "text": "x"})
    assert not GuestNote.objects.filter(guest=guest).exists()


def test_erasure_withdraws_every_consent_in_the_ledger(chain_admin):
    guest = GuestFactory()
    services.consent_record(
        guest_id=guest.pk,
        data={"purpose": "marketing_email", "granted": True, "source": "web form", "note": "Ana said yes"},
        by=chain_admin,
    )
    erase(guest, chain_admin)

    assert not any(s["granted"] for s in consent_state(guest_id=guest.pk).values())
    assert set(ConsentEntry.objects.filter(guest=guest).values_list("source", "note")) == {("erasure", "")}


def test_api_export_and_erase_need_their_permissions(api, front_desk, chain_admin):
    guest = GuestFactory()
    assert api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/export/").status_code == 403
    assert api.as_user(front_desk).post(f"/api/v1/guests/{guest.pk}/erase/", {"reference": "r"}).status_code == 403
    assert not Guest.objects.get(pk=guest.pk).is_anonymised
    denied = AuditEvent.objects.get(action="denied")
    assert (denied.actor, denied.target, denied.guest_ref, denied.channel) == (
        front_desk,
        "export:guest",
        guest.pk,
        "api",
    )

    response = api.as_user(chain_admin).get(f"/api/v1/guests/{guest.pk}/export/")
    assert response.status_code == 200 and response.json()["guest"]["id"] == guest.pk
    response = api.as_user(chain_admin).post(f"/api/v1/guests/{guest.pk}/erase/", {})
    assert response.status_code == 400 and "reference" in response.json()["errors"]
    response = api.as_user(chain_admin).post(f"/api/v1/guests/{guest.pk}/erase/", {"reference": "DSR-9"})
    assert response.status_code == 200
    assert Guest.objects.get(pk=guest.pk).is_anonymised


def test_a_page_export_without_permission_is_refused_and_audited(client, front_desk, chain_admin):
    guest = GuestFactory()
    client.force_login(front_desk)
    assert client.get(f"/guests/{guest.pk}/export/").status_code == 403
    assert AuditEvent.objects.filter(action="denied", actor=front_desk, guest_ref=guest.pk).count() == 1
    client.force_login(chain_admin)
    response = client.get(f"/guests/{guest.pk}/export/")
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'guest-{guest.pk}.json"')
    assert AuditEvent.objects.filter(action="export", actor=chain_admin, guest_ref=guest.pk).count() == 1


def test_erase_page_requires_typed_confirmation_and_a_reference(client, chain_admin):
    guest = GuestFactory(email="keep@mail.example")
    client.force_login(chain_admin)
    client.post(f"/guests/{guest.pk}/erase/", {"confirm": "yes", "reference": "T-1"})
    assert Guest.objects.get(pk=guest.pk).email == "keep@mail.example"
    response = client.post(f"/guests/{guest.pk}/erase/", {"confirm": "ERASE"})
    assert response.status_code == 400 and Guest.objects.get(pk=guest.pk).email == "keep@mail.example"
    client.post(f"/guests/{guest.pk}/erase/", {"confirm": "ERASE", "reference": "T-1"})
    assert Guest.objects.get(pk=guest.pk).is_anonymised
    assert AuditEvent.objects.get(action="erase").details["reference"] == "T-1"


def test_stays_survive_erasure_in_aggregates(chain_admin, hotel):
    guest = GuestFactory()
    StayFactory.create_batch(3, guest=guest, property=hotel)
    erase(guest, chain_admin)
    assert Stay.objects.filter(guest=guest).count() == 3
