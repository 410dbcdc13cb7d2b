"""The contacts map: guest profiles and contact-only people, coverage of levels and roles,
and a guest contact following the guest's consent, merge and erasure."""

import pytest

from accounts import selectors, services
from accounts.models import AccountContact, Activity
from crm_site.errors import DomainError, Forbidden
from guests.services import guest_erase, guest_merge, guest_merge_undo
from tests.factories import GuestFactory

from .factories import ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_coverage_names_the_levels_and_roles_not_reached(own_account):
    ContactFactory(account=own_account, level="high", role="decision_maker")
    ContactFactory(account=own_account, level="low", role="booker")
    ContactFactory(account=own_account, level="low", role="traveller")
    ContactFactory(account=own_account, level="middle", role="finance", is_erased=True, name="")  # erased: no count
    coverage = selectors.coverage_for_accounts([own_account.pk])[own_account.pk]
    assert coverage.as_dict() | {"score": None} == {
        "levels_covered": 2,
        "levels_total": 3,
        "roles_covered": 3,
        "roles_total": 5,
        "levels": ["high", "low"],
        "roles": ["decision_maker", "booker", "traveller"],
        "missing_levels": ["middle"],
        "missing_roles": ["travel_manager", "finance"],
        "score": None,
    }
    assert coverage.score == pytest.approx(5 / 8)
    assert [str(label) for label in coverage.gap_labels()] == ["Middle level", "Travel manager", "Finance"]


def test_an_account_without_contacts_covers_nothing(own_account, others_account):
    ContactFactory(account=others_account, level="high", role="finance")
    coverage = selectors.coverage_for_accounts([own_account.pk, others_account.pk])
    assert (len(coverage[own_account.pk].levels), len(coverage[own_account.pk].roles)) == (0, 0)
    assert coverage[others_account.pk].levels == ["high"]


def test_add_a_guest_contact_and_a_contact_only_person(own_account, salesperson):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana")
    contact = services.contact_add(
        account_id=own_account.pk,
        data={
            "guest": guest.pk,
            "role": "travel_manager",
            "level": "middle",
            "influence": "4",
            "attitude": "supporter",
        },
        by=salesperson,
    )
    person = services.contact_add(
        account_id=own_account.pk,
        data={
            "name": "Li Wei",
            "email": "LI.WEI@ACME.EXAMPLE",
            "phone": "+86 138 0013 8000",
            "role": "decision_maker",
            "level": "high",
        },
        by=salesperson,
    )
    assert (contact.guest, contact.name, contact.influence) == (guest, "", 4)
    assert (person.email, person.phone) == ("li.wei@acme.example", "+8613800138000")
    labels = [r["label"] for r in selectors.contacts_map(own_account)["rows"]]
    assert labels == ["Li Wei", guest.display_name]  # high level first


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"role": "booker", "level": "low"}, "name"),
        ({"name": "X", "level": "low"}, "role"),
        ({"name": "X", "role": "booker"}, "level"),
        ({"name": "X", "role": "chef", "level": "low"}, "role"),
        ({"name": "X", "role": "booker", "level": "top"}, "level"),
        ({"name": "X", "role": "booker", "level": "low", "influence": 9}, "influence"),
        ({"name": "X", "role": "booker", "level": "low", "attitude": "angry"}, "attitude"),
        ({"name": "X", "role": "booker", "level": "low", "email": "not-an-email"}, "email"),
        ({"name": "X", "role": "booker", "level": "low", "phone": "call me"}, "phone"),
        ({"name": "X", "role": "booker", "level": "low", "last_touch_on": "2999-01-01"}, "last_touch_on"),
        ({"guest": 999999, "role": "booker", "level": "low"}, "guest"),
        ({"guest": "abc", "role": "booker", "level": "low"}, "guest"),
    ],
)
def test_bad_contacts_name_the_field_and_write_nothing(own_account, salesperson, data, field):
    with pytest.raises(DomainError) as caught:
        services.contact_add(account_id=own_account.pk, data=data, by=salesperson)
    assert field in caught.value.fields
    assert not AccountContact.objects.exists()


def test_a_guest_contact_has_no_copied_name_and_is_on_an_account_once(own_account, salesperson):
    guest = GuestFactory()
    with pytest.raises(DomainError) as caught:
        services.contact_add(
            account_id=own_account.pk,
            data={"guest": guest.pk, "name": "Copy", "role": "booker", "level": "low"},
            by=salesperson,
        )
    assert "name" in caught.value.fields
    services.contact_add(
        account_id=own_account.pk, data={"guest": guest.pk, "role": "booker", "level": "low"}, by=salesperson
    )
    with pytest.raises(DomainError) as caught:
        services.contact_add(
            account_id=own_account.pk, data={"guest": guest.pk, "role": "finance", "level": "low"}, by=salesperson
        )
    assert "guest" in caught.value.fields


def test_a_contact_on_an_account_outside_ones_scope_is_refused_naming_the_account(others_account, salesperson):
    with pytest.raises(Forbidden) as caught:
        services.contact_add(
            account_id=others_account.pk, data={"name": "X", "role": "booker", "level": "low"}, by=salesperson
        )
    assert "account" in caught.value.fields
    assert not AccountContact.objects.exists()


