"""Business rules of guests.services and the search keys they derive."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_site.errors import ConflictError, DomainError, NotFound
from guests import search_keys, services
from guests.models import ExchangeRate, Guest, GuestNote, GuestPreference, Stay
from guests.signals import stays_upserted
from tests.factories import GuestFactory, PreferenceTypeFactory, StayFactory
from tests.guests.factories import stay_row

pytestmark = pytest.mark.django_db


def snapshot(model):
    """Every row of a model as plain values: compare before/after to prove nothing moved."""
    return list(model.objects.order_by("pk").values())


# --- Search keys --------------------------------------------------------------------------


def test_name_keys_of_a_chinese_name():
    keys = search_keys.name_keys(family_name="张", given_name="伟", family_name_latin="Zhang", given_name_latin="Wei")
    assert keys["name_key"] == "zhangwei"
    assert keys["name_initials"] == "zw"
    for spelling in ("zhang wei", "wei zhang", "zhangwei", "张伟"):
        assert spelling in keys["search_document"]


def test_name_keys_fold_accents_and_keep_the_german_spelling():
    keys = search_keys.name_keys(family_name="", given_name="", family_name_latin="Müller", given_name_latin="Jürgen")
    assert keys["name_key"] == "mullerjurgen"
    assert keys["name_initials"] == "mj"
    assert "muller jurgen" in keys["search_document"]
    assert "mueller juergen" in keys["search_document"]


def test_name_keys_without_umlauts_have_no_extra_spelling():
    keys = search_keys.name_keys(family_name="", given_name="", family_name_latin="Silva", given_name_latin="Ana")
    assert keys["search_document"] == "ana silva silva ana silvaana"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("+351 912 345 678", "+351912345678"), ("13800138000", "+8613800138000"), ("", "")],
)
def test_normalise_phone(raw, e164):
    assert search_keys.normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["not a phone", "123", "+1"])
def test_normalise_phone_refuses_what_is_not_a_number(raw):
    with pytest.raises(search_keys.InvalidPhone):
        search_keys.normalise_phone(raw)


def test_document_hash_is_salted_stable_and_unreadable(settings):
    first = search_keys.document_hash("AB 123-456")
    assert first == search_keys.document_hash("ab123456")
    assert "123456" not in first and len(first) == 64
    settings.DOCUMENT_HASH_SALT = "another-salt"
    assert search_keys.document_hash("AB123456") != first
    assert search_keys.document_hash("  ") == ""


# --- guest_create -------------------------------------------------------------------------


def test_guest_create_normalises_and_derives_keys():
    guest = services.guest_create(
        data={
            "family_name": " 张 ",
            "given_name": "伟",
            "email": " Zhang.Wei@Mail.Example ",
            "phone": "138 0013 8000",
            "nationality": "chn",
            "birth_date": "1980-02-29",
            "document_number": "E1234567",
            "marketing_email_consent": True,
        }
    )
    guest.refresh_from_db()
    assert guest.family_name == "张"
    assert guest.email == "zhang.wei@mail.example"
    assert guest.phone == "+8613800138000"
    assert guest.phone_reversed == "0008310083168"
    assert guest.nationality == "CHN"
    assert guest.birth_date == dt.date(1980, 2, 29)
    assert guest.name_key == "zhangwei" and guest.name_initials == "zw"
    assert guest.document_hash == search_keys.document_hash("E1234567")
    assert guest.marketing_email_consent_at is not None
    assert guest.marketing_email_consent_source == "staff"
    assert guest.version == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"family_name": "", "given_name": ""}, "family_name"),
        ({"family_name": "Silva", "email": "not-an-email"}, "email"),
        ({"family_name": "Silva", "email": "a@b"}, "email"),
        ({"family_name": "Silva", "phone": "call me maybe"}, "phone"),
        ({"family_name": "Silva", "birth_date": "1980-13-40"}, "birth_date"),
        ({"family_name": "Silva", "birth_date": "tomorrow"}, "birth_date"),
        ({"family_name": "Silva", "birth_date": dt.date(1850, 1, 1)}, "birth_date"),
        ({"family_name": "Silva", "nationality": "P1"}, "nationality"),
        ({"family_name": "Silva", "gender": "Q"}, "gender"),
        ({"family_name": "Silva", "is_anonymised": True}, "is_anonymised"),
    ],
)
def test_guest_create_refuses_bad_input_naming_the_field(data, field):
    with pytest.raises(DomainError) as caught:
        services.guest_create(data=data)
    assert caught.value.field == field
    assert not Guest.objects.exists()


def test_guest_create_refuses_a_future_birth_date():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        services.guest_create(data={"family_name": "Silva", "birth_date": tomorrow})
    assert caught.value.field == "birth_date"
    assert not Guest.objects.exists()


# --- guest_update (optimistic locking) ----------------------------------------------------


def test_guest_update_bumps_the_version_and_rekeys_names():
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana")
    updated = services.guest_update(guest_id=guest.pk, expected_version=1, data={"family_name_latin": "Souza"})
    assert updated.version == 2
    assert updated.family_name_latin == "Souza"
    assert updated.name_key == "souzaana"
    assert updated.given_name_latin == "Ana"  # partial: untouched fields stay


def test_guest_update_with_stale_version_is_a_conflict_and_writes_nothing():
    guest = GuestFactory(family_name_latin="Silva")
    services.guest_update(guest_id=guest.pk, expected_version=1, data={"notes": "first editor"})
    before = snapshot(Guest)
    with pytest.raises(ConflictError) as caught:
        services.guest_update(guest_id=guest.pk, expected_version=1, data={"notes": "second editor"})
    assert caught.value.field == "version"
    assert caught.value.status_code == 409
    assert snapshot(Guest) == before


def test_guest_update_without_version_is_refused():
    guest = GuestFactory()
    before = snapshot(Guest)
    with pytest.raises(DomainError) as caught:
        services.guest_update(guest_id=guest.pk, expected_version=None, data={"notes": "x"})
    assert caught.value.field == "version" and caught.value.status_code == 400
    assert snapshot(Guest) == before


def test_guest_update_with_bad_value_writes_nothing():
    guest = GuestFactory()
    before = snapshot(Guest)
    with pytest.raises(DomainError) as caught:
        services.guest_update(guest_id=guest.pk, expected_version=1, data={"notes": "x", "email": "nope"})
    assert caught.value.field == "email"
    assert snapshot(Guest) == before


def test_guest_update_of_a_merged_guest_is_not_found():
    survivor = GuestFactory()
    merged = GuestFactory(merged_into=survivor)
    with pytest.raises(NotFound):
        services.guest_update(guest_id=merged.pk, expected_version=1, data={"notes": "x"})


def test_consent_change_records_when_and_where():
    guest = GuestFactory(marketing_sms_consent=False)
    updated = services.guest_update(
        guest_id=guest.pk, expected_version=1, data={"marketing_sms_consent": True, "consent_source": "pms"}
    )
    assert updated.marketing_sms_consent_at is not None
    assert updated.marketing_sms_consent_source == "pms"
    assert updated.marketing_email_consent_at is None


# --- Preferences and notes ----------------------------------------------------------------


def test_preference_set_twice_reconfirms_instead_of_duplicating(hotel):
    guest = GuestFactory()
    pillow = PreferenceTypeFactory(code="pillow-test")
    services.preference_set(guest=guest, preference_type=pillow, confirmed_on=dt.date(2025, 1, 1))
    services.preference_set(guest=guest, preference_type=pillow, note="two", source_property=hotel)
    preference = GuestPreference.objects.get(guest=guest)
    assert preference.note == "two"
    assert preference.last_confirmed == timezone.localdate()
    assert preference.source_property == hotel


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"source": "rumour"}, "source"),
        ({"confirmed_on": dt.date(2999, 1, 1)}, "last_confirmed"),
    ],
)
def test_preference_set_refuses_bad_input(kwargs, field):
    guest = GuestFactory()
    with pytest.raises(DomainError) as caught:
        services.preference_set(guest=guest, preference_type=PreferenceTypeFactory(), **kwargs)
    assert caught.value.field == field
    assert not GuestPreference.objects.exists()


def test_preference_of_a_retired_type_is_refused():
    retired = PreferenceTypeFactory(is_active=False)
    with pytest.raises(DomainError) as caught:
        services.preference_set(guest=GuestFactory(), preference_type=retired)
    assert caught.value.field == "preference_type"


def test_preference_remove_only_removes_the_guests_own():
    guest, other = GuestFactory(), GuestFactory()
    pref_type = PreferenceTypeFactory()
    theirs = services.preference_set(guest=other, preference_type=pref_type)
    with pytest.raises(NotFound):
        services.preference_remove(guest=guest, preference_id=theirs.pk)
    assert GuestPreference.objects.filter(pk=theirs.pk).exists()
    services.preference_remove(guest=other, preference_id=theirs.pk)
    assert not GuestPreference.objects.exists()


def test_note_needs_text_and_a_known_kind():
    guest = GuestFactory()
    with pytest.raises(DomainError) as caught:
        services.guest_note_add(guest=guest, text="   ")
    assert caught.value.field == "text"
    with pytest.raises(DomainError) as caught:
        services.guest_note_add(guest=guest, text="x", kind="gossip")
    assert caught.value.field == "kind"
    assert not GuestNote.objects.exists()
    note = services.guest_note_add(guest=guest, text=" Nut allergy ", kind="alert")
    assert note.text == "Nut allergy" and note.kind == "alert"


# --- Stays upsert -------------------------------------------------------------------------


@pytest.fixture
def stay_signals():
    received = []

    def receiver(sender, stay_ids, **kwargs):
        received.append(sorted(stay_ids))

    stays_upserted.connect(receiver, dispatch_uid="test-stay-signals")
    yield received
    stays_upserted.disconnect(dispatch_uid="test-stay-signals")


def test_bulk_upsert_of_500_rows_then_resend_changes_nothing(hotel, other_hotel):
    guests = GuestFactory.create_batch(5)
    rows = [
        stay_row(
            property="LIS" if i % 2 else "ALG",
            confirmation_number=f"B{i:05d}",
            guest=guests[i % 5].pk,
            room_revenue=f"{100 + i}.00",
        )
        for i in range(500)
    ]
    report = services.stays_upsert(rows=rows)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (500, 0, 0, 0)
    assert Stay.objects.count() == 500
    stay = Stay.objects.get(property=hotel, confirmation_number="B00001")
    assert stay.total_revenue == Decimal("146.50")  # 101.00 + 45.50 (EUR is the chain currency)
    assert stay.nights == 3
    assert stay.guest_id == guests[1].pk

    before = list(Stay.objects.order_by("pk").values())
    again = services.stays_upsert(rows=rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 500)
    assert again.changed_ids == []
    assert [r.stay_id for r in again.results] == [r.stay_id for r in report.results]
    assert list(Stay.objects.order_by("pk").values()) == before  # not even updated_at moved


def test_upsert_updating_revenue_changes_total_revenue(hotel):
    row = stay_row(confirmation_number="R1")
    services.stays_upsert(rows=[row])
    first = Stay.objects.get()
    services.stays_upsert(rows=[{**row, "room_revenue": "1000.00", "other_revenue": "4.50"}])
    stay = Stay.objects.get()
    assert stay.pk == first.pk
    assert stay.room_revenue == Decimal("1000.00")
    assert stay.total_revenue == Decimal("1050.00")
    assert stay.created_at == first.created_at


def test_upsert_converts_total_revenue_to_chain_currency(hotel):
    ExchangeRate.objects.create(currency="CNY", valid_from=dt.date(2026, 1, 1), rate=Decimal("0.5"))
    services.stays_upsert(rows=[stay_row(currency="CNY", room_revenue="100", fnb_revenue="0")])
    stay = Stay.objects.get()
    assert stay.room_revenue == Decimal("100.00") and stay.currency == "CNY"
    assert stay.total_revenue == Decimal("50.00")


def test_stays_upserted_is_sent_after_commit_with_the_ids(hotel, stay_signals, django_capture_on_commit_callbacks):
    existing = StayFactory(property=hotel, confirmation_number="OLD1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = services.stays_upsert(
            rows=[stay_row(confirmation_number="OLD1"), stay_row(confirmation_number="NEW1")]
        )
        assert stay_signals == []  # not inside the transaction
    assert len(callbacks) == 1
    new = Stay.objects.get(confirmation_number="NEW1")
    assert stay_signals == [sorted([existing.pk, new.pk])]
    assert [(r.status, r.stay_id) for r in report.results] == [("updated", existing.pk), ("created", new.pk)]


def test_signal_ids_without_returned_pks_are_exactly_the_batch(
    hotel, other_hotel, stay_signals, django_capture_on_commit_callbacks, monkeypatch
):
    """Old SQLite returns no ids from an upsert; the look-up by key must not catch a stay
    that shares only the property of one row and the number of another."""
    bystander = StayFactory(property=hotel, confirmation_number="B")
    original = Stay.objects.bulk_create

    def bulk_create_without_ids(objs, **kwargs):
        saved = original(objs, **kwargs)
        for stay in saved:
            stay.pk = None
        return saved

    monkeypatch.setattr(Stay.objects, "bulk_create", bulk_create_without_ids)
    with django_capture_on_commit_callbacks(execute=True):
        services.stays_upsert(
            rows=[stay_row(property="LIS", confirmation_number="A"), stay_row(property="ALG", confirmation_number="B")]
        )
    expected = sorted(
        Stay.objects.filter(confirmation_number__in=["A", "B"]).exclude(pk=bystander.pk).values_list("pk", flat=True)
    )
    assert len(expected) == 2
    assert stay_signals == [expected]


def test_rejected_batch_sends_no_signal(hotel, stay_signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(services.StayBatchError):
            services.stays_upsert(rows=[stay_row(), stay_row(adults=-1)])
    assert callbacks == [] and stay_signals == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"property": "NOPE"}, "property"),
        ({"property": ""}, "property"),
        ({"confirmation_number": ""}, "confirmation_number"),
        ({"confirmation_number": "X" * 41}, "confirmation_number"),
        ({"arrival_date": ""}, "arrival_date"),
        ({"arrival_date": "2026-02-30"}, "arrival_date"),
        ({"departure_date": "10/03/2026"}, "departure_date"),
        ({"departure_date": "2026-03-09"}, "departure_date"),
        ({"departure_date": "2027-06-01"}, "departure_date"),
        ({"status": "checked_in"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"adults": -1}, "adults"),
        ({"children": "two"}, "children"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"room_revenue": "lots"}, "room_revenue"),
        ({"fnb_revenue": "NaN"}, "fnb_revenue"),
        ({"guest": 999999}, "guest"),
        ({"guest": "abc"}, "guest"),
        ({"room_number": "12345678901"}, "room_number"),
        ({"check_in_at": "yesterday evening"}, "check_in_at"),
        ({"check_out_at": "2026-13-01T10:00:00Z"}, "check_out_at"),
    ],
)
def test_batch_with_one_bad_row_writes_nothing(hotel, overrides, field):
    StayFactory(property=hotel, confirmation_number="KEEP", room_revenue=Decimal("10"))
    before = snapshot(Stay)
    rows = [stay_row(confirmation_number="GOOD1"), stay_row(**overrides), stay_row(confirmation_number="GOOD2")]
    with pytest.raises(services.StayBatchError) as caught:
        services.stays_upsert(rows=rows)
    assert [e.as_dict()["row"] for e in caught.value.errors] == [1]
    assert caught.value.errors[0].field == field
    assert snapshot(Stay) == before


def test_batch_with_same_key_twice_is_a_row_error(hotel):
    rows = [stay_row(confirmation_number="DUP"), stay_row(confirmation_number="DUP", room_revenue="1")]
    with pytest.raises(services.StayBatchError) as caught:
        services.stays_upsert(rows=rows)
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, "confirmation_number")]
    assert caught.value.body()["rows"][0]["row"] == 1
    assert not Stay.objects.exists()


def test_batch_refers_to_merged_guest_is_refused(hotel):
    merged = GuestFactory(merged_into=GuestFactory())
    with pytest.raises(services.StayBatchError) as caught:
        services.stays_upsert(rows=[stay_row(guest=merged.pk)])
    assert caught.value.errors[0].field == "guest"


def test_single_stay_upsert_names_the_field_directly(hotel):
    with pytest.raises(DomainError) as caught:
        services.stay_upsert(row=stay_row(departure_date="2026-03-01"))
    assert not isinstance(caught.value, services.StayBatchError)
    assert caught.value.field == "departure_date"
    assert not Stay.objects.exists()


def test_single_stay_upsert_is_idempotent(hotel):
    row = stay_row(confirmation_number="ONE")
    first, created = services.stay_upsert(row=row)
    again, unchanged = services.stay_upsert(row=row)
    assert (first.pk, created) == (again.pk, "created")
    assert unchanged == "unchanged" and again.updated_at == first.updated_at
    assert Stay.objects.count() == 1


def test_stay_check_in_time_is_parsed(hotel):
    stay, _status = services.stay_upsert(row=stay_row(check_in_at="2026-03-10T15:30:00+00:00"))
    assert stay.check_in_at == dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)


def test_stay_update_cannot_change_the_key(hotel, other_hotel):
    stay = StayFactory(property=hotel, confirmation_number="KEY1")
    for data, field in (
        ({"property": other_hotel}, "property"),
        ({"confirmation_number": "KEY2"}, "confirmation_number"),
    ):
        with pytest.raises(DomainError) as caught:
            services.stay_update(stay=stay, data=data)
        assert caught.value.field == field
    updated, outcome = services.stay_update(stay=stay, data={"room_number": "512", "status": "in_house"})
    assert outcome == "updated"
    assert updated.pk == stay.pk and updated.room_number == "512" and updated.status == "in_house"
