"""Care exports: the lost-guest CSV (formula-safe, audited) and the care list as a
contact list per channel (only guests with that channel's consent now, audited)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from guests import services as guest_services
from guests.models import AuditEvent
from tests.factories import GuestFactory

from .factories import CareTaskFactory, ChurnWarningFactory

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_lost_guest_csv_escapes_formulas_and_is_audited(client, sales_manager):
    ChurnWarningFactory(
        status="closed",
        outcome="lost",
        lost_reason="competitor",
        competitor='=HYPERLINK("http://evil.example","Rival")',
        closed_at=timezone.now(),
    )
    client.force_login(sales_manager)
    response = client.get(reverse("care:lost"), {"export": "csv"})
    assert response.status_code == 200
    competitor_rows = [row for row in rows_of(response) if row and "HYPERLINK" in row[0]]
    assert competitor_rows[0][0] == '\'=HYPERLINK("http://evil.example","Rival")'
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.target) == (sales_manager, "export:care:lost-guests")
    assert event.details["rows"] >= 2 and "start" in event.details


def test_a_lost_guest_export_without_permission_is_refused_and_audited(client, front_desk):
    client.force_login(front_desk)
    assert client.get(reverse("care:lost"), {"export": "csv"}).status_code == 403
    assert client.get(reverse("care:lost")).status_code == 403  # the page alone: refused, not an export
    denied = AuditEvent.objects.get()
    assert (denied.action, denied.target, denied.actor) == ("denied", "export:care:lost-guests", front_desk)


@pytest.fixture
def care_list(hotel):
    """Due today: one guest with e-mail consent, one with SMS consent, one with neither,
    one whose e-mail consent was withdrawn, one named like a formula."""
    people = {
        "email": GuestFactory(family_name_latin="Mail", marketing_email_consent=True),
        "sms": GuestFactory(family_name_latin="Text", marketing_sms_consent=True),
        "none": GuestFactory(family_name_latin="Quiet"),
        "withdrew": GuestFactory(family_name_latin="Gone", marketing_email_consent=True),
        "formula": GuestFactory(family_name_latin="@SUM(A1)", given_name_latin="", marketing_email_consent=True),
    }
    for guest in people.values():
        CareTaskFactory(guest=guest, property=hotel, due_date=dt.date.today())
    guest_services.consent_record(
        guest_id=people["withdrew"].pk, data={"purpose": "marketing_email", "granted": False, "source": "unsubscribe"}
    )
    return people


def test_the_e_mail_list_carries_only_guests_with_e_mail_consent_now(client, sales_manager, care_list):
    client.force_login(sales_manager)
    response = client.get(reverse("care:care-list-export"), {"channel": "email"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    data = rows_of(response)
    assert data[0][4] == "E-mail"
    assert {int(row[2]) for row in data[1:]} == {care_list["email"].pk, care_list["formula"].pk}
    assert {row[4] for row in data[1:]} == {care_list["email"].email, care_list["formula"].email}
    assert "'@SUM(A1)" in {row[3] for row in data[1:]}
    event = AuditEvent.objects.get(action="export")
    assert (event.target, event.details["rows"], event.details["contact_channel"]) == (
        "export:care:care-list",
        2,
        "email",
    )


def test_the_sms_list_carries_phones_of_guests_with_sms_consent(client, sales_manager, care_list):
    client.force_login(sales_manager)
    data = rows_of(client.get(reverse("care:care-list-export"), {"channel": "sms"}))
    assert [(int(row[2]), row[4]) for row in data[1:]] == [(care_list["sms"].pk, care_list["sms"].phone)]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"channel": "fax"}, "channel"), ({"day": "2026-02-30"}, "day"), ({"status": "lost"}, "status")],
)
def test_bad_export_parameters_are_a_400_naming_the_parameter(client, sales_manager, care_list, params, field):
    client.force_login(sales_manager)
    response = client.get(reverse("care:care-list-export"), params)
    assert response.status_code == 400 and response.content.decode().startswith(f"{field}:")
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_care_list_export_without_permission_is_refused_and_audited(client, front_desk, care_list):
    client.force_login(front_desk)
    assert client.get(reverse("care:care-list-export"), {"channel": "email"}).status_code == 403
    assert AuditEvent.objects.get(action="denied").target == "export:care:care-list"
    assert "E-mail list" not in client.get(reverse("care:care-list")).content.decode()
