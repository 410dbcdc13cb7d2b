"""Guest-level rates: every figure of the report equals a recomputation in plain Python
over the stays, memberships and churn warnings the test created; the 365-day boundary and
the maturing rule on both sides; filters, roles and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict

import pytest

from care.models import ChurnWarning
from guests.models import Stay
from loyalty import services as loyalty
from loyalty.defaults import seed_default_tiers
from loyalty.models import Membership, Tier
from performance.selectors import guest_filter, guest_rates
from performance.selectors.filters import year_back
from performance.services import facts_rebuild
from tests.care.factories import ChurnWarningFactory
from tests.factories import GuestFactory, StayFactory

URL = "/api/v1/analytics/performance/guest-rates/"
REALISED = ("checked_out", "in_house")
TODAY = dt.date(2026, 3, 15)
PERIOD = {"start": "2025-03-01", "end": "2026-02-28"}
STATUSES = ["checked_out"] * 6 + ["in_house", "cancelled", "no_show", "reserved"]


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _first_of(number: int) -> dt.date:
    return dt.date(number // 12, number % 12 + 1, 1)


@pytest.fixture
def chain(hotel, other_hotel):
    """Forty guests with random journeys over 2023-2026 at two hotels, members of each
    tier with stays and earnings, and churn warnings in every state."""
    seed_default_tiers(Tier)
    rng = random.Random(12)
    guests = [GuestFactory() for _ in range(40)]
    stays = []
    for i, guest in enumerate(guests):
        for _n in range(rng.randint(1, 6)):
            arrival = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1180))
            stays.append(
                StayFactory(
                    guest=guest,
                    property=hotel if rng.random() < 0.6 else other_hotel,
                    arrival_date=arrival,
                    departure_date=arrival + dt.timedelta(days=rng.randint(0, 4)),
                    status=rng.choice(STATUSES),
                )
            )
        if i % 3 == 0:
            membership, _c = loyalty.membership_enrol(guest=guest, enrolled_on=dt.date(2022, 1, 1) + dt.timedelta(i))
            tier = rng.choice(list(Tier.objects.all()))
            Membership.objects.filter(pk=membership.pk).update(tier=tier)
            if i % 2:
                loyalty.points_earn(
                    membership=membership,
                    points=100,
                    reason="Partner",
                    idempotency_key=f"t{i}",
                    effective_on=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 420)),
                )
    StayFactory(guest=None, property=hotel, arrival_date=dt.date(2025, 6, 1))  # no profile: not a guest
    outcomes = [("open", ""), ("open", "contacted"), *[("closed", o) for o in ChurnWarning.CLOSING_OUTCOMES]]
    for i, guest in enumerate(guests[:30]):
        status, outcome = outcomes[i % len(outcomes)]
        ChurnWarningFactory(
            guest=guest,
            status=status,
            outcome=outcome,
            lost_reason="price" if outcome == "lost" else "",
            opened_on=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 790)),
            last_property=hotel if i % 2 else other_hotel,
        )
    facts_rebuild()
    return stays


# --- the recomputation -------------------------------------------------------------------


def _realised():
    return [s for s in Stay.objects.order_by("arrival_date", "id") if s.status in REALISED and s.guest_id]


def expected_repeat(first: dt.date, last: dt.date, prop=None) -> dict:
    stays = _realised()
    mine = defaultdict(list)
    for s in stays:
        if first <= s.arrival_date <= last and (prop is None or s.property_id == prop):
            mine[s.guest_id].append(s)
    repeat = sum(
        1 for g, own in mine.items() if any(s.guest_id == g and s.arrival_date < own[0].arrival_date for s in stays)
    )
    multi = sum(1 for own in mine.values() if len(own) >= 2)
    return {"guests": len(mine), "repeat_guests": repeat, "multi_stay_guests": multi}


def expected_cohorts(first: dt.date, last: dt.date, today: dt.date, prop=None) -> dict:
    journeys = defaultdict(list)
    for s in _realised():
        journeys[s.guest_id].append(s)
    months = defaultdict(lambda: {"guests": 0, "converted": 0, "last": None})
    for own in journeys.values():
        one = own[0]
        if not first <= one.arrival_date <= last or (prop is not None and one.property_id != prop):
            continue
        m = months[one.arrival_date.replace(day=1)]
        m["guests"] += 1
        m["converted"] += len(own) > 1 and own[1].arrival_date <= one.departure_date + dt.timedelta(days=365)
        m["last"] = max(m["last"] or one.departure_date, one.departure_date)
    for m in months.values():
        m["maturing"] = today <= m["last"] + dt.timedelta(days=365)
    return months


def expected_members(end: dt.date) -> dict:
    since = year_back(end) + dt.timedelta(days=1)
    stays = _realised()
    result = defaultdict(lambda: [0, 0])
    for m in Membership.objects.select_related("tier"):
        if m.enrolled_on > end:
            continue
        stayed = any(s.guest_id == m.guest_id and since <= s.arrival_date <= end for s in stays)
        earned = m.transactions.filter(kind="earn", effective_on__range=(since, end)).exists()
        result[m.tier.code][0] += 1
        result[m.tier.code][1] += stayed or earned
    return result


def expected_churn(first: dt.date, last: dt.date, prop=None) -> dict:
    before = expected_repeat(year_back(first), first - dt.timedelta(days=1), prop)["guests"]
    warnings = ChurnWarning.objects.filter(opened_on__range=(first, last))
    if prop is not None:
        warnings = warnings.filter(last_property_id=prop)
    counts = defaultdict(int)
    for w in warnings:
        counts["open" if w.status == "open" else w.outcome] += 1
    return {"active_at_start": before, "opened": warnings.count(), **counts}


# --- the report against it ---------------------------------------------------------------


def _check_repeat(got: dict, want: dict) -> None:
    assert {k: got[k] for k in want} == want
    assert got["repeat_rate"] == (round(want["repeat_guests"] / want["guests"], 6) if want["guests"] else None)


@pytest.mark.parametrize("prop", [None, "hotel", "other_hotel"])
def test_every_figure_equals_the_recomputation(api, sales_manager, chain, prop, request):
    prop = request.getfixturevalue(prop) if prop else None
    params = {**PERIOD, **({"property": prop.code} if prop else {})}
    data = guest_rates(guest_filter(params, user=sales_manager), today=TODAY)
    pid = prop.pk if prop else None
    first, last = dt.date(2025, 3, 1), dt.date(2026, 2, 28)

    _check_repeat(data["repeat"]["total"], expected_repeat(first, last, pid))
    _check_repeat(data["repeat"]["last_year_total"], expected_repeat(year_back(first), year_back(last), pid))
    for row in data["repeat"]["by_month"]:
        end = _first_of(_month(row["month"]) + 1) - dt.timedelta(days=1)
        _check_repeat(row, expected_repeat(row["month"], end, pid))

    cohorts = expected_cohorts(first, last, TODAY, pid)
    for row in data["conversion"]["by_month"]:
        want = cohorts.get(row["month"], {"guests": 0, "converted": 0, "maturing": False})
        assert (row["guests"], row["converted"], row["maturing"]) == (
            want["guests"],
            want["converted"],
            want["maturing"],
        )
    mature = [m for m in cohorts.values() if not m["maturing"]]
    total = data["conversion"]["total"]
    assert total["guests"] == sum(m["guests"] for m in mature)
    assert total["converted"] == sum(m["converted"] for m in mature)
    assert total["maturing_guests"] == sum(m["guests"] for m in cohorts.values() if m["maturing"])

    churn = data["churn"]["total"]
    want = expected_churn(first, last, pid)
    assert (churn["active_at_start"], churn["opened"]) == (want["active_at_start"], want["opened"])
    assert churn["still_open"] == want.get("open", 0)
    for outcome in ("won_back", "returned", "rebooked", "cleared", "lost"):
        assert churn[outcome] == want.get(outcome, 0)
    assert churn["churn_rate"] == (
        round(want["opened"] / want["active_at_start"], 6) if want["active_at_start"] else None
    )
    for row in data["churn"]["by_month"]:
        end = _first_of(_month(row["month"]) + 1) - dt.timedelta(days=1)
        want = expected_churn(row["month"], end, pid)
        assert (row["active_at_start"], row["opened"]) == (want["active_at_start"], want["opened"])


def test_member_activity_by_tier_equals_the_recomputation(sales_manager, chain):
    data = guest_rates(guest_filter(PERIOD, user=sales_manager), today=TODAY)["members"]
    want = expected_members(dt.date(2026, 2, 28))
    assert sum(n for n, _a in want.values()) > 0
    for row in data["by_tier"]:
        members, active = want.get(row["tier"], [0, 0])
        assert (row["members"], row["active_members"]) == (members, active), row["tier"]
    assert data["total"]["members"] == sum(n for n, _a in want.values())


def test_members_of_a_hotel_are_those_whose_first_stay_was_there(sales_manager, chain, hotel):
    data = guest_rates(guest_filter({**PERIOD, "property": hotel.code}, user=sales_manager), today=TODAY)
    firsts = {}
    for s in _realised():
        firsts.setdefault(s.guest_id, s.property_id)
    members = Membership.objects.filter(enrolled_on__lte=dt.date(2026, 2, 28))
    assert data["members"]["total"]["members"] == sum(1 for m in members if firsts.get(m.guest_id) == hotel.pk)


# --- the 365-day boundary and the maturing rule -----------------------------------------------


@pytest.fixture
def boundary(hotel, other_hotel):
    """Four first stays in March 2025 departing 10 March: next stays 365 and 366 days
    later, on the same day, and none."""
    departure = dt.date(2025, 3, 10)
    for days in (365, 366, 0, None):
        guest = GuestFactory()
        StayFactory(guest=guest, property=hotel, arrival_date=dt.date(2025, 3, 8), departure_date=departure)
        if days is not None:
            arrival = departure + dt.timedelta(days=days)
            StayFactory(guest=guest, property=other_hotel, arrival_date=arrival, departure_date=arrival)
    facts_rebuild()


def _march(user, today):
    data = guest_rates(guest_filter({"start": "2025-03-01", "end": "2025-03-31"}, user=user), today=today)
    return data["conversion"]["by_month"][0], data["conversion"]["total"]


def test_day_365_converts_and_day_366_does_not(sales_manager, boundary):
    row, total = _march(sales_manager, dt.date(2026, 3, 11))
    assert (row["guests"], row["converted"], row["maturing"]) == (4, 2, False)  # 365 days and the same day
    assert (total["guests"], total["converted"], total["conversion_rate"]) == (4, 2, 0.5)


def test_a_month_whose_window_is_still_open_is_maturing_and_left_out(sales_manager, boundary):
    row, total = _march(sales_manager, dt.date(2026, 3, 10))  # the 365th day: a stay may still arrive today
    assert row["maturing"] and row["window_closes"] == dt.date(2026, 3, 10)
    assert (total["guests"], total["maturing_months"], total["maturing_guests"]) == (0, 1, 4)
    assert total["conversion_rate"] is None


def test_the_refresh_after_a_stay_write_moves_the_figures(sales_manager, boundary, django_capture_on_commit_callbacks):
    from guests import signals

    late = Stay.objects.get(arrival_date=dt.date(2026, 3, 11))
    Stay.objects.filter(pk=late.pk).update(arrival_date=dt.date(2026, 3, 9), departure_date=dt.date(2026, 3, 9))
    signals.stays_upserted.send(sender=Stay, stay_ids=[late.pk])
    row, _total = _march(sales_manager, dt.date(2026, 3, 11))
    assert row["converted"] == 3


# --- filters, roles, CSV, page ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query, fields",
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, {"end"}),
        ({"start": "2020-01-01", "end": "2026-01-01"}, {"end"}),
        ({"start": "1899-12-31", "end": "2026-01-01"}, {"start"}),
        ({"property": "ZZZ", "granularity": "day"}, {"property", "granularity"}),
        ({"market_segment": "Groups", "channel": "ota", "country": "PRT"}, {"market_segment", "channel", "country"}),
    ],
)
def test_bad_input_is_a_400_naming_every_field_and_writes_nothing(api, sales_manager, hotel, query, fields):
    response = api.as_user(sales_manager).get(URL, query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields


def test_roles(api, front_desk, guest_relations, sales_manager, chain_admin, integrator, chain):
    for user in (front_desk, guest_relations):
        assert api.as_user(user).get(URL, PERIOD).status_code == 403
    for user in (sales_manager, chain_admin, integrator):
        assert api.as_user(user).get(URL, PERIOD).status_code == 200


def test_api_and_csv_carry_the_same_figures(api, client, sales_manager, chain):
    data = api.as_user(sales_manager).get(URL, PERIOD).json()
    assert data["definitions"]["maturing"] and data["filters"]["months_start"] == "2025-03-01"
    client.force_login(sales_manager)
    response = client.get("/performance/guest-rates/export/repeat/", PERIOD)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_month = {r[0]: r for r in rows[1:]}
    for row in data["repeat"]["by_month"]:
        line = by_month[row["month"][:7]]
        assert [int(line[1]), int(line[2]), int(line[4])] == [
            row["guests"],
            row["repeat_guests"],
            row["multi_stay_guests"],
        ]
    total = by_month["Total"]
    assert int(total[1]) == data["repeat"]["total"]["guests"]


@pytest.mark.parametrize("language, text", [("en", "Repeat rate"), ("zh-hans", "回头率")])
def test_the_page_renders_in_english_and_chinese(client, sales_manager, chain, language, text):
    client.force_login(sales_manager)
    response = client.get("/performance/guest-rates/", PERIOD, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_the_page_names_a_filter_that_does_not_apply(client, sales_manager, hotel):
    client.force_login(sales_manager)
    response = client.get("/performance/guest-rates/", {"channel": "ota"})
    assert response.status_code == 400 and "channel" in response.content.decode()


def test_query_count_is_fixed(api, sales_manager, chain, django_assert_num_queries):
    client = api.as_user(sales_manager)
    client.get(URL, PERIOD)
    with django_assert_num_queries(5):
        client.get(URL, PERIOD)
