"""Duplicate detection, merge and exact undo."""

import datetime as dt

import pytest

from crm_site.errors import DomainError, NotFound
from guests import selectors, services
from guests.models import AuditEvent, Guest, GuestMerge, GuestNote, GuestPreference, Stay
from tests.factories import (
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PreferenceTypeFactory,
    StayFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(hotel):
    survivor = GuestFactory(
        family_name_latin="Silva",
        given_name_latin="Ana",
        email="ana@mail.example",
        phone="+351912000001",
        birth_date=dt.date(1980, 5, 1),
    )
    duplicate = GuestFactory(
        family_name_latin="Silva",
        given_name_latin="Anna",
        email="ana@mail.example",
        phone="",
        birth_date=dt.date(1980, 5, 1),
    )
    return survivor, duplicate


def test_duplicate_candidates_explain_why(pair):
    survivor, duplicate = pair
    GuestFactory(email="other@mail.example", birth_date=dt.date(1980, 5, 1), family_name_latin="Wang")
    candidates = selectors.duplicate_candidates(guest=survivor)
    assert [c["guest"].pk for c in candidates] == [duplicate.pk]
    assert candidates[0]["reasons"] == ["same_email", "similar_name_same_birth_date"]


def test_same_phone_and_document_are_duplicates(hotel):
    a = GuestFactory(phone="+8613800000001", email="a@mail.example")
    b = GuestFactory(phone="+8613800000001", email="b@mail.example")
    assert selectors.duplicate_reasons(a, b) == ["same_phone"]
    a.document_hash = b.document_hash = "f" * 64
    assert selectors.duplicate_reasons(a, b) == ["same_phone", "same_document"]


def test_merge_moves_everything_and_undo_restores_exactly(pair, hotel, chain_admin):
    survivor, duplicate = pair
    shared_type = PreferenceTypeFactory(code="shared")
    GuestPreferenceFactory(guest=survivor, preference_type=shared_type, note="survivor's")
    GuestPreferenceFactory(guest=duplicate, preference_type=shared_type, note="duplicate's")
    own_pref = GuestPreferenceFactory(guest=duplicate, preference_type=PreferenceTypeFactory(code="own"))
    stays = StayFactory.create_batch(3, guest=duplicate, property=hotel)
    survivor_stay = StayFactory(guest=survivor, property=hotel)
    note = GuestNoteFactory(guest=duplicate, text="VIP of Company X")

    record = services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)

    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert set(Stay.objects.filter(guest=survivor).values_list("pk", flat=True)) == {
        survivor_stay.pk,
        *[s.pk for s in stays],
    }
    assert GuestNote.objects.get(pk=note.pk).guest_id == survivor.pk
    assert GuestPreference.objects.get(pk=own_pref.pk).guest_id == survivor.pk
    # The survivor keeps its own version of a preference both had.
    assert survivor.preferences.get(preference_type=shared_type).note == "survivor's"
    assert record.reasons == ["same_email", "similar_name_same_birth_date"]
    assert sorted(record.moved["guests"]["stays"]) == sorted(s.pk for s in stays)
    assert not any(g.pk == duplicate.pk for g in selectors.guest_search(query="silva"))

    services.guest_merge_undo(merge_id=record.pk, by=chain_admin)

    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert set(Stay.objects.filter(guest=duplicate).values_list("pk", flat=True)) == {s.pk for s in stays}
    assert list(Stay.objects.filter(guest=survivor).values_list("pk", flat=True)) == [survivor_stay.pk]
    assert GuestNote.objects.get(pk=note.pk).guest_id == duplicate.pk
    assert GuestPreference.objects.get(pk=own_pref.pk).guest_id == duplicate.pk
    assert duplicate.preferences.count() == 2
    record.refresh_from_db()
    assert record.undone_at is not None
    actions = list(AuditEvent.objects.filter(guest_ref=survivor.pk).values_list("action", flat=True))
    assert "merge" in actions and "unmerge" in actions


def test_merge_fills_blank_fields_and_undo_clears_them(hotel, chain_admin):
    survivor = GuestFactory(email="x@mail.example", phone="")
    duplicate = GuestFactory(email="x@mail.example", phone="+351912345678")
    record = services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    survivor.refresh_from_db()
    assert survivor.phone == "+351912345678"
    assert selectors.guest_search(query="5678")[0].pk == survivor.pk
    services.guest_merge_undo(merge_id=record.pk, by=chain_admin)
    survivor.refresh_from_db()
    assert survivor.phone == "" and survivor.phone_reversed == ""


