"""Dated exchange rates (issue #12): a stay converts at its departure date (arrival while
it lies ahead) with the latest rate on or before it, stores the rate and its date, and
never moves when a later rate is entered; a currency without a rate for the date is
refused naming ``currency``.  Rates: admin, API (chain admins write, sales and
integrators read), ``import_rates``; bad input is a 400 naming the field, nothing written."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from guests import importers, money, services
from guests.models import ExchangeRate, Stay
from tests.factories import PropertyFactory, StayFactory, UserFactory
from tests.guests.factories import stay_row

pytestmark = pytest.mark.django_db

AHEAD = dt.date.today() + dt.timedelta(days=400)


@pytest.fixture
def shanghai(db):
    return PropertyFactory(code="SHA", currency="CNY", timezone="Asia/Shanghai")


@pytest.fixture
def cny(db):
    """Three CNY rates in 2025 (the seeded setting rate holds from 2000 before them)."""
    return {
        day: ExchangeRate.objects.create(currency="CNY", valid_from=day, rate=Decimal(rate))
        for day, rate in (
            (dt.date(2025, 1, 1), "0.125"),
            (dt.date(2025, 3, 1), "0.13"),
            (dt.date(2025, 4, 1), "0.14"),
        )
    }


def cny_row(**values) -> dict:
    """Arrives 27 February 2025, leaves 2 March: 1,000.00 CNY."""
    row = stay_row(
        property="SHA",
        confirmation_number="CN1",
        arrival_date="2025-02-27",
        departure_date="2025-03-02",
        status="checked_out",
        room_revenue="900.00",
        fnb_revenue="100.00",
        currency="CNY",
    )
    row.update(values)
    return row


def test_a_departed_stay_converts_at_its_departure_date(shanghai, cny):
    stay, _ = services.stay_upsert(row=cny_row())
    # Not the arrival's rate (0.125), not the latest (0.14): the one of 2 March.
    assert (stay.exchange_rate, stay.exchange_rate_date) == (Decimal("0.13"), dt.date(2025, 3, 1))
    assert stay.total_revenue == Decimal("130.00")


def test_a_stay_ahead_converts_at_its_arrival_with_the_latest_rate(shanghai, cny):
    row = cny_row(arrival_date=AHEAD.isoformat(), departure_date=(AHEAD + dt.timedelta(days=2)).isoformat())
    stay, _ = services.stay_upsert(row=row | {"status": "reserved"})
    assert (stay.exchange_rate, stay.exchange_rate_date) == (Decimal("0.14"), dt.date(2025, 4, 1))


def test_a_stay_in_the_chain_currency_needs_no_rate(hotel):
    stay, _ = services.stay_upsert(row=stay_row(arrival_date="1950-01-01", departure_date="1950-01-03"))
    assert (stay.exchange_rate, stay.exchange_rate_date, stay.total_revenue) == (1, None, Decimal("345.50"))


def test_resending_an_unchanged_stay_after_a_new_rate_changes_nothing(api, integrator, shanghai, cny):
    pms = api.as_user(integrator)
    first = pms.post("/api/v1/stays/bulk/", {"stays": [cny_row()]}, format="json").json()
    assert first["created"] == 1
    ExchangeRate.objects.create(currency="CNY", valid_from=dt.date(2025, 3, 2), rate=Decimal("0.2"))
    again = pms.post("/api/v1/stays/bulk/", {"stays": [cny_row()]}, format="json").json()
    assert again["unchanged"] == 1
    stay = Stay.objects.get()
    assert (stay.total_revenue, stay.exchange_rate, stay.exchange_rate_date) == (
        Decimal("130.00"),
        Decimal("0.13"),
        dt.date(2025, 3, 1),
    )
    # The single stay API keeps it too.
    assert pms.post("/api/v1/stays/", cny_row(), format="json").status_code == 200
    assert Stay.objects.get().total_revenue == Decimal("130.00")


@pytest.mark.parametrize(
    ("change", "rate", "total"),
    [
        ({"room_revenue": "1900.00"}, "0.2", "400.00"),  # revenue corrected: today's rate for its date
        ({"departure_date": "2025-03-03"}, "0.2", "200.00"),  # dates changed
        ({"arrival_date": "2025-02-28"}, "0.2", "200.00"),
        ({"adr": "300.00", "status": "checked_out"}, "0.13", "130.00"),  # ADR alone: the stored rate stays
    ],
)
def test_a_resend_that_changes_amounts_or_dates_converts_again(shanghai, cny, change, rate, total):
    services.stay_upsert(row=cny_row())
    ExchangeRate.objects.create(currency="CNY", valid_from=dt.date(2025, 3, 2), rate=Decimal("0.2"))
    stay, outcome = services.stay_upsert(row=cny_row(**change))
    assert outcome == "updated"
    assert (stay.exchange_rate, stay.total_revenue) == (Decimal(rate), Decimal(total))


def test_lost_revenue_converts_with_the_stays_rate(shanghai, cny):
    row = cny_row(status="cancelled", room_revenue="0", fnb_revenue="0", adr="333.33", cancelled_on="2025-02-01")
    stay, _ = services.stay_upsert(row=row)
    stay.refresh_from_db()
    assert (stay.lost_revenue, stay.lost_revenue_chain) == (Decimal("999.99"), Decimal("130.00"))  # 129.9987


def test_correcting_a_rate_leaves_converted_stays_alone(api, chain_admin, shanghai, cny):
    services.stay_upsert(row=cny_row())
    response = api.as_user(chain_admin).patch(
        f"/api/v1/exchange-rates/{cny[dt.date(2025, 3, 1)].pk}/", {"rate": "0.5"}, format="json"
    )
    assert response.status_code == 200 and response.json()["rate"] == "0.50000000"
    assert Stay.objects.get().total_revenue == Decimal("130.00")


# --- A currency without a rate -------------------------------------------------------------------


def old_row(**values):
    """Departed in 1999: before the seeded rate (2000-01-01) and any other."""
    return cny_row(arrival_date="1999-06-01", departure_date="1999-06-03", **values)


def test_the_bulk_api_refuses_a_stay_without_a_rate_for_its_date(api, integrator, shanghai):
    rows = [cny_row(confirmation_number="OK"), old_row(confirmation_number="OLD")]
    response = api.as_user(integrator).post("/api/v1/stays/bulk/", {"stays": rows}, format="json")
    assert response.status_code == 400
    assert [(r["row"], r["field"]) for r in response.json()["rows"]] == [(1, "currency")]
    assert "1999-06-03" in response.json()["rows"][0]["message"]
    assert not Stay.objects.exists()


def test_the_single_stay_api_refuses_it_naming_currency(api, integrator, shanghai):
    response = api.as_user(integrator).post("/api/v1/stays/", old_row(), format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"currency"}
    assert not Stay.objects.exists()


def test_a_currency_without_any_rate_is_refused(api, integrator, hotel):
    response = api.as_user(integrator).post("/api/v1/stays/", stay_row(currency="BRL"), format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"currency"}


def test_the_import_reports_the_row(tmp_path, shanghai):
    path = tmp_path / "stays.csv"
    columns = list(importers.CSV_REQUIRED)
    lines = [",".join(columns)] + [
        ",".join(str(r[c]) for c in columns) for r in (cny_row(), old_row(confirmation_number="X"))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = importers.import_stays(path=path)
    assert [(e.row, e.column) for e in result.errors] == [(3, "currency")]
    assert list(Stay.objects.values_list("confirmation_number", flat=True)) == ["CN1"]


# --- The rates themselves ------------------------------------------------------------------------


def test_a_chain_admin_adds_a_rate_and_a_resend_changes_nothing(api, chain_admin):
    admin = api.as_user(chain_admin)
    body = {"currency": "cny", "valid_from": "2026-05-01", "rate": "0.131"}
    created = admin.post("/api/v1/exchange-rates/", body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["currency"], created.json()["rate"], created.json()["source"]) == (
        "CNY",
        "0.13100000",
        "api",
    )
    assert admin.post("/api/v1/exchange-rates/", body, format="json").status_code == 200
    assert ExchangeRate.objects.filter(currency="CNY", valid_from=dt.date(2026, 5, 1)).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"valid_from": "2026-05-01", "rate": "0.13"}, "currency"),
        ({"currency": "CN", "valid_from": "2026-05-01", "rate": "0.13"}, "currency"),
        ({"currency": "C1Y", "valid_from": "2026-05-01", "rate": "0.13"}, "currency"),
        ({"currency": "EUR", "valid_from": "2026-05-01", "rate": "1"}, "currency"),  # the chain currency
        ({"currency": "CNY", "valid_from": "2026-05-01", "rate": "0"}, "rate"),
        ({"currency": "CNY", "valid_from": "2026-05-01", "rate": "-0.13"}, "rate"),
        ({"currency": "CNY", "valid_from": "2026-05-01", "rate": "abc"}, "rate"),
        ({"currency": "CNY", "valid_from": "2026-05-01", "rate": "0.123456789"}, "rate"),
        ({"currency": "CNY", "valid_from": "2026-05-01", "rate": "1000000"}, "rate"),
        ({"currency": "CNY", "valid_from": "2026-05-01"}, "rate"),
        ({"currency": "CNY", "valid_from": "2026-02-30", "rate": "0.13"}, "valid_from"),
        ({"currency": "CNY", "valid_from": "", "rate": "0.13"}, "valid_from"),
        ({"currency": "CNY", "valid_from": "2101-01-01", "rate": "0.13"}, "valid_from"),
        ({"currency": ["CNY"], "valid_from": "2026-05-01", "rate": "0.13"}, "currency"),
    ],
)
def test_a_bad_rate_is_a_400_naming_the_field(api, chain_admin, body, field):
    before = ExchangeRate.objects.count()
    response = api.as_user(chain_admin).post("/api/v1/exchange-rates/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}
    assert ExchangeRate.objects.count() == before


def test_a_date_holding_another_rate_is_refused(api, chain_admin, cny):
    body = {"currency": "CNY", "valid_from": "2025-03-01", "rate": "0.2"}
    response = api.as_user(chain_admin).post("/api/v1/exchange-rates/", body, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"valid_from"}
    assert cny[dt.date(2025, 3, 1)].rate == ExchangeRate.objects.get(pk=cny[dt.date(2025, 3, 1)].pk).rate


def test_a_bulk_batch_is_all_or_nothing(api, chain_admin):
    before = ExchangeRate.objects.count()
    rates = [
        {"currency": "USD", "valid_from": "2026-05-01", "rate": "0.9"},
        {"currency": "usd", "valid_from": "2026-05-01", "rate": "0.91"},  # the same day twice
        {"currency": "GBP", "valid_from": "2026-05-01", "rate": "0"},
    ]
    response = api.as_user(chain_admin).post("/api/v1/exchange-rates/bulk/", {"rates": rates}, format="json")
    assert response.status_code == 400
    assert [(r["row"], r["field"]) for r in response.json()["rows"]] == [(1, "valid_from"), (2, "rate")]
    assert ExchangeRate.objects.count() == before
    good = api.as_user(chain_admin).post("/api/v1/exchange-rates/bulk/", {"rates": rates[:1]}, format="json")
    assert good.json() == {"created": 1, "unchanged": 0}


def test_a_rates_currency_and_date_do_not_change(api, chain_admin, cny):
    entry = cny[dt.date(2025, 3, 1)]
    response = api.as_user(chain_admin).patch(f"/api/v1/exchange-rates/{entry.pk}/", {"currency": "USD"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"currency"}
    response = api.as_user(chain_admin).patch(f"/api/v1/exchange-rates/{entry.pk}/", {"rate": "0"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"rate"}
    assert ExchangeRate.objects.get(pk=entry.pk).rate == Decimal("0.13")


def test_the_rate_that_applies_on_a_date(api, sales_manager, cny):
    response = api.as_user(sales_manager).get("/api/v1/exchange-rates/", {"on": "2025-03-15", "currency": "CNY"})
    assert [(r["valid_from"], r["rate"]) for r in response.json()["results"]] == [("2025-03-01", "0.13000000")]
    assert api.as_user(sales_manager).get("/api/v1/exchange-rates/", {"on": "3025-01-01"}).status_code == 400


@pytest.mark.parametrize(
    ("role_user", "read", "write"),
    [
        ("chain_admin", 200, 201),
        ("sales_manager", 200, 403),
        ("integrator", 200, 403),
        ("integrator_readonly", 200, 403),
        ("front_desk", 403, 403),
        ("guest_relations", 403, 403),
    ],
)
def test_chain_admins_write_rates_sales_and_integrators_read_them(api, request, role_user, read, write):
    client = api.as_user(request.getfixturevalue(role_user))
    assert client.get("/api/v1/exchange-rates/").status_code == read
    body = {"currency": "USD", "valid_from": "2026-06-01", "rate": "0.93"}
    assert client.post("/api/v1/exchange-rates/", body, format="json").status_code == write


def test_the_admin_adds_and_corrects_rates_through_the_service(client, hotel):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    added = client.post(
        "/admin/guests/exchangerate/add/", {"currency": "usd", "valid_from": "2026-07-01", "rate": "0.95"}
    )
    assert added.status_code == 302
    entry = ExchangeRate.objects.get(currency="USD", valid_from=dt.date(2026, 7, 1))
    assert entry.source == "admin"
    refused = client.post(
        "/admin/guests/exchangerate/add/", {"currency": "USD", "valid_from": "2026-07-02", "rate": "-1"}
    )
    assert refused.status_code == 200 and "rate" in refused.context["adminform"].form.errors
    changed = client.post(f"/admin/guests/exchangerate/{entry.pk}/change/", {"rate": "0.96"})
    assert changed.status_code == 302
    assert ExchangeRate.objects.get(pk=entry.pk).rate == Decimal("0.96")
    twice = client.post("/admin/guests/exchangerate/add/", {"currency": "USD", "valid_from": "2026-07-01", "rate": "1"})
    assert twice.status_code == 200 and "valid_from" in twice.context["adminform"].form.errors
    assert client.post(f"/admin/guests/exchangerate/{entry.pk}/delete/", {"post": "yes"}).status_code == 403


# --- import_rates ---------------------------------------------------------------------------------


def rates_file(tmp_path, text: str, name="rates.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_rates_adds_the_file_and_a_rerun_changes_nothing(tmp_path):
    path = rates_file(tmp_path, "currency,valid_from,rate\nCNY,2026-01-01,0.128\nusd,2026-01-01,0.91\n")
    out = io.StringIO()
    call_command("import_rates", path, stdout=out)
    assert "Added 2 rate(s); 0 already stored." in out.getvalue()
    assert ExchangeRate.objects.get(currency="USD", valid_from=dt.date(2026, 1, 1)).source == "import"
    out = io.StringIO()
    call_command("import_rates", path, stdout=out)
    assert "Added 0 rate(s); 2 already stored." in out.getvalue()


def test_import_rates_dry_run_writes_nothing(tmp_path):
    before = ExchangeRate.objects.count()
    path = rates_file(tmp_path, "currency,valid_from,rate\nCNY,2026-01-01,0.128\n")
    call_command("import_rates", path, "--dry-run", stdout=io.StringIO())
    assert ExchangeRate.objects.count() == before


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("currency,valid_from,rate\n,2026-01-01,0.13\nUSD,2026-01-01,0.9\n", ["row 2, column currency"]),
        (
            "currency,valid_from,rate\nCNY,2026-01-01,0\nCNY,2026-01-02,-1\n",
            ["row 2, column rate", "row 3, column rate"],
        ),
        ("currency,valid_from,rate\nCNY,2026-01-01,0.13\nCNY,2026-01-01,0.14\n", ["row 3, column valid_from"]),
        ("currency,valid_from,rate\nCNY,2025-03-01,0.2\n", ["row 2, column valid_from"]),  # stored: 0.13
        ("currency,rate\nCNY,0.13\n", ["row 1, column valid_from"]),
        ("currency,valid_from,rate,bank\nCNY,2026-01-01,0.13,ECB\n", ["row 1, column bank"]),
    ],
)
def test_import_rates_refuses_a_bad_file_naming_rows_and_writes_nothing(tmp_path, capsys, cny, text, errors):
    before = list(ExchangeRate.objects.order_by("pk").values())
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_rates", rates_file(tmp_path, text))
    reported = capsys.readouterr().err
    assert all(e in reported for e in errors) and reported.count("row ") == len(errors)
    assert list(ExchangeRate.objects.order_by("pk").values()) == before


def test_import_rates_refuses_an_empty_or_missing_file(tmp_path):
    with pytest.raises(CommandError, match="empty"):
        call_command("import_rates", rates_file(tmp_path, ""))
    with pytest.raises(CommandError, match="not found"):
        call_command("import_rates", str(tmp_path / "absent.csv"))


# --- The setting as the seed ---------------------------------------------------------------------


def test_the_setting_only_seeds_currencies_without_rates(settings, cny):
    settings.EXCHANGE_RATES = {"CNY": 0.5, "BRL": 0.17, "EUR": 1, "XAU": "abc", "ZAR": -1}
    money.seed_rates()
    brl = ExchangeRate.objects.get(currency="BRL")
    assert (brl.valid_from, brl.rate, brl.source) == (money.SEED_FROM, Decimal("0.17"), "setting")
    assert not ExchangeRate.objects.filter(currency="CNY", rate=Decimal("0.5")).exists()
    assert not ExchangeRate.objects.filter(currency__in=["EUR", "XAU", "ZAR"]).exists()


def test_the_default_setting_is_seeded_after_migrate(settings):
    for code, rate in settings.EXCHANGE_RATES.items():
        first = ExchangeRate.objects.filter(currency=code).order_by("valid_from").first()
        assert (first.valid_from, first.rate) == (money.SEED_FROM, Decimal(str(rate)))


def test_a_property_needs_a_currency_with_rates(api, chain_admin):
    body = {"code": "GRU", "name": "São Paulo", "currency": "BRL", "timezone": "America/Sao_Paulo"}
    response = api.as_user(chain_admin).post("/api/v1/properties/", body, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"currency"}
    ExchangeRate.objects.create(currency="BRL", valid_from=dt.date(2026, 1, 1), rate=Decimal("0.17"))
    assert api.as_user(chain_admin).post("/api/v1/properties/", body, format="json").status_code == 201


def test_the_factory_converts_as_the_upsert_does(shanghai, cny):
    stay = StayFactory(
        property=shanghai,
        currency="CNY",
        arrival_date=dt.date(2025, 2, 27),
        departure_date=dt.date(2025, 3, 2),
        room_revenue=Decimal("1000.00"),
    )
    assert (stay.exchange_rate, stay.total_revenue) == (Decimal("0.13"), Decimal("130.00"))
    with pytest.raises(LookupError):
        StayFactory(property=shanghai, currency="CNY", arrival_date=dt.date(1999, 6, 1))
