"""Privacy requests (export, erase) and the audit log of who saw or changed a guest."""

import pytest

from crm_site.errors import DomainError
from guests import services
from guests.models import AuditEvent, Guest, GuestNote, Stay
from tests.factories import GuestFactory, GuestNoteFactory, GuestPreferenceFactory, StayFactory

pytestmark = pytest.mark.django_db


def test_export_contains_profile_preferences_notes_and_stays(chain_admin, hotel):
    guest = GuestFactory(family_name_latin="Costa", given_name_latin="Rui", email="rui@mail.example")
    GuestPreferenceFactory(guest=guest)
    GuestNoteFactory(guest=guest, text="Likes the sea view")
    StayFactory(guest=guest, property=hotel, confirmation_number="X1")

    data = services.guest_export(guest=guest, by=chain_admin)

    assert data["guest"]["email"] == "rui@mail.example"
    assert len(data["preferences"]) == 1
    assert data["notes"][0]["text"] == "Likes the sea view"
    assert data["stays"][0]["confirmation_number"] == "X1"
    assert AuditEvent.objects.filter(guest_ref=guest.pk, action="export", actor=chain_admin).exists()


def test_erase_anonymises_but_keeps_stay_revenue(chain_admin, hotel):
    guest = GuestFactory(family_name_latin="Costa", given_name_latin="Rui", email="rui@mail.example")
    GuestPreferenceFactory(guest=guest)
    GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text="Allergic to nuts")
    stay = StayFactory(guest=guest, property=hotel, special_requests="Call Mr Costa")

    services.guest_erase(guest_id=guest.pk, by=chain_admin)

    guest.refresh_from_db()
    assert guest.is_anonymised
    assert guest.email == "" and guest.phone == "" and guest.given_name_latin == ""
    assert guest.search_document == "" and guest.birth_date is None
    assert not guest.preferences.exists() and not guest.guest_notes.exists()
    stay.refresh_from_db()
    assert stay.guest_id == guest.pk and stay.total_revenue == stay.room_revenue
    assert stay.special_requests == ""
    assert AuditEvent.objects.filter(guest_ref=guest.pk, action="erase").count() == 1


def test_erase_twice_is_refused(chain_admin):
    guest = GuestFactory()
    services.guest_erase(guest_id=guest.pk, by=chain_admin)
    with pytest.raises(DomainError):
        services.guest_erase(guest_id=guest.pk, by=chain_admin)


def test_api_export_and_erase_need_their_permissions(api, front_desk, chain_admin):
    guest = GuestFactory()
    assert api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/export/").status_code == 403
    assert api.as_user(front_desk).post(f"/api/v1/guests/{guest.pk}/erase/").status_code == 403
    assert not Guest.objects.get(pk=guest.pk).is_anonymised

    response = api.as_user(chain_admin).get(f"/api/v1/guests/{guest.pk}/export/")
    assert response.status_code == 200 and response.json()["guest"]["id"] == guest.pk
    response = api.as_user(chain_admin).post(f"/api/v1/guests/{guest.pk}/erase/")
    assert response.status_code == 200
    assert Guest.objects.get(pk=guest.pk).is_anonymised


def test_viewing_and_changing_a_profile_is_audited(client, api, front_desk):
    guest = GuestFactory()
    client.force_login(front_desk)
    assert client.get(f"/guests/{guest.pk}/").status_code == 200
    api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/profile/")
    services.guest_update(guest_id=guest.pk, expected_version=guest.version, data={"language": "pt"}, by=front_desk)

    events = list(AuditEvent.objects.filter(guest_ref=guest.pk).order_by("id").values_list("action", "channel"))
    assert events == [("view", "web"), ("view", "api"), ("change", "web")]
    assert AuditEvent.objects.get(action="change").details == {"fields": ["language"]}


def test_audit_page_is_for_chain_admins_only(client, front_desk, chain_admin):
    guest = GuestFactory()
    client.force_login(front_desk)
    assert client.get(f"/guests/{guest.pk}/audit/").status_code == 403
    client.force_login(chain_admin)
    client.get(f"/guests/{guest.pk}/")
    response = client.get(f"/guests/{guest.pk}/audit/")
    assert response.status_code == 200
    assert "Viewed" in response.content.decode()


def test_erase_page_requires_typed_confirmation(client, chain_admin):
    guest = GuestFactory(email="keep@mail.example")
    client.force_login(chain_admin)
    client.post(f"/guests/{guest.pk}/erase/", {"confirm": "yes"})
    assert Guest.objects.get(pk=guest.pk).email == "keep@mail.example"
    client.post(f"/guests/{guest.pk}/erase/", {"confirm": "ERASE"})
    assert Guest.objects.get(pk=guest.pk).is_anonymised


def test_stays_survive_erasure_in_aggregates(chain_admin, hotel):
    guest = GuestFactory()
    StayFactory.create_batch(3, guest=guest, property=hotel)
    services.guest_erase(guest_id=guest.pk, by=chain_admin)
    assert Stay.objects.filter(guest=guest).count() == 3
