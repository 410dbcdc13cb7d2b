"""The churn scan on hand-built stay histories in the database."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care import services
from care.models import CareTask, ChurnScan, ChurnWarning
from crm_site.errors import DomainError
from guests.models import Stay
from tests.complaints.factories import ComplaintFactory
from tests.factories import GuestFactory, StayFactory

from .factories import ChurnWarningFactory, StaySurveyFactory, stays_on

AS_OF = dt.date(2025, 6, 30)
NIGHTS = 2


def departed(days):
    """Arrival of a stay (NIGHTS nights) that departed ``days`` before AS_OF."""
    return AS_OF - dt.timedelta(days=days + NIGHTS)


def lapsed_guest(hotel, *, days=400, gap=90, visits=3, **guest_kwargs):
    guest = GuestFactory(**guest_kwargs)
    last = departed(days)
    stays_on(guest, hotel, [last - dt.timedelta(days=gap * i) for i in reversed(range(visits))], nights=NIGHTS)
    return guest


def declining_guest(hotel, *, previous=4, recent=1):
    guest = GuestFactory()
    one_year = AS_OF.replace(year=AS_OF.year - 1)
    arrivals = [one_year - dt.timedelta(days=30 + 40 * i) for i in range(previous)]
    arrivals += [AS_OF - dt.timedelta(days=30 + 40 * i) for i in range(recent)]
    stays_on(guest, hotel, sorted(arrivals), nights=NIGHTS)
    return guest


def open_warning(guest):
    return ChurnWarning.objects.get(guest=guest, status=ChurnWarning.Status.OPEN)


def reasons_of(guest) -> set:
    warning = ChurnWarning.objects.filter(guest=guest, status=ChurnWarning.Status.OPEN).first()
    return set(warning.reasons) if warning else set()


def test_lapsed_warning_carries_its_numbers(hotel):
    guest = lapsed_guest(hotel, days=400, gap=90)
    counts = services.churn_scan(as_of=AS_OF)
    warning = open_warning(guest)
    # All three visits fell in the previous 12 months and none since: declining as well.
    assert warning.reasons["declining"]["stays_previous_12_months"] == 3
    assert warning.reasons == {
        "declining": warning.reasons["declining"],
        "lapsed": {
            "stays": 3,
            "visits": 3,
            "last_departure": (AS_OF - dt.timedelta(days=400)).isoformat(),
            "days_since_last_departure": 400,
            "median_gap_days": 90.0,
            "threshold_days": 365,
        },
    }
    assert warning.last_property == hotel
    assert warning.last_departure == AS_OF - dt.timedelta(days=400)
    assert warning.opened_on == warning.as_of == AS_OF
    assert warning.segment == ""
    assert warning.score == 5 + (20 + 5) + round(25 * (1 - 400 / 1095))
    assert warning.score_detail == {"segment": 5, "reason": 25, "recency": 16}
    assert counts["opened"] == 1 and counts["reasons"]["lapsed"] == 1
    assert ChurnScan.objects.get(as_of=AS_OF).counts["flagged"] == 1


def test_exactly_365_days_is_not_lapsed_but_366_is(hotel):
    at_365 = lapsed_guest(hotel, days=365, gap=60)
    at_366 = lapsed_guest(hotel, days=366, gap=60)
    services.churn_scan(as_of=AS_OF)
    assert "lapsed" not in reasons_of(at_365)
    assert open_warning(at_366).reasons["lapsed"]["days_since_last_departure"] == 366


def test_lapsed_waits_for_twice_the_usual_gap(hotel):
    rare = lapsed_guest(hotel, days=500, gap=260)  # threshold 520 days
    services.churn_scan(as_of=AS_OF)
    assert "lapsed" not in reasons_of(rare)
    services.churn_scan(as_of=AS_OF + dt.timedelta(days=21))
    assert open_warning(rare).reasons["lapsed"]["threshold_days"] == 520


def test_one_stay_guests_and_other_statuses_are_not_lapsed(hotel):
    once = GuestFactory()
    stays_on(once, hotel, [departed(800)])
    cancelled = GuestFactory()
    stays_on(cancelled, hotel, [departed(800), departed(700)], status=Stay.Status.CANCELLED)
    services.churn_scan(as_of=AS_OF)
    assert not ChurnWarning.objects.exists()


@pytest.mark.parametrize(("previous", "recent", "flagged"), [(4, 2, False), (4, 1, True), (2, 0, True), (1, 0, False)])
def test_declining_boundaries(hotel, previous, recent, flagged):
    guest = declining_guest(hotel, previous=previous, recent=recent)
    services.churn_scan(as_of=AS_OF)
    warning = ChurnWarning.objects.filter(guest=guest).first()
    assert (warning is not None) is flagged
    if flagged:
        assert "declining" in warning.reasons
        assert warning.reasons["declining"]["stays_previous_12_months"] == previous
        assert warning.reasons["declining"]["stays_last_12_months"] == recent


def test_rerun_updates_and_never_duplicates(hotel):
    guest = lapsed_guest(hotel, days=400)
    services.churn_scan(as_of=AS_OF)
    first = open_warning(guest)
    counts = services.churn_scan(as_of=AS_OF)
    assert (counts["opened"], counts["updated"], counts["unchanged"]) == (0, 0, 1)  # nothing changed: no write
    next_day = services.churn_scan(as_of=AS_OF + dt.timedelta(days=1))
    assert (next_day["updated"], next_day["unchanged"]) == (0, 1)  # only the day count moved
    later = AS_OF + dt.timedelta(days=30)
    counts = services.churn_scan(as_of=later)
    assert counts["updated"] == 1  # the recency part of the score dropped a point
    assert ChurnWarning.objects.filter(guest=guest).count() == 1
    warning = open_warning(guest)
    assert warning.pk == first.pk
    assert warning.opened_on == AS_OF and warning.as_of == later
    assert warning.reasons["lapsed"]["days_since_last_departure"] == 430
    assert warning.score < first.score  # recency decays
    assert ChurnScan.objects.count() == 3


def test_the_database_refuses_a_second_open_warning(hotel):
    from django.db import IntegrityError, transaction

    warning = ChurnWarningFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChurnWarningFactory(guest=warning.guest)


def test_new_stay_closes_the_warning_as_returned_in_the_scan(hotel):
    guest = lapsed_guest(hotel, days=800)
    services.churn_scan(as_of=AS_OF)
    warning = open_warning(guest)
    stays_on(guest, hotel, [AS_OF + dt.timedelta(days=3)], prefix="BACK-")
    counts = services.churn_scan(as_of=AS_OF + dt.timedelta(days=10))
    warning.refresh_from_db()
    assert (warning.status, warning.outcome) == ("closed", "returned")
    assert warning.closed_at is not None
    assert counts["closed_returned"] == 1
    assert not ChurnWarning.objects.filter(guest=guest, status="open").exists()


def test_a_returning_guest_who_still_declines_gets_a_fresh_warning(hotel):
    guest = declining_guest(hotel, previous=4, recent=0)
    services.churn_scan(as_of=AS_OF)
    first = open_warning(guest)
    stays_on(guest, hotel, [AS_OF + dt.timedelta(days=3)], prefix="BACK-")
    services.churn_scan(as_of=AS_OF + dt.timedelta(days=10))
    first.refresh_from_db()
    assert first.outcome == "returned"
    fresh = open_warning(guest)  # one stay in 12 months against four before
    assert fresh.pk != first.pk
    assert fresh.reasons["declining"]["stays_last_12_months"] == 1


def test_new_stay_closes_the_warning_on_stays_upserted(hotel, django_capture_on_commit_callbacks):
    from guests.services import stays_upsert

    guest = lapsed_guest(hotel, days=400)
    other = lapsed_guest(hotel, days=420)
    services.churn_scan(as_of=AS_OF)
    task = CareTask.objects.create(
        guest=guest, kind="win_back", due_date=AS_OF, built_on=AS_OF, warning=open_warning(guest)
    )
    arrival = dt.date.today() - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        stays_upsert(
            rows=[
                {
                    "property": hotel.code,
                    "confirmation_number": "RET-1",
                    "guest": guest.pk,
                    "arrival_date": arrival,
                    "departure_date": arrival + dt.timedelta(days=2),
                    "status": "in_house",
                },
                {
                    "property": hotel.code,
                    "confirmation_number": "RES-1",
                    "guest": other.pk,
                    "arrival_date": arrival + dt.timedelta(days=30),
                    "departure_date": arrival + dt.timedelta(days=31),
                    "status": "reserved",
                },
            ]
        )
    warning = ChurnWarning.objects.get(guest=guest)
    assert (warning.status, warning.outcome) == ("closed", "returned")
    task.refresh_from_db()
    assert task.status == CareTask.Status.CANCELLED
    assert open_warning(other)  # a reservation is not a return yet


def test_profiling_opt_out_gets_no_warning_and_clears_an_open_one(hotel):
    opted_out = lapsed_guest(hotel, days=400, profiling_opt_out=True)
    later_out = lapsed_guest(hotel, days=400)
    services.churn_scan(as_of=AS_OF)
    assert not ChurnWarning.objects.filter(guest=opted_out).exists()
    later_out.profiling_opt_out = True
    later_out.save()
    counts = services.churn_scan(as_of=AS_OF)
    warning = ChurnWarning.objects.get(guest=later_out)
    assert (warning.status, warning.outcome, counts["closed_cleared"]) == ("closed", "cleared", 1)


def test_merged_and_anonymised_guests_are_skipped(hotel):
    survivor = lapsed_guest(hotel, days=400)
    merged = lapsed_guest(hotel, days=400)
    merged.merged_into = survivor
    merged.save()
    erased = lapsed_guest(hotel, days=400, is_anonymised=True)
    services.churn_scan(as_of=AS_OF)
    assert list(ChurnWarning.objects.values_list("guest_id", flat=True)) == [survivor.pk]
    assert not ChurnWarning.objects.filter(guest__in=[merged, erased]).exists()


def test_lost_guest_is_not_flagged_again_until_they_stay(hotel, sales_manager):
    guest = lapsed_guest(hotel, days=400)
    services.churn_scan(as_of=AS_OF)
    services.warning_record_outcome(
        warning_id=open_warning(guest).pk,
        outcome="lost",
        lost_reason="price",
        competitor="Other Hotel",
        by=sales_manager,
    )
    counts = services.churn_scan(as_of=AS_OF + dt.timedelta(days=1))
    assert counts["suppressed"] == 1
    assert not ChurnWarning.objects.filter(guest=guest, status="open").exists()
    # Back for one night, then gone for good again: a fresh warning may open.
    stays_on(guest, hotel, [AS_OF + dt.timedelta(days=2)], prefix="R-", nights=1)
    services.churn_scan(as_of=AS_OF + dt.timedelta(days=500))
    assert ChurnWarning.objects.filter(guest=guest).count() == 2
    assert open_warning(guest).opened_on == AS_OF + dt.timedelta(days=500)


def test_at_risk_from_segment_complaints_and_surveys(hotel, segments):
    unresolved = GuestFactory()
    low_survey = GuestFactory()
    low_rated = GuestFactory()
    small = GuestFactory()
    happy = GuestFactory()
    recent = AS_OF - dt.timedelta(days=20)
    stays = {
        g: stays_on(g, hotel, [recent], nights=NIGHTS)[0] for g in (unresolved, low_survey, low_rated, small, happy)
    }
    segments({unresolved: "vip", low_survey: "major", low_rated: "ordinary", small: "small", happy: "vip"})
    received = dt.datetime.combine(AS_OF - dt.timedelta(days=15), dt.time(12), tzinfo=dt.UTC)
    ComplaintFactory(property=hotel, guest=unresolved, received_at=received)
    ComplaintFactory(property=hotel, guest=small, received_at=received)
    ComplaintFactory(
        property=hotel,
        guest=low_rated,
        received_at=received,
        status="feedback_recorded",
        resolve_inputs={"satisfaction": 3},
    )
    ComplaintFactory(
        property=hotel,
        guest=happy,
        received_at=received,
        status="feedback_recorded",
        resolve_inputs={"satisfaction": 4},
    )
    StaySurveyFactory(stay=stays[low_survey], overall=3, received_on=AS_OF - dt.timedelta(days=10))
    StaySurveyFactory(stay=stays[happy], overall=5, received_on=AS_OF - dt.timedelta(days=10))

    counts = services.churn_scan(as_of=AS_OF)

    assert counts["reasons"]["at_risk"] == 3
    assert set(ChurnWarning.objects.values_list("guest_id", flat=True)) == {unresolved.pk, low_survey.pk, low_rated.pk}
    risk = open_warning(unresolved).reasons["at_risk"]
    assert (risk["segment"], risk["unresolved_complaints"], risk["low_surveys"]) == ("vip", 1, 0)
    survey_risk = open_warning(low_survey).reasons["at_risk"]
    assert (survey_risk["low_surveys"], survey_risk["lowest_survey"]) == (1, 3)
    assert open_warning(low_rated).reasons["at_risk"]["low_rated_complaints"] == 1
    scores = dict(ChurnWarning.objects.values_list("guest_id", "score"))
    assert scores[unresolved.pk] > scores[low_survey.pk] > scores[low_rated.pk]


def test_at_risk_counts_surveys_of_the_last_12_months_only(hotel, segments):
    guest = GuestFactory()
    stays = stays_on(guest, hotel, [AS_OF - dt.timedelta(days=500), AS_OF - dt.timedelta(days=30)])
    segments({guest: "vip"})
    StaySurveyFactory(stay=stays[0], overall=1, received_on=AS_OF.replace(year=AS_OF.year - 1))
    services.churn_scan(as_of=AS_OF)
    assert not ChurnWarning.objects.exists()
    StaySurveyFactory(stay=stays[1], overall=2, received_on=AS_OF)
    services.churn_scan(as_of=AS_OF)
    assert open_warning(guest).reasons["at_risk"]["lowest_survey"] == 2


def test_without_a_segmentation_run_nobody_is_at_risk(hotel):
    guest = GuestFactory()
    stays = stays_on(guest, hotel, [AS_OF - dt.timedelta(days=30)])
    StaySurveyFactory(stay=stays[0], overall=1, received_on=AS_OF)
    counts = services.churn_scan(as_of=AS_OF)
    assert counts["segmentation_run"] is None
    assert not ChurnWarning.objects.exists()


def test_score_orders_by_segment_reason_and_recency(hotel, segments):
    vip_lapsed = lapsed_guest(hotel, days=400)
    small_lapsed = lapsed_guest(hotel, days=400)
    small_older = lapsed_guest(hotel, days=700)
    unknown = declining_guest(hotel)
    segments({vip_lapsed: "vip", small_lapsed: "small", small_older: "small"})
    services.churn_scan(as_of=AS_OF)
    ordered = list(ChurnWarning.objects.order_by("-score", "id").values_list("guest_id", flat=True))
    # 40+25+16, 10+25+16, 5+15+24 (declining, left a month ago), 10+20+9 (lapsed, 700 days)
    assert ordered == [vip_lapsed.pk, small_lapsed.pk, unknown.pk, small_older.pk]
    assert open_warning(vip_lapsed).segment == "vip"


def test_a_guest_no_longer_flagged_is_cleared(hotel, segments):
    guest = GuestFactory()
    stays = stays_on(guest, hotel, [AS_OF - dt.timedelta(days=30)])
    segments({guest: "vip"})
    survey = StaySurveyFactory(stay=stays[0], overall=2, received_on=AS_OF)
    services.churn_scan(as_of=AS_OF)
    assert open_warning(guest)
    survey.delete()
    services.churn_scan(as_of=AS_OF)
    assert ChurnWarning.objects.get(guest=guest).outcome == "cleared"


def test_as_of_in_the_future_is_refused(db):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(DomainError) as exc:
        services.churn_scan(as_of=tomorrow)
    assert exc.value.field == "as_of"
    with pytest.raises(DomainError):
        services.churn_scan(as_of="not-a-date")
    assert not ChurnScan.objects.exists()


def test_query_count_does_not_grow_with_guests(hotel):
    def scan_queries():
        ChurnWarning.objects.all().delete()
        ChurnScan.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            services.churn_scan(as_of=AS_OF)
        return len(ctx.captured_queries)

    for _ in range(3):
        lapsed_guest(hotel)
        declining_guest(hotel)
    small = scan_queries()
    for _ in range(12):
        lapsed_guest(hotel)
        declining_guest(hotel)
    StayFactory.create_batch(5, property=hotel)
    assert scan_queries() == small
