"""The Django admin writes through the services (audit, version, search keys, signals,
validation) or not at all."""

import pytest

from guests.models import AuditEvent, Guest, GuestNote, GuestPreference, Property, Stay
from guests.signals import stays_upserted
from tests.factories import (
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PropertyFactory,
    StayFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NO_INLINES = {
    f"{prefix}-{key}": value
    for prefix in ("preferences", "guest_notes")
    for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "0"))
}


@pytest.fixture
def root(client, hotel):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def guest_form(**values) -> dict:
    data = {
        "family_name": "",
        "given_name": "",
        "family_name_latin": "",
        "given_name_latin": "",
        "gender": "",
        "birth_date": "",
        "nationality": "",
        "language": "",
        "email": "",
        "phone": "",
        "vip_code": "",
        "company": "",
        "notes": "",
        "document_number": "",
        **NO_INLINES,
    }
    data.update(values)
    return data


def errors_of(response) -> dict:
    form = response.context["adminform"].form
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


# --- Guests ------------------------------------------------------------------------------------


def test_admin_creates_a_guest_through_the_service(root):
    response = root.post(
        "/admin/guests/guest/add/",
        guest_form(family_name="张", given_name="伟", email="ZW@Mail.Example", phone="13800138000"),
    )
    assert response.status_code == 302, errors_of(response)
    guest = Guest.objects.get()
    assert (guest.name_key, guest.name_initials, guest.email, guest.phone) == (
        "zhangwei",
        "zw",
        "zw@mail.example",
        "+8613800138000",
    )
    assert guest.phone_reversed == "0008310083168" and guest.version == 1
    event = AuditEvent.objects.get(guest_ref=guest.pk)
    assert (event.action, event.actor, event.channel) == ("create", root.user, "admin")


def test_admin_change_bumps_the_version_rekeys_and_audits(root):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana", email="ana@mail.example", phone="")
    response = root.post(
        f"/admin/guests/guest/{guest.pk}/change/",
        guest_form(family_name_latin="Souza", given_name_latin="Ana", email="ana@mail.example", loaded_version="1"),
    )
    assert response.status_code == 302, errors_of(response)
    guest.refresh_from_db()
    assert (guest.family_name_latin, guest.name_key, guest.version) == ("Souza", "souzaana", 2)
    event = AuditEvent.objects.get(guest_ref=guest.pk)
    assert (event.action, event.channel) == ("change", "admin")
    assert event.details["changes"] == {"family_name_latin": ["Silva", "Souza"]}


def test_admin_change_over_a_newer_version_is_refused(root):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana")
    Guest.objects.filter(pk=guest.pk).update(version=2)  # someone saved after the form was opened
    before = list(Guest.objects.values())
    response = root.post(
        f"/admin/guests/guest/{guest.pk}/change/",
        guest_form(family_name_latin="Stale", given_name_latin="Ana", loaded_version="1"),
    )
    assert response.status_code == 200
    assert "Someone else saved" in str(response.context["adminform"].form.non_field_errors())
    assert list(Guest.objects.values()) == before
    assert not AuditEvent.objects.exists()


def test_admin_shows_every_invalid_guest_field_and_writes_nothing(root):
    response = root.post(
        "/admin/guests/guest/add/",
        guest_form(email="not-an-email", phone="call me", nationality="P1", birth_date="2099-01-01"),
    )
    assert response.status_code == 200
    assert {"email", "phone", "nationality", "birth_date", "family_name"} <= set(errors_of(response))
    assert not Guest.objects.exists() and not AuditEvent.objects.exists()


def test_admin_cannot_edit_merged_or_erased_guests_nor_delete_any(root):
    merged = GuestFactory(merged_into=GuestFactory())
    erased = GuestFactory(is_anonymised=True)
    for guest in (merged, erased):
        data = guest_form(family_name_latin="Changed", loaded_version="1")
        assert root.post(f"/admin/guests/guest/{guest.pk}/change/", data).status_code == 403
        assert root.post(f"/admin/guests/guest/{guest.pk}/delete/", {"post": "yes"}).status_code == 403
    assert not Guest.objects.filter(family_name_latin="Changed").exists()
    assert Guest.objects.count() == 3


