"""Consent as a ledger: per purpose, append-only, the current state derived from it;
sensitive preferences only with consent or an operational need."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction

from crm_site.errors import DomainError
from guests import services
from guests.models import AuditEvent, ConsentEntry, Guest, GuestPreference, PreferenceType
from guests.selectors import consent_state, guest_has_consent, with_consent
from tests.factories import GuestFactory, PreferenceTypeFactory

pytestmark = pytest.mark.django_db


def record(guest, by=None, **data):
    data.setdefault("source", "desk")
    return services.consent_record(guest_id=guest.pk, data=data, by=by)


def test_each_statement_is_a_new_entry_and_the_latest_decides(front_desk):
    guest = GuestFactory()
    record(guest, front_desk, purpose="marketing_email", granted=True, source="registration card")
    record(guest, front_desk, purpose="marketing_email", granted=False, source="unsubscribe link", note="by e-mail")
    record(guest, front_desk, purpose="cross_border", granted=True, wording_version="2024-07")

    entries = list(ConsentEntry.objects.filter(guest=guest).order_by("id"))
    assert [(e.purpose, e.granted, e.source) for e in entries] == [
        ("marketing_email", True, "registration card"),
        ("marketing_email", False, "unsubscribe link"),
        ("cross_border", True, "desk"),
    ]
    assert entries[0].recorded_by == front_desk and entries[0].wording_version == "2025-01"
    assert entries[2].wording_version == "2024-07"
    state = consent_state(guest_id=guest.pk)
    assert not state["marketing_email"]["granted"] and state["cross_border"]["granted"]
    assert state["profiling"]["granted"] and not state["sensitive"]["granted"]  # the defaults
    guest.refresh_from_db()
    assert guest.marketing_email_consent is False and guest.marketing_email_consent_source == "unsubscribe link"
    assert guest.version == 4  # every statement bumps the profile's version


def test_the_cached_columns_follow_the_ledger_for_filters(front_desk):
    yes, no, silent = GuestFactory(), GuestFactory(), GuestFactory()
    record(yes, purpose="marketing_sms", granted=True)
    record(no, purpose="marketing_sms", granted=True)
    record(no, purpose="marketing_sms", granted=False)
    record(no, purpose="profiling", granted=False)
    record(yes, purpose="cross_border", granted=True)
    everyone = Guest.objects.filter(pk__in=[yes.pk, no.pk, silent.pk])

    assert set(with_consent(everyone, "marketing_sms")) == {yes}
    assert set(with_consent(everyone, "profiling")) == {yes, silent}
    assert set(with_consent(everyone, "cross_border")) == {yes}
    assert Guest.objects.get(pk=no.pk).profiling_opt_out
    assert guest_has_consent(guest_id=yes.pk, purpose="marketing_sms")
    assert not guest_has_consent(guest_id=yes.pk, purpose="no-such-purpose")


def test_a_statement_is_audited(front_desk):
    guest = GuestFactory()
    entry = record(guest, front_desk, purpose="marketing_email", granted=True, source="web")
    event = AuditEvent.objects.get(target="consent")
    assert (event.action, event.actor, event.object_ref, event.guest_ref) == (
        "create",
        front_desk,
        str(entry.pk),
        guest.pk,
    )
    assert event.details["purpose"] == "marketing_email"
    assert event.details["changes"]["granted"] == [False, True]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"purpose", "granted", "source"}),
        ({"purpose": "telepathy", "granted": True, "source": "x"}, {"purpose"}),
        ({"purpose": "profiling", "granted": "maybe", "source": "x"}, {"granted"}),
        ({"purpose": "profiling", "granted": True, "source": "x" * 51}, {"source"}),
        ({"purpose": "profiling", "granted": True, "source": "x", "wording_version": "v 1!"}, {"wording_version"}),
        ({"purpose": "profiling", "granted": True, "source": "x", "note": "n" * 301}, {"note"}),
        ({"purpose": "profiling", "granted": True, "source": "x", "at": "2020-01-01"}, {"at"}),
        ({"purpose": ["profiling"], "granted": True, "source": "x"}, {"purpose"}),
    ],
)
def test_bad_statements_name_every_field_and_write_nothing(data, fields):
    guest = GuestFactory()
    with pytest.raises(DomainError) as error:
        services.consent_record(guest_id=guest.pk, data=data)
    assert set(error.value.fields) == fields
    assert not ConsentEntry.objects.exists() and not AuditEvent.objects.exists()


def test_entries_are_never_edited():
    guest = GuestFactory()
    entry = record(guest, purpose="marketing_email", granted=True)
    entry.granted = False
    with pytest.raises(ValueError):
        entry.save()


@pytest.mark.postgres
def test_postgres_refuses_changing_or_deleting_an_entry():
    guest = GuestFactory()
    entry = record(guest, purpose="marketing_email", granted=True)
    for statement in (
        "UPDATE guests_consententry SET granted = false WHERE id = %s",
        "UPDATE guests_consententry SET at = now() WHERE id = %s",
        "DELETE FROM guests_consententry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    assert ConsentEntry.objects.get(pk=entry.pk).granted


def test_profile_flags_become_entries_through_create_and_update(front_desk):
    guest = services.guest_create(
        data={"family_name": "Lee", "marketing_email_consent": True, "consent_source": "pms"}, by=front_desk
    )
    assert list(ConsentEntry.objects.filter(guest=guest).values_list("purpose", "granted", "source")) == [
        ("marketing_email", True, "pms")
    ]
    services.guest_update(
        guest_id=guest.pk,
        expected_version=Guest.objects.get(pk=guest.pk).version,
        data={"marketing_email_consent": True, "profiling_opt_out": True, "consent_source": "desk"},
        by=front_desk,
    )
    assert list(ConsentEntry.objects.filter(guest=guest).order_by("id").values_list("purpose", "granted")) == [
        ("marketing_email", True),
        ("profiling", False),  # the unchanged e-mail consent added nothing
    ]
    assert Guest.objects.get(pk=guest.pk).profiling_opt_out


def test_api_lists_and_records_consents(api, front_desk, integrator_readonly):
    guest = GuestFactory()
    url = f"/api/v1/guests/{guest.pk}/consents/"
    response = api.as_user(front_desk).post(
        url, {"purpose": "marketing_sms", "granted": True, "source": "phone call"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["recorded_by"] == front_desk.username
    response = api.as_user(front_desk).post(url, {"purpose": "marketing_sms", "granted": "perhaps"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"granted", "source"}
    listed = api.as_user(integrator_readonly).get(url)
    assert listed.status_code == 200
    assert [(e["purpose"], e["granted"]) for e in listed.json()] == [("marketing_sms", True)]
    assert api.as_user(integrator_readonly).post(url, {}, format="json").status_code == 403
    assert api.as_user(front_desk).get("/api/v1/guests/999999/consents/").status_code == 404
    profile = api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/profile/").json()
    assert profile["sections"]["consents"]["history"][0]["source"] == "phone call"


def test_the_guest_page_shows_the_ledger_and_records_a_withdrawal(client, front_desk):
    guest = GuestFactory()
    record(guest, purpose="marketing_email", granted=True, source="website")
    client.force_login(front_desk)
    page = client.get(f"/guests/{guest.pk}/").content.decode()
    assert 'data-testid="consent-history"' in page and "website" in page
    client.post(f"/guests/{guest.pk}/consents/", {"purpose": "marketing_email", "granted": "false", "source": "desk"})
    assert not Guest.objects.get(pk=guest.pk).marketing_email_consent
    response = client.post(f"/guests/{guest.pk}/consents/", {"purpose": "nope", "granted": "true", "source": "desk"})
    assert response.status_code == 302 and ConsentEntry.objects.filter(guest=guest).count() == 2


# --- Sensitive preferences -----------------------------------------------------------------------


def test_the_default_vocabulary_marks_health_religion_and_disability_as_sensitive():
    sensitive = set(PreferenceType.objects.filter(is_sensitive=True).values_list("code", flat=True))
    assert {"allergy-nuts", "diet-halal", "accessible-room"} <= sensitive
    assert "bed-king" not in sensitive


def test_a_sensitive_preference_needs_consent_or_an_operational_need(front_desk):
    guest = GuestFactory()
    halal = PreferenceType.objects.get(code="diet-halal")
    with pytest.raises(DomainError) as error:
        services.preference_set(guest=guest, preference_type=halal, by=front_desk)
    assert "sensitive preference" in error.value.fields["operational_need"][0]
    assert not GuestPreference.objects.exists()

    services.preference_set(
        guest=guest, preference_type=PreferenceType.objects.get(code="allergy-nuts"), operational_need="kitchen"
    )
    record(guest, purpose="sensitive", granted=True)
    services.preference_set(guest=guest, preference_type=halal, by=front_desk)
    assert set(guest.preferences.values_list("preference_type__code", flat=True)) == {"allergy-nuts", "diet-halal"}


def test_withdrawing_sensitive_consent_removes_what_was_kept_on_it(front_desk):
    guest = GuestFactory()
    record(guest, purpose="sensitive", granted=True)
    services.preference_set(guest=guest, preference_type=PreferenceType.objects.get(code="diet-halal"))
    services.preference_set(
        guest=guest, preference_type=PreferenceType.objects.get(code="accessible-room"), operational_need="wheelchair"
    )
    services.preference_set(guest=guest, preference_type=PreferenceTypeFactory(code="qc-tea"))

    record(guest, front_desk, purpose="sensitive", granted=False, source="guest asked")

    assert set(guest.preferences.values_list("preference_type__code", flat=True)) == {"accessible-room", "qc-tea"}
    removal = AuditEvent.objects.get(target="preference", action="delete")
    assert removal.details["reason"] == "sensitive consent withdrawn"


def test_the_api_and_page_take_the_operational_need(api, client, front_desk):
    guest = GuestFactory()
    url = f"/api/v1/guests/{guest.pk}/preferences/"
    response = api.as_user(front_desk).post(url, {"preference_type": "allergy-nuts"}, format="json")
    assert response.status_code == 400 and "operational_need" in response.json()["errors"]
    response = api.as_user(front_desk).post(
        url, {"preference_type": "allergy-nuts", "operational_need": "kitchen must know"}, format="json"
    )
    assert response.status_code == 201 and response.json()["operational_need"] == "kitchen must know"
    client.force_login(front_desk)
    halal = PreferenceType.objects.get(code="diet-halal")
    client.post(f"/guests/{guest.pk}/preferences/", {"preference_type": halal.pk, "source": "staff"})
    assert not guest.preferences.filter(preference_type=halal).exists()


# --- The migration of the old booleans -----------------------------------------------------------


def test_the_old_consent_flags_become_the_first_ledger_entries():
    migration = importlib.import_module("guests.migrations.0007_consent_entries_from_flags")
    stamped = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    yes = GuestFactory(
        marketing_email_consent=True, marketing_email_consent_at=stamped, marketing_email_consent_source="pms"
    )
    withdrawn = GuestFactory(marketing_sms_consent=False, marketing_sms_consent_at=stamped)
    opted_out = GuestFactory(profiling_opt_out=True)
    GuestFactory()  # never said anything: no entry

    migration.flags_to_ledger(django_apps, None)

    rows = set(ConsentEntry.objects.values_list("guest_id", "purpose", "granted", "source", "wording_version"))
    assert rows == {
        (yes.pk, "marketing_email", True, "pms", "legacy"),
        (withdrawn.pk, "marketing_sms", False, "migration", "legacy"),
        (opted_out.pk, "profiling", False, "migration", "legacy"),
    }
    assert ConsentEntry.objects.get(guest=yes).at == stamped
