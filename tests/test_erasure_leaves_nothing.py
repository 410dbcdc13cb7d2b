"""Acceptance: erasure leaves nothing.

A person with two profiles gets a unique marker written into every text field the CRM
can hold about them — through the real services, pages and API: names, e-mail, phone,
notes, preferences (one sensitive, kept for an operational need), consents, stays' requests
(idempotent API calls whose stored answers repeat them), complaints logged, worked and
resolved with the marker in the action taken and root cause and every comment, loyalty
claims and adjustments, care contacts, a churn outcome, a survey, queued care and
escalation e-mails, a merge of the two profiles with the marker in its note, and admin
changes.  After the erasure every text and JSON column of every table of the database
(introspected, not listed by hand) is scanned: the marker, the phone digits and the
e-mail address are nowhere.  Undoing the merge is then refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AccountContact, Activity
from care import services as care_services
from care.models import CareEmailTemplate, CareTask, ChurnWarning
from complaints import services as complaint_services
from complaints.models import Complaint
from crm_site import roles
from guests import services
from guests.models import AuditEvent, Guest, GuestMerge, PreferenceType, StaffProfile, Stay
from loyalty import services as loyalty_services
from outbox.models import OutboundEmail
from tests.accounts.factories import AccountFactory
from tests.care.factories import CareTaskFactory, ChurnWarningFactory
from tests.factories import StayFactory, UserFactory

pytestmark = pytest.mark.django_db

MARK = "qzxmark"  # letters only: survives lower-casing, pinyin keys and search documents
PHONE_DIGITS = "912777888"
SECOND_PHONE_DIGITS = "913666555"


def text(label: str) -> str:
    return f"{label} about Mr {MARK.capitalize()} ({MARK}-{label})"


def _temporary_tables(cursor) -> set[str]:
    """PostgreSQL temporary tables of this session (the stay writer's COPY batch table):
    created ON COMMIT DELETE ROWS, they hold nothing once a transaction commits — a test
    runs inside one transaction, so they would still show this test's own batch."""
    if connection.vendor != "postgresql":
        return set()
    cursor.execute("SELECT relname FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'")
    return {name for (name,) in cursor.fetchall()}


def _columns():
    """(table, [column]) of every (permanent) table in the database."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        temporary = _temporary_tables(cursor)
        for table in introspection.table_names(cursor):
            if table in temporary:
                continue
            description = introspection.get_table_description(cursor, table)
            yield table, [column.name for column in description]


def hits(needle: str) -> list[tuple[str, str]]:
    """Every (table, column) holding ``needle`` anywhere in its text, case-insensitive."""
    qn = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table, columns in _columns():
            for column in columns:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {qn(table)} WHERE LOWER(CAST({qn(column)} AS TEXT)) LIKE %s",
                    [f"%{needle.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column))
    return found


@pytest.fixture
def people(hotel, chain_admin):
    duty = UserFactory(username="duty.lis", roles=[roles.GUEST_RELATIONS], properties=[hotel])
    StaffProfile.objects.filter(user=duty).update(is_duty_manager=True)
    CareEmailTemplate.objects.get_or_create(
        kind=CareTask.Kind.BIRTHDAY, language="", defaults={"subject": "Happy birthday", "body": "Dear {{ guest }}"}
    )
    return {"admin": chain_admin, "duty": duty}


def _profiles(api, admin):
    """Profile A through the idempotent API (its stored answer repeats every value),
    profile B through the service; both full of the marker."""
    body = {
        "family_name": MARK.capitalize(),
        "given_name": f"Ana{MARK}",
        "family_name_latin": MARK.capitalize(),
        "given_name_latin": "Ana",
        "email": f"ana.{MARK}@mail.example",
        "phone": f"+351 {PHONE_DIGITS}",
        "vip_code": f"V{MARK}",
        "notes": text("profile notes"),
        "marketing_email_consent": True,
        "consent_source": f"{MARK}-form",
    }
    response = api.as_user(admin).post("/api/v1/guests/", body, HTTP_IDEMPOTENCY_KEY="guest-a")
    assert response.status_code == 201, response.json()
    a = Guest.objects.get(pk=response.json()["id"])
    b = services.guest_create(
        data={
            "family_name_latin": MARK.capitalize(),
            "given_name_latin": "Anna",
            "email": f"anna.{MARK}@work.example",
            "phone": f"+351 {SECOND_PHONE_DIGITS}",
            "birth_date": "1980-04-02",
            "document_number": f"P{MARK}123",
            "notes": text("duplicate notes"),
        },
        by=admin,
    )
    return a, b


def _guest_details(api, admin, a):
    pref = services.preference_set(
        guest=a,
        preference_type=PreferenceType.objects.get(code="allergy-nuts"),
        note=text("allergy"),
        operational_need=text("kitchen must know"),
        by=admin,
    )
    services.preference_set(guest=a, preference_type=PreferenceType.objects.get(code="bed-king"), note=text("bed"))
    services.preference_remove(guest=a, preference_id=pref.pk, by=admin)
    services.preference_set(
        guest=a,
        preference_type=PreferenceType.objects.get(code="allergy-nuts"),
        note=text("allergy again"),
        operational_need=text("kitchen"),
        by=admin,
    )
    services.guest_note_add(guest=a, text=text("alert"), kind="alert", by=admin)
    services.guest_note_add(guest=a, text=text("note"), by=admin)
    services.consent_record(
        guest_id=a.pk,
        data={"purpose": "sensitive", "granted": True, "source": f"{MARK}-desk", "note": text("consent")},
        by=admin,
    )
    a.refresh_from_db()
    response = api.as_user(admin).patch(
        f"/api/v1/guests/{a.pk}/", {"notes": text("edited notes"), "version": a.version}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert api.as_user(admin).get(f"/api/v1/guests/{a.pk}/").status_code == 200


def _stays(api, admin, hotel, a, b):
    response = api.as_user(admin).post(
        "/api/v1/stays/",
        {
            "property": "LIS",
            "confirmation_number": "ACC-1",
            "guest": b.pk,
            "arrival_date": "2026-01-10",
            "departure_date": "2026-01-12",
            "status": "checked_out",
            "special_requests": text("stay request"),
            "room_revenue": "300.00",
            "currency": "EUR",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="stay-1",
    )
    assert response.status_code == 201, response.json()
    return Stay.objects.get(pk=response.json()["id"]), StayFactory(guest=a, property=hotel, status="checked_out")


def _complaint(api, admin, duty, b, stay):
    response = api.as_user(admin).post(
        "/api/v1/complaints/",
        {
            "property": "LIS",
            "guest": b.pk,
            "stay": stay.pk,
            "category": "service_quality",
            "severity": "high",
            "description": text("complaint"),
            "source_reference": f"review-{MARK}",
            "received_at": (timezone.now() - dt.timedelta(days=3)).isoformat(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="complaint-1",
    )
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(pk=response.json()["id"])
    escalations, _queued = complaint_services.complaint_escalate(complaint=complaint)
    assert escalations  # overdue: the duty manager is told, by e-mail naming the guest
    steps = [
        {"to": "assigned", "assignee": duty.pk, "comment": text("assigned")},
        {"to": "investigating", "comment": text("investigating")},
        {
            "to": "resolved",
            "action_taken": text("action taken"),
            "root_cause": text("root cause"),
            "compensation_points": 100,
            "comment": text("resolved"),
        },
        {"to": "feedback_recorded", "satisfaction": 2, "feedback": text("feedback"), "comment": text("feedback")},
    ]
    for number, step in enumerate(steps):
        response = api.as_user(admin).post(
            f"/api/v1/complaints/{complaint.pk}/transition/", step, format="json", HTTP_IDEMPOTENCY_KEY=f"move-{number}"
        )
        assert response.status_code == 200, response.json()
    return complaint


def _loyalty(admin, hotel, a):
    membership, _created = loyalty_services.membership_enrol(guest=a, by=admin)
    loyalty_services.points_adjust(
        membership=membership, points=50, reason=text("goodwill"), idempotency_key="adj-1", by=admin
    )
    claim = loyalty_services.claim_file(
        membership=membership, property=hotel, confirmation_number="NOPE-1", note=text("claim"), by=admin
    )
    loyalty_services.claim_reject(claim=claim, reason=text("claim rejected"), by=admin)


def _care(api, admin, a, b, stay):
    task = CareTaskFactory(guest=a, details={"date": "2026-04-02", "turning": 46, "name": MARK})
    care_services.care_task_send_email(task_id=task.pk, by=admin)
    other = CareTaskFactory(guest=b, kind=CareTask.Kind.POST_STAY, details={"departure_date": "2026-01-12"})
    response = api.as_user(admin).post(
        f"/api/v1/care-tasks/{other.pk}/done/",
        {"channel": "in_person", "note": text("care contact")},
        format="json",
        HTTP_IDEMPOTENCY_KEY="care-done-1",
    )
    assert response.status_code == 200, response.json()
    warning = ChurnWarningFactory(guest=b)
    care_services.warning_record_outcome(
        warning_id=warning.pk,
        outcome=ChurnWarning.Outcome.LOST,
        lost_reason="competitor",
        competitor=f"{MARK} Hotels",
        note=text("lost"),
        by=admin,
    )
    response = api.as_user(admin).post(
        "/api/v1/surveys/",
        {"stay": stay.pk, "overall": 2, "comment": text("survey"), "received_on": "2026-01-13"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="survey-1",
    )
    assert response.status_code == 201, response.json()


def _account_contact(api, admin, b):
    """B is a key account's contact (moved to A by the merge), with notes, and a visit
    with them whose outcome and next step (the follow-up's subject) quote the marker,
    logged through the idempotent API."""
    StaffProfile.objects.filter(user=admin).update(is_salesperson=True)
    account = AccountFactory(name="Acme Travel", owner=admin)
    base = f"/api/v1/accounts/{account.pk}"
    contact = api.as_user(admin).post(
        f"{base}/contacts/",
        {
            "guest": b.pk,
            "role": "travel_manager",
            "level": "middle",
            "job_title": f"{MARK} buyer",
            "notes": text("contact notes"),
        },
        format="json",
    )
    assert contact.status_code == 201, contact.json()
    visit = api.as_user(admin).post(
        f"{base}/activities/",
        {
            "kind": "visit",
            "subject": "Visit",
            "due_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "contact": contact.json()["id"],
            "outcome": text("visit outcome"),
            "next_step": text("next step"),
            "next_due_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="visit-1",
    )
    assert visit.status_code == 201, visit.json()
    return account


def _admin_change(client, admin, a):
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    a.refresh_from_db()
    form = {f: getattr(a, f) or "" for f in ("family_name", "given_name", "family_name_latin", "given_name_latin")}
    form.update(
        email=a.email,
        phone=a.phone,
        gender="",
        nationality="PT",
        language="pt",
        vip_code=a.vip_code,
        notes=text("admin notes"),
        loaded_version=a.version,
        **{
            f"{p}-{k}": v for p in ("preferences", "guest_notes") for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))
        },
    )
    if a.marketing_email_consent:
        form["marketing_email_consent"] = "on"
    response = client.post(f"/admin/guests/guest/{a.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_erasure_leaves_no_trace_of_the_person_in_any_table(api, client, hotel, people):
    admin, duty = people["admin"], people["duty"]
    a, b = _profiles(api, admin)
    _guest_details(api, admin, a)
    stay, _own_stay = _stays(api, admin, hotel, a, b)
    _complaint(api, admin, duty, b, stay)
    _loyalty(admin, hotel, a)
    _care(api, admin, a, b, stay)
    account = _account_contact(api, admin, b)
    merge = services.guest_merge(survivor_id=a.pk, merged_id=b.pk, by=admin, note=text("same person"))
    _admin_change(client, admin, a)
    assert api.as_user(admin).get(f"/api/v1/guests/{a.pk}/export/").status_code == 200
    # The marker is everywhere before (the scan can find it) ...
    before = {table for table, _column in hits(MARK)}
    expected = {
        "guests_guest",
        "guests_guestnote",
        "guests_guestpreference",
        "guests_consententry",
        "guests_stay",
        "guests_guestmerge",
        "guests_auditevent",
        "complaints_complaint",
        "complaints_complaintevent",
        "loyalty_pointstransaction",
        "loyalty_missingpointsclaim",
        "care_caretask",
        "care_contactlog",
        "care_churnwarning",
        "care_staysurvey",
        "outbox_outboundemail",
        "crm_site_idempotencyrecord",
        "django_admin_log",
        "accounts_accountcontact",
        "accounts_activity",
    }
    assert expected <= before, expected - before
    assert OutboundEmail.objects.filter(guest_ref=b.pk).exists()  # the escalation names the guest

    response = api.as_user(admin).post(f"/api/v1/guests/{a.pk}/erase/", {"reference": "DSR-2026-001"}, format="json")
    assert response.status_code == 200, response.json()

    # ... and nowhere after: not the marker, not the phone numbers, not the e-mail domains' local parts.
    for needle in (MARK, PHONE_DIGITS, PHONE_DIGITS[::-1], SECOND_PHONE_DIGITS, SECOND_PHONE_DIGITS[::-1]):
        assert hits(needle) == [], needle
    erasure = AuditEvent.objects.get(action="erase")
    assert erasure.details["reference"] == "DSR-2026-001" and set(erasure.details["profiles"]) == {a.pk, b.pk}
    # The contacts map no longer knows the person; the visits stay, anonymous.
    assert not AccountContact.objects.filter(account=account).exists()
    assert Activity.objects.filter(account=account).count() == 2
    # Erasure is final.
    undo = api.as_user(admin).post(f"/api/v1/guest-merges/{merge.pk}/undo/")
    assert undo.status_code == 409
    assert GuestMerge.objects.get(pk=merge.pk).undone_at is None
    # Revenue is kept for statistics, on the anonymous profile.
    assert Stay.objects.get(pk=stay.pk).guest_id == a.pk and str(Stay.objects.get(pk=stay.pk).room_revenue) == "300.00"
