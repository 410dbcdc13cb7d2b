"""Agreements: negotiated rate codes per account and property, their validity, price,
commitment and commission, status, and the expiry alerts."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import selectors, services
from accounts.models import Agreement
from crm_site.errors import DomainError

from .factories import AccountFactory, AgreementFactory

pytestmark = pytest.mark.django_db


def _data(hotel, **overrides):
    data = {
        "property": hotel.pk,
        "rate_code": "acme-26",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "rate_amount": "135.50",
        "room_nights_committed": "400",
        "commitment_period": "year",
        "inclusions": "Breakfast",
    }
    return {**data, **overrides}


def test_create_an_agreement_measurable_by_property_code_and_period(own_account, salesperson, hotel):
    agreement = services.agreement_create(account_id=own_account.pk, data=_data(hotel), by=salesperson)
    assert (agreement.rate_code, agreement.property, agreement.currency, agreement.status) == (
        "ACME-26",
        hotel,
        "EUR",
        "draft",
    )
    assert (agreement.room_nights_committed, agreement.commitment_period) == (400, "year")
    assert own_account.events.filter(kind="agreement", agreement=agreement).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_to": "2025-12-31"}, "valid_to"),
        ({"room_nights_committed": "-1"}, "room_nights_committed"),
        ({"room_nights_committed": "1.5"}, "room_nights_committed"),
        ({"rate_amount": "-10"}, "rate_amount"),
        ({"rate_amount": "abc"}, "rate_amount"),
        ({"discount_percent": "12"}, "discount_percent"),  # a rate and a discount at once
        ({"rate_amount": "", "discount_percent": "101"}, "discount_percent"),
        ({"rate_amount": "", "status": "signed"}, "rate_amount"),
        ({"commission_percent": "10"}, "commission_percent"),  # a corporate account earns no commission
        ({"status": "archived"}, "status"),
        ({"renewal_on": "2027-02-01"}, "renewal_on"),
        ({"currency": "EURO"}, "currency"),
        ({"rate_code": ""}, "rate_code"),
        ({"rate_code": "ACME 26"}, "rate_code"),
        ({"property": 999999}, "property"),
        ({"property": None}, "property"),
        ({"valid_from": "2026-02-30"}, "valid_from"),
        ({"commitment_period": "decade"}, "commitment_period"),
    ],
)
def test_bad_agreements_name_the_field_and_write_nothing(own_account, salesperson, hotel, overrides, field):
    with pytest.raises(DomainError) as caught:
        services.agreement_create(account_id=own_account.pk, data=_data(hotel, **overrides), by=salesperson)
    assert field in caught.value.fields
    assert not Agreement.objects.exists()
    assert not own_account.events.exists()


def test_overlapping_agreements_for_one_code_at_one_property_are_refused(
    own_account, others_account, salesperson, director, hotel, other_hotel
):
    services.agreement_create(account_id=own_account.pk, data=_data(hotel), by=salesperson)
    with pytest.raises(DomainError) as caught:
        services.agreement_create(
            account_id=own_account.pk, data=_data(hotel, valid_from="2026-12-31", valid_to="2027-06-30"), by=salesperson
        )
    assert "rate_code" in caught.value.fields and "2026-01-01" in caught.value.fields["rate_code"][0]
    # Another account cannot take the same code at that property for those dates either.
    with pytest.raises(DomainError):
        services.agreement_create(account_id=others_account.pk, data=_data(hotel, valid_from="2026-06-01"), by=director)
    # The day after, another property, another code: fine.
    services.agreement_create(
        account_id=own_account.pk, data=_data(hotel, valid_from="2027-01-01", valid_to="2027-12-31"), by=salesperson
    )
    services.agreement_create(account_id=own_account.pk, data=_data(other_hotel), by=salesperson)
    services.agreement_create(account_id=own_account.pk, data=_data(hotel, rate_code="ACME-GRP"), by=salesperson)
    assert Agreement.objects.count() == 4


def test_an_agency_earns_a_commission(salesperson, hotel):
    agency = AccountFactory(name="Trip", account_type="travel_agency", owner=salesperson)
    agreement = services.agreement_create(
        account_id=agency.pk,
        data=_data(hotel, rate_amount="", discount_percent="12", commission_percent="8.5"),
        by=salesperson,
    )
    assert (agreement.discount_percent, agreement.commission_percent) == (pytest.approx(12), pytest.approx(8.5))


def test_status_moves_forward_and_signing_dates_it(own_account, salesperson, hotel):
    agreement = services.agreement_create(account_id=own_account.pk, data=_data(hotel), by=salesperson)
    services.agreement_update(agreement_id=agreement.pk, data={"status": "sent"}, by=salesperson)
    signed = services.agreement_update(agreement_id=agreement.pk, data={"status": "signed"}, by=salesperson)
    assert signed.signed_on == timezone.localdate()
    with pytest.raises(DomainError) as caught:
        services.agreement_update(agreement_id=agreement.pk, data={"status": "draft"}, by=salesperson)
    assert "status" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        services.agreement_update(agreement_id=agreement.pk, data={"valid_to": "2025-01-01"}, by=salesperson)
    assert "valid_to" in caught.value.fields
    agreement.refresh_from_db()
    assert (agreement.status, agreement.valid_to) == ("signed", dt.date(2026, 12, 31))


def test_expiring_within_60_days_and_lapsed_agreements_are_alerts(hotel, other_hotel):
    today = timezone.localdate()
    soon = AgreementFactory(property=hotel, valid_to=today + dt.timedelta(days=60))
    edge = AgreementFactory(property=hotel, valid_to=today + dt.timedelta(days=61))
    lapsed = AgreementFactory(property=other_hotel, valid_to=today - dt.timedelta(days=1), status="sent")
    AgreementFactory(property=hotel, valid_to=today + dt.timedelta(days=10), status="draft")  # not in force
    AgreementFactory(property=hotel, valid_to=today - dt.timedelta(days=5), status="expired")
    alerts = selectors.expiring_agreements(today=today)
    assert [a.pk for a in alerts] == [lapsed.pk, soon.pk]
    assert selectors.agreement_state(soon, today) == "expiring"
    assert selectors.agreement_state(lapsed, today) == "lapsed"
    assert selectors.agreement_state(edge, today) == ""


def test_expire_marks_ended_agreements_once(hotel):
    today = timezone.localdate()
    ended = AgreementFactory(
        property=hotel, valid_from=today - dt.timedelta(days=300), valid_to=today - dt.timedelta(days=1)
    )
    running = AgreementFactory(property=hotel, valid_to=today)
    assert services.agreements_expire(as_of=today) == 1
    assert services.agreements_expire(as_of=today) == 0
    ended.refresh_from_db(), running.refresh_from_db()
    assert (ended.status, running.status) == ("expired", "signed")
    assert ended.account.events.filter(kind="agreement").count() == 1


def test_the_expire_task_runs_the_service(hotel):
    from accounts.tasks import expire_agreements

    today = timezone.localdate()
    AgreementFactory(property=hotel, valid_from=today - dt.timedelta(days=30), valid_to=today - dt.timedelta(days=1))
    assert expire_agreements.delay(today.isoformat()).get() == 1


def test_the_alerts_page_and_api(client, api, salesperson, hotel):
    today = timezone.localdate()
    soon = AgreementFactory(property=hotel, valid_to=today + dt.timedelta(days=20), rate_code="SOON")
    client.force_login(salesperson)
    page = client.get("/accounts/agreements/")
    assert page.status_code == 200 and b"SOON" in page.content
    body = api.as_user(salesperson).get("/api/v1/account-agreements/expiring/").json()
    assert [a["id"] for a in body] == [soon.pk]
    assert api.as_user(salesperson).get("/api/v1/account-agreements/expiring/?days=10").json() == []
    bad = api.as_user(salesperson).get("/api/v1/account-agreements/expiring/?days=-3")
    assert bad.status_code == 400 and "days" in bad.json()["errors"]