def test_a_guest_contacts_channels_follow_the_guests_consent(own_account):
    consenting = GuestFactory(email="yes@mail.example", marketing_email_consent=True)
    silent = GuestFactory(email="no@mail.example", phone="+351912000111", marketing_email_consent=False)
    ContactFactory(account=own_account, guest=consenting, name="")
    ContactFactory(account=own_account, guest=silent, name="", level="high")
    rows = {r["contact"].guest_id: r["channels"] for r in selectors.contacts_map(own_account)["rows"]}
    assert rows[consenting.pk]["email"] == "yes@mail.example"
    assert rows[silent.pk]["email"] == "" and rows[silent.pk]["phone"] == ""


def test_the_consent_ledger_decides_a_guest_contacts_channels(own_account, django_assert_num_queries):
    """Given and withdrawn through the guests' consent service, read back through the
    guests' consent selectors: the map shows exactly what the ledger says now."""
    from guests.services import consent_record

    guest = GuestFactory(email="li@mail.example", phone="+8613800138000")
    ContactFactory(account=own_account, guest=guest, name="")

    def channels():
        return selectors.contacts_map(own_account)["rows"][0]["channels"]

    assert (channels()["email"], channels()["phone"]) == ("", "")
    for purpose in ("marketing_email", "marketing_sms"):
        consent_record(guest_id=guest.pk, data={"purpose": purpose, "granted": True, "source": "desk"})
    assert (channels()["email"], channels()["phone"]) == ("li@mail.example", "+8613800138000")
    consent_record(guest_id=guest.pk, data={"purpose": "marketing_email", "granted": False, "source": "desk"})
    assert channels()["email"] == "" and channels()["consent_email"] is False
    assert channels()["phone"] == "+8613800138000"
    with django_assert_num_queries(3):  # the contacts, then one per channel for all guest contacts at once
        selectors.contacts_map(own_account)


def test_erasing_a_guest_takes_them_off_every_map_and_scrubs_their_conversations(
    own_account, others_account, salesperson
):
    guest = GuestFactory()
    mine = ContactFactory(account=own_account, guest=guest, name="")
    ContactFactory(account=others_account, guest=guest, name="")
    talk = ActivityFactory(
        account=own_account,
        owner=salesperson,
        contact=mine,
        outcome="Ana said she leaves in May",
        next_step="Call Ana's successor",
    )
    guest_erase(guest_id=guest.pk, reference="DSR-2026-7")
    assert not AccountContact.objects.filter(guest=guest).exists()
    talk.refresh_from_db()
    assert (talk.contact_id, talk.outcome, talk.next_step, talk.subject) == (None, "", "", "")


def test_a_guest_merge_moves_the_contact_and_its_undo_moves_it_back(own_account, others_account):
    survivor, duplicate = GuestFactory(), GuestFactory()
    moved = ContactFactory(account=own_account, guest=duplicate, name="")
    ContactFactory(account=others_account, guest=survivor, name="")
    kept = ContactFactory(account=others_account, guest=duplicate, name="")  # that account already knows the survivor
    record = guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk)
    moved.refresh_from_db(), kept.refresh_from_db()
    assert (moved.guest_id, kept.guest_id) == (survivor.pk, duplicate.pk)
    guest_merge_undo(merge_id=record.pk)
    moved.refresh_from_db()
    assert moved.guest_id == duplicate.pk


def test_a_contact_only_person_is_erased_with_its_own_action(own_account, salesperson):
    person = ContactFactory(account=own_account, name="Li Wei", email="li@acme.example", job_title="CFO", notes="Golf")
    talk = ActivityFactory(account=own_account, owner=salesperson, contact=person, outcome="Li Wei agreed")
    services.contact_erase(contact_id=person.pk, by=salesperson)
    person.refresh_from_db()
    talk.refresh_from_db()
    assert (person.name, person.email, person.job_title, person.notes, person.is_erased) == ("", "", "", "", True)
    assert (talk.outcome, talk.contact_id) == ("", None)
    assert selectors.coverage_for_accounts([own_account.pk])[own_account.pk].levels == []
    guest_contact = ContactFactory(account=own_account, guest=GuestFactory(), name="")
    with pytest.raises(DomainError) as caught:
        services.contact_erase(contact_id=guest_contact.pk, by=salesperson)
    assert "contact" in caught.value.fields


def test_the_guest_export_lists_the_accounts_where_the_guest_is_a_contact(own_account):
    from guests.services import guest_export

    guest = GuestFactory()
    ContactFactory(account=own_account, guest=guest, name="", role="finance", job_title="Controller")
    data = guest_export(guest=guest)
    assert data["accounts"] == [
        {
            "account": "Acme Travel",
            "role": "finance",
            "level": "low",
            "job_title": "Controller",
            "influence": 3,
            "attitude": "neutral",
            "last_touch_on": None,
            "notes": "",
        }
    ]


def test_update_and_remove_a_contact(own_account, salesperson):
    person = ContactFactory(account=own_account, name="Li Wei")
    services.contact_update(contact_id=person.pk, data={"level": "high", "attitude": "champion"}, by=salesperson)
    person.refresh_from_db()
    assert (person.level, person.attitude) == ("high", "champion")
    with pytest.raises(DomainError) as caught:
        services.contact_update(contact_id=person.pk, data={"name": ""}, by=salesperson)
    assert "name" in caught.value.fields
    ActivityFactory(account=own_account, owner=salesperson, contact=person)
    services.contact_remove(contact_id=person.pk, by=salesperson)
    assert not AccountContact.objects.exists() and Activity.objects.get().contact_id is None
