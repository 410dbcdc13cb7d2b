"""Analysis figures on a small dataset whose answers are worked out by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints import selectors, services
from complaints.models import Complaint
from guests.models import Stay
from tests.complaints.factories import handler_for, move
from tests.factories import GuestFactory, StayFactory

S = Complaint.Status


def at(day: str, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


def log(prop, guest, category, received, *, by=None):
    return services.complaint_create(
        property=prop,
        guest=guest,
        category=category,
        severity="medium",  # 4 h to respond, 24 h to resolve
        description=f"{category} complaint",
        received_at=received,
        at=received,
        by=by,
    )


def work(complaint, handler, *, assigned, resolved=None, satisfaction=None):
    complaint = move(complaint, S.ASSIGNED, handler=handler, at=assigned)
    complaint = move(complaint, S.INVESTIGATING, at=assigned + dt.timedelta(minutes=5))
    if resolved:
        complaint = move(complaint, S.RESOLVED, at=resolved)
    if satisfaction:
        complaint = move(complaint, S.FEEDBACK_RECORDED, satisfaction=satisfaction, at=resolved + dt.timedelta(hours=1))
    return complaint


@pytest.fixture
def dataset(hotel, other_hotel):
    lis, alg = handler_for(hotel), handler_for(other_hotel)
    g1, g2, g3 = GuestFactory(), GuestFactory(), GuestFactory()
    # A: g1 at LIS, answered in 1 h, resolved in 10 h (in SLA), rated 5; g1 came back on 1 Feb.
    work(
        log(hotel, g1, "service_quality", at("2026-01-10", 10)),
        lis,
        assigned=at("2026-01-10", 11),
        resolved=at("2026-01-10", 20),
        satisfaction=5,
    )
    StayFactory(guest=g1, property=hotel, arrival_date=dt.date(2026, 2, 1), status=Stay.Status.CHECKED_OUT)
    # B: g1 again, answered after 6 h (late), resolved after 48 h (late), rated 2; no stay since.
    work(
        log(hotel, g1, "facilities", at("2026-02-05", 9)),
        lis,
        assigned=at("2026-02-05", 15),
        resolved=at("2026-02-07", 9),
        satisfaction=2,
    )
    # C: g2 at ALG, resolved in 6 h, rated 4; the later booking was cancelled (not a return).
    work(
        log(alg_prop := other_hotel, g2, "management", at("2026-02-20", 8)),
        alg,
        assigned=at("2026-02-20", 9),
        resolved=at("2026-02-20", 14),
        satisfaction=4,
    )
    StayFactory(guest=g2, property=alg_prop, arrival_date=dt.date(2026, 4, 1), status=Stay.Status.CANCELLED)
    # D: g3 at ALG, picked up in 1 h but still being investigated: resolution overdue.
    work(log(other_hotel, g3, "expectation_gap", at("2026-03-03", 12)), alg, assigned=at("2026-03-03", 13))
    # E: a walk-up at LIS nobody picked up: both deadlines missed.
    log(hotel, None, "other", at("2026-03-15", 12))
    # F: outside the window.
    log(hotel, g2, "other", at("2025-12-20", 12))


@pytest.mark.django_db
def test_analysis_figures(dataset, sales_manager):
    f = selectors.complaint_analysis(viewer=sales_manager, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31))
    assert (f["total"], f["open"], f["overdue"], f["resolved"]) == (5, 2, 2, 3)
    assert {r["category"]: r["count"] for r in f["by_category"]} == {
        "service_quality": 1,
        "facilities": 1,
        "management": 1,
        "expectation_gap": 1,
        "other": 1,
    }
    assert [(r["property"], r["count"], r["open"], r["sla_compliance"]) for r in f["by_property"]] == [
        ("ALG", 2, 1, 50.0),  # C in time, D open past its deadline
        ("LIS", 3, 1, 33.3),  # A in time; B late, E open past its deadline
    ]
    assert [(m["month"], m["count"]) for m in f["by_month"]] == [("2026-01", 1), ("2026-02", 2), ("2026-03", 2)]
    # Resolution: A and C in time; B late, D and E open past the deadline.
    assert f["sla"]["met"] == 2 and f["sla"]["missed"] == 3 and f["sla"]["compliance"] == 40.0
    assert (f["sla"]["late"], f["sla"]["open_past_due"]) == (1, 2)
    # First response: A, C, D in time; B late, E never.
    assert (f["sla"]["first_response_met"], f["sla"]["first_response_missed"]) == (3, 2)
    assert f["sla"]["first_response_compliance"] == 60.0
    # Times to resolve 6 h, 10 h, 48 h.
    assert f["median_time_to_resolve"] == dt.timedelta(hours=10)
    assert f["repeat_complainers"] == 1 and f["complainants"] == 3 and f["repeat_complainers_share"] == 33.3
    assert [r["complaints"] for r in f["repeaters"]] == [2]
    # Each complainant once, by their first resolved complaint: g1 by A (in SLA, came back
    # on 1 Feb), g2 by C (in SLA, the later booking was cancelled).
    assert f["stayed_again"]["complainants"] == 2 and f["stayed_again"]["returned"] == 1
    assert f["stayed_again"]["share"] == 50.0
    assert f["stayed_again"]["within_sla"] == {"complainants": 2, "returned": 1, "share": 50.0}
    assert f["stayed_again"]["late"] == {"complainants": 0, "returned": 0, "share": None}
    assert_adds_up(f)
    # Top box: only the 5 counts.
    assert f["satisfaction"]["rated"] == 3 and f["satisfaction"]["top_box"] == 1
    assert f["satisfaction"]["top_box_share"] == 33.3
    assert [d["count"] for d in f["satisfaction"]["distribution"]] == [0, 1, 0, 1, 1]


@pytest.mark.django_db
def test_analysis_for_one_property_and_scope(dataset, sales_manager, front_desk, hotel):
    window = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 3, 31)}
    lis = selectors.complaint_analysis(viewer=sales_manager, property=hotel, **window)
    assert (lis["total"], lis["resolved"], lis["sla"]["compliance"]) == (3, 2, 33.3)  # A met; B, E missed
    assert lis["median_time_to_resolve"] == dt.timedelta(hours=29)  # mean of 10 h and 48 h
    # A LIS front-desk user only ever sees LIS.
    scoped = selectors.complaint_analysis(viewer=front_desk, **window)
    assert scoped["total"] == 3


@pytest.mark.django_db
def test_empty_period_has_no_made_up_figures(dataset, sales_manager):
    f = selectors.complaint_analysis(viewer=sales_manager, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 2, 1))
    assert f["total"] == 0
    assert f["sla"]["compliance"] is None and f["median_time_to_resolve"] is None
    assert f["satisfaction"]["top_box_share"] is None and f["stayed_again"]["share"] is None


@pytest.mark.django_db
def test_stayed_again_on_the_complaint_itself(dataset, sales_manager, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        rows = list(
            selectors.with_stayed_again(Complaint.objects.filter(resolved_at__isnull=False)).order_by("received_at")
        )
    assert [r.stayed_again for r in rows] == [True, False, False]


def assert_adds_up(f):
    """Every part sums to its total (each figure is defined once)."""
    assert f["total"] == f["open"] + f["resolved"]
    assert f["open"] == f["on_time"] + f["overdue"]
    assert f["resolved"] == f["sla"]["met"] + f["sla"]["late"]
    assert f["sla"]["missed"] == f["sla"]["late"] + f["sla"]["open_past_due"]
    first = f["sla"]
    assert f["total"] == first["first_response_met"] + first["first_response_missed"] + first["first_response_pending"]
    assert f["total"] == sum(r["count"] for r in f["by_category"])
    assert f["total"] == sum(r["count"] for r in f["by_property"])
    assert f["total"] == sum(m["count"] for m in f["by_month"])
    assert f["open"] == sum(r["open"] for r in f["by_property"])
    assert f["resolved"] == sum(r["resolved"] for r in f["by_property"])
    back = f["stayed_again"]
    assert back["complainants"] == back["within_sla"]["complainants"] + back["late"]["complainants"]
    assert back["returned"] == back["within_sla"]["returned"] + back["late"]["returned"]
    assert f["satisfaction"]["rated"] == sum(d["count"] for d in f["satisfaction"]["distribution"])
    assert f["satisfaction"]["top_box"] == f["satisfaction"]["distribution"][4]["count"]


def reopen(complaint, *, at):
    return move(complaint, S.INVESTIGATING, comment="The guest wrote again.", at=at)


@pytest.fixture
def reopened_dataset(hotel):
    """Complaints reopened once, resolved again or still open; a guest with a late and a
    fast complaint."""
    lis = handler_for(hotel)
    g1, g2, g3 = GuestFactory(), GuestFactory(), GuestFactory()
    # P1 (g1): resolved in 10 h, reopened, resolved again a day after the fresh deadline: late.
    p1 = work(log(hotel, g1, "facilities", at("2026-01-05", 10)), lis, assigned=at("2026-01-05", 11))
    p1 = move(p1, S.RESOLVED, at=at("2026-01-05", 20))
    p1 = reopen(p1, at=at("2026-01-07", 9))  # fresh deadline 8 Jan 09:00
    p1 = move(p1, S.RESOLVED, at=at("2026-01-09", 9))
    move(p1, S.FEEDBACK_RECORDED, satisfaction=5, at=at("2026-01-09", 10))
    StayFactory(guest=g1, property=hotel, arrival_date=dt.date(2026, 1, 20), status=Stay.Status.CHECKED_OUT)
    # P5 (g1): a second complaint, resolved in time; g1 still counts once (by P1).
    work(
        log(hotel, g1, "other", at("2026-03-10", 9)),
        lis,
        assigned=at("2026-03-10", 10),
        resolved=at("2026-03-10", 12),
        satisfaction=3,
    )
    # P2 (g2): resolved in time, rated, closed, then reopened and still open past its deadline.
    p2 = work(
        log(hotel, g2, "service_quality", at("2026-02-01", 10)),
        lis,
        assigned=at("2026-02-01", 11),
        resolved=at("2026-02-01", 15),
        satisfaction=4,
    )
    p2 = move(p2, S.CLOSED, at=at("2026-02-01", 18))
    reopen(p2, at=at("2026-02-03", 10))
    # P3 (g2): resolved late; g2's first resolved complaint; g2 came back on 1 March.
    work(
        log(hotel, g2, "management", at("2026-02-10", 9)),
        lis,
        assigned=at("2026-02-10", 10),
        resolved=at("2026-02-12", 9),
    )
    StayFactory(guest=g2, property=hotel, arrival_date=dt.date(2026, 3, 1), status=Stay.Status.CHECKED_OUT)
    # P4 (g3): resolved in time, reopened, resolved again before the fresh deadline.
    p4 = work(
        log(hotel, g3, "expectation_gap", at("2026-03-01", 10)),
        lis,
        assigned=at("2026-03-01", 10),
        resolved=at("2026-03-01", 12),
    )
    p4 = reopen(p4, at=at("2026-03-02", 9))
    move(p4, S.RESOLVED, at=at("2026-03-02", 18))


@pytest.mark.django_db
def test_reopened_complaints_count_once_and_every_part_adds_up(reopened_dataset, sales_manager):
    f = selectors.complaint_analysis(
        viewer=sales_manager,
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 3, 31),
        now=at("2026-04-01", 12),
    )
    assert_adds_up(f)
    # P2 is open again (past its fresh deadline); P1, P3, P4, P5 are resolved.
    assert (f["total"], f["open"], f["overdue"], f["resolved"]) == (5, 1, 1, 4)
    # In SLA: P4 (against its fresh deadline) and P5; late: P1 (against its fresh deadline), P3.
    assert (f["sla"]["met"], f["sla"]["late"], f["sla"]["open_past_due"]) == (2, 2, 1)
    assert f["sla"]["compliance"] == 40.0
    # g1 by P1 (late, came back), g2 by P3 (late, came back), g3 by P4 (in SLA, did not).
    assert f["stayed_again"]["within_sla"] == {"complainants": 1, "returned": 0, "share": 0.0}
    assert f["stayed_again"]["late"] == {"complainants": 2, "returned": 2, "share": 100.0}
    assert (f["stayed_again"]["complainants"], f["stayed_again"]["returned"]) == (3, 2)
    # A reopen clears the satisfaction recorded before it: P1's 5 (after its second
    # resolution) and P5's 3 count; P2's 4 was withdrawn by its reopen.
    assert [d["count"] for d in f["satisfaction"]["distribution"]] == [0, 0, 1, 0, 1]
    assert f["repeat_complainers"] == 2 and f["complainants"] == 3


@pytest.mark.django_db
def test_the_analysis_page_states_its_definitions(reopened_dataset, client, sales_manager):
    client.force_login(sales_manager)
    response = client.get("/complaints/analysis/", {"date_from": "2026-01-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="definitions"' in page
    assert "a reopened complaint" in page.lower()


def test_the_analysis_page_states_the_period_and_the_sla_in_force(reopened_dataset, client, sales_manager, settings):
    settings.COMPLAINT_SLA = {"critical": {"first_response": 0.5, "resolution": 2}}
    client.force_login(sales_manager)
    response = client.get("/complaints/analysis/", {"date_from": "2026-01-01", "date_to": "2026-03-31"})
    page = response.content.decode()
    assert "complaints received from 2026-01-01 to 2026-03-31" in page
    table = page.split('data-testid="sla-targets"')[1].split("</table>")[0]
    assert "30 min" in table and "2 h 0 min" in table  # critical follows the setting
    assert "4 h 0 min" in table and "24 h" not in table.split("Critical")[1].split("</tr>")[0]
    assert 'data-testid="by-month-axis"' in page