@pytest.mark.parametrize("case", ["self", "missing", "already_merged", "survivor_merged"])
def test_bad_merges_are_refused_and_change_nothing(case, pair, hotel, chain_admin):
    survivor, duplicate = pair
    StayFactory(guest=duplicate, property=hotel)
    third = GuestFactory()
    if case == "already_merged":
        services.guest_merge(survivor_id=third.pk, merged_id=duplicate.pk, by=chain_admin)
    if case == "survivor_merged":
        services.guest_merge(survivor_id=third.pk, merged_id=survivor.pk, by=chain_admin)
    before = GuestMerge.objects.count()
    merged_id = {"self": survivor.pk, "missing": 999999}.get(case, duplicate.pk)
    with pytest.raises((DomainError, NotFound)):
        services.guest_merge(survivor_id=survivor.pk, merged_id=merged_id, by=chain_admin)
    assert GuestMerge.objects.count() == before


def test_undo_twice_is_refused(pair, chain_admin):
    survivor, duplicate = pair
    record = services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    services.guest_merge_undo(merge_id=record.pk, by=chain_admin)
    with pytest.raises(DomainError):
        services.guest_merge_undo(merge_id=record.pk, by=chain_admin)


def test_merge_api_permissions_and_undo(api, pair, front_desk, chain_admin):
    survivor, duplicate = pair
    url = f"/api/v1/guests/{survivor.pk}/merge/"
    assert api.as_user(front_desk).post(url, {"duplicate": duplicate.pk}).status_code == 403
    assert api.as_user(chain_admin).post(url, {"duplicate": "abc"}).status_code == 400
    response = api.as_user(chain_admin).post(url, {"duplicate": duplicate.pk})
    assert response.status_code == 201
    merge_id = response.json()["id"]
    assert Guest.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
    # A merged guest is gone from the API...
    assert api.get(f"/api/v1/guests/{duplicate.pk}/").status_code == 404
    response = api.post(f"/api/v1/guest-merges/{merge_id}/undo/")
    assert response.status_code == 200
    assert Guest.objects.get(pk=duplicate.pk).merged_into_id is None
    assert api.post(f"/api/v1/guest-merges/{merge_id}/undo/").status_code == 400


def test_merge_pages(client, pair, chain_admin):
    survivor, duplicate = pair
    client.force_login(chain_admin)
    page = client.get(f"/guests/{survivor.pk}/").content.decode()
    assert "Possible duplicates" in page and "Same e-mail" in page
    response = client.post(f"/guests/{survivor.pk}/merge/", {"duplicate": duplicate.pk})
    record = GuestMerge.objects.get()
    assert response["Location"] == f"/guests/merges/{record.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Undo this merge" in detail
    # The duplicate's page now redirects to the survivor.
    assert client.get(f"/guests/{duplicate.pk}/")["Location"] == f"/guests/{survivor.pk}/"
    client.post(f"/guests/merges/{record.pk}/undo/")
    assert Guest.objects.get(pk=duplicate.pk).merged_into_id is None


def test_the_360_lists_the_merges_with_names_user_and_undo(pair, chain_admin):
    survivor, duplicate = pair
    Guest.objects.filter(pk=duplicate.pk).update(family_name="席尔瓦", given_name="安娜")
    duplicate.refresh_from_db()
    record = services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    services.guest_merge_undo(merge_id=record.pk, by=None)
    again = services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=None)
    merges = selectors.duplicates_section(Guest.objects.get(pk=survivor.pk), chain_admin)["merges"]
    record.refresh_from_db()
    again.refresh_from_db()
    assert merges == [
        {
            "id": again.pk,
            "survivor_id": survivor.pk,
            "merged_id": duplicate.pk,
            "merged_name": duplicate.display_name,
            "survivor_name": survivor.display_name,
            "merged_at": again.merged_at.isoformat(),
            "merged_by": "",
            "undone": False,
            "reasons": selectors.reason_labels(again.reasons),
        },
        {
            "id": record.pk,
            "survivor_id": survivor.pk,
            "merged_id": duplicate.pk,
            "merged_name": duplicate.display_name,
            "survivor_name": survivor.display_name,
            "merged_at": record.merged_at.isoformat(),
            "merged_by": chain_admin.username,
            "undone": True,
            "reasons": selectors.reason_labels(record.reasons),
        },
    ]
    assert "(" in duplicate.display_name  # local and Latin names both shown
