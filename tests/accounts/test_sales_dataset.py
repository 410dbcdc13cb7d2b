"""The published hotel-booking-demand file: its ``agent`` and ``company`` ids become key
accounts the stays are attributed to, and the account Pareto equals a pandas computation
on the same columns."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F

from accounts import selectors
from accounts.models import Account, AccountExternalId
from accounts.services import HBD_AGENT, HBD_COMPANY
from guests import importers
from guests.models import Stay
from tests.guests.dataset import DATASET, needs_dataset

pytestmark = pytest.mark.django_db

COLUMNS = [
    "hotel",
    "reservation_status",
    "stays_in_weekend_nights",
    "stays_in_week_nights",
    "adr",
    "agent",
    "company",
]


def pareto_from_pandas(share: int = 80) -> dict:
    """Revenue per (system, id) as the file gives it: ADR × nights of checked-out
    bookings (rounded per booking to the cent, as the import bills them), counted for the
    agent and for the company of each booking."""
    import pandas as pd

    frame = pd.read_csv(DATASET, usecols=COLUMNS, dtype=str, keep_default_na=False)
    nights = frame["stays_in_weekend_nights"].astype(int) + frame["stays_in_week_nights"].astype(int)
    revenue = [
        (Decimal(adr) * n).quantize(Decimal("0.01")) if status == "Check-Out" else Decimal("0")
        for adr, n, status in zip(frame["adr"], nights, frame["reservation_status"], strict=True)
    ]
    frame = frame.assign(revenue=revenue)
    parts = []
    for system, column in ((HBD_AGENT, "agent"), (HBD_COMPANY, "company")):
        linked = frame[frame[column] != "NULL"]
        parts.append(pd.DataFrame({"system": system, "code": linked[column], "revenue": linked["revenue"]}))
    pairs = pd.concat(parts)
    totals = pairs.groupby(["system", "code"])["revenue"].sum()
    totals = totals[totals > 0].sort_values(ascending=False)
    total = sum(totals, Decimal("0"))
    before = totals.cumsum().shift(fill_value=Decimal("0"))
    core = before < total * share / 100
    return {
        "total": total,
        "by_account": {key: value for key, value in totals.items()},
        "core_accounts": int(core.sum()),
        "agent_rows": int((frame["agent"] != "NULL").sum()),
        "company_rows": int((frame["company"] != "NULL").sum()),
    }


@needs_dataset
@pytest.mark.dataset
def test_the_import_attributes_agents_and_companies_and_the_pareto_matches_pandas():
    expected = pareto_from_pandas()
    result = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert result.ok, result.errors[:5]

    # Every agent / company id is an account, and each stay points at the account of its id.
    for system, code_field, account_field, rows in (
        (HBD_AGENT, "agent_code", "agent_account", expected["agent_rows"]),
        (HBD_COMPANY, "company_code", "company_account", expected["company_rows"]),
    ):
        attributed = Stay.objects.filter(**{f"{account_field}__isnull": False})
        assert attributed.count() == Stay.objects.exclude(**{code_field: ""}).count() == rows
        matching = attributed.filter(
            **{
                f"{account_field}__external_ids__system": system,
                f"{account_field}__external_ids__external_id": F(code_field),
            }
        )
        assert matching.count() == rows
    assert Account.objects.filter(account_type="travel_agency", external_ids__system=HBD_AGENT).exists()

    pareto = selectors.account_pareto(start=dt.date(2015, 1, 1), end=dt.date(2018, 1, 1))
    ids = {
        link.account_id: (link.system, link.external_id)
        for link in AccountExternalId.objects.filter(system__in=[HBD_AGENT, HBD_COMPANY])
    }
    ours = {ids[r["account_id"]]: r["figures"].revenue for r in pareto["rows"]}
    assert ours == expected["by_account"]
    assert pareto["total_revenue"] == expected["total"]
    assert pareto["core_accounts"] == expected["core_accounts"]

    # A second import finds the same accounts (no duplicates) and changes nothing.
    accounts = Account.objects.count()
    again = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
    assert again.changed == 0 and Account.objects.count() == accounts