def test_admin_guest_preferences_and_notes_are_read_only(root):
    guest = GuestFactory(family_name_latin="Silva")
    preference = GuestPreferenceFactory(guest=guest, note="Feather")
    note = GuestNoteFactory(guest=guest, text="Nut allergy", kind=GuestNote.Kind.ALERT)
    page = root.get(f"/admin/guests/guest/{guest.pk}/change/")
    assert page.status_code == 200 and "Feather" in page.content.decode() and "Nut allergy" in page.content.decode()
    data = guest_form(family_name_latin="Silva", loaded_version="1")
    data.update(
        {
            "preferences-TOTAL_FORMS": "2",
            "preferences-INITIAL_FORMS": "1",
            "preferences-0-id": str(preference.pk),
            "preferences-0-note": "Changed in the admin",
            "preferences-0-DELETE": "on",
            "preferences-1-preference_type": str(preference.preference_type_id),
            "preferences-1-note": "Added in the admin",
            "guest_notes-TOTAL_FORMS": "1",
            "guest_notes-INITIAL_FORMS": "1",
            "guest_notes-0-id": str(note.pk),
            "guest_notes-0-text": "Changed",
        }
    )
    root.post(f"/admin/guests/guest/{guest.pk}/change/", data)
    assert list(GuestPreference.objects.values_list("pk", "note")) == [(preference.pk, "Feather")]
    assert list(GuestNote.objects.values_list("pk", "text")) == [(note.pk, "Nut allergy")]
    for url in ("/admin/guests/guestnote/add/", f"/admin/guests/guestnote/{note.pk}/delete/"):
        assert root.post(url, {"guest": guest.pk, "text": "x", "kind": "note", "post": "yes"}).status_code == 403
    assert root.post(f"/admin/guests/guestnote/{note.pk}/change/", {"text": "x"}).status_code == 403
    assert GuestNote.objects.get().text == "Nut allergy"


# --- Stays -------------------------------------------------------------------------------------


def stay_form(**values) -> dict:
    data = {
        "property": "",
        "confirmation_number": "",
        "guest": "",
        "arrival_date": "2026-03-10",
        "departure_date": "2026-03-13",
        "check_in_at_0": "",
        "check_in_at_1": "",
        "check_out_at_0": "",
        "check_out_at_1": "",
        "room_type": "",
        "room_number": "",
        "rate_code": "",
        "channel": "direct",
        "market_segment": "",
        "status": "checked_out",
        "special_requests": "",
        "room_revenue": "300.00",
        "fnb_revenue": "45.50",
        "other_revenue": "0",
        "currency": "EUR",
        "adults": "2",
        "children": "0",
        "country": "",
    }
    data.update(values)
    return data


def test_admin_adds_a_stay_through_the_upsert(root, hotel, django_capture_on_commit_callbacks):
    guest = GuestFactory()
    received = []
    stays_upserted.connect(
        lambda sender, stay_ids, **kw: received.append(stay_ids), dispatch_uid="admin-stay", weak=False
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = root.post(
                "/admin/guests/stay/add/",
                stay_form(property=hotel.pk, confirmation_number="ADM-1", guest=guest.pk),
            )
    finally:
        stays_upserted.disconnect(dispatch_uid="admin-stay")
    assert response.status_code == 302, errors_of(response)
    stay = Stay.objects.get()
    assert (stay.guest_id, stay.nights, str(stay.total_revenue)) == (guest.pk, 3, "345.50")
    assert received == [[stay.pk]]


def test_admin_stay_errors_come_from_the_rule_set(root, hotel):
    StayFactory(property=hotel, confirmation_number="TAKEN")
    response = root.post(
        "/admin/guests/stay/add/",
        stay_form(property=hotel.pk, confirmation_number="TAKEN", currency="XYZ", departure_date="2026-03-01"),
    )
    assert response.status_code == 200
    assert "confirmation_number" in errors_of(response)
    response = root.post(
        "/admin/guests/stay/add/",
        stay_form(property=hotel.pk, confirmation_number="NEW", currency="XYZ", departure_date="2026-03-01"),
    )
    assert {"currency", "departure_date"} <= set(errors_of(response))
    assert list(Stay.objects.values_list("confirmation_number", flat=True)) == ["TAKEN"]


def test_admin_cannot_delete_stays(root, hotel):
    stay = StayFactory(property=hotel)
    assert root.post(f"/admin/guests/stay/{stay.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Stay.objects.filter(pk=stay.pk).exists()


# --- Properties --------------------------------------------------------------------------------


def property_form(**values) -> dict:
    data = {"code": "", "name": "", "city": "", "country": "", "timezone": "UTC", "currency": "EUR", "is_active": "on"}
    data.update(values)
    return data


def test_admin_property_goes_through_the_service(root, hotel):
    response = root.post(
        "/admin/guests/property/add/", property_form(code="opo", name="Porto", timezone="Europe/Lisbon")
    )
    assert response.status_code == 302, errors_of(response)
    assert Property.objects.get(code="OPO").timezone == "Europe/Lisbon"
    response = root.post(
        "/admin/guests/property/add/", property_form(code="B@D", name="", timezone="Mars/Olympus", currency="XYZ")
    )
    assert response.status_code == 200
    assert {"code", "name", "timezone", "currency"} <= set(errors_of(response))
    prop = PropertyFactory(code="FAO", name="Faro")
    response = root.post(f"/admin/guests/property/{prop.pk}/change/", property_form(code="FAO", name="Faro Beach"))
    assert response.status_code == 302
    assert Property.objects.get(pk=prop.pk).name == "Faro Beach"
    assert root.post(f"/admin/guests/property/{prop.pk}/delete/", {"post": "yes"}).status_code == 403
