"""The segmentation run on small hand-computed chains."""

import datetime as dt
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from analytics import segmentation as calc
from analytics import services
from analytics.locks import ADVISORY_KEY, LOCK_NAME, segmentation_lock
from analytics.models import GuestSegment, ParetoFigure, SegmentationRun
from analytics.services import storage
from crm_site.errors import ConflictError, DomainError
from guests.models import Guest, Stay
from nightly.models import JobLock
from tests.analytics.factories import AS_OF, chain, guests, stay
from tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db


def run(as_of=AS_OF, **kwargs) -> SegmentationRun:
    return services.segmentation_run(as_of=as_of, **kwargs)


def segments_of(run_obj) -> dict[int, str]:
    return dict(GuestSegment.objects.filter(run=run_obj).values_list("guest_id", "segment"))


def rows_of(run_obj) -> dict[int, GuestSegment]:
    return {r.guest_id: r for r in GuestSegment.objects.filter(run=run_obj)}


def chain_figure(run_obj) -> ParetoFigure:
    return ParetoFigure.objects.get(run=run_obj, property__isnull=True)


# --- membership at the boundaries ------------------------------------------------------


def test_one_guest_chain_is_one_vip():
    (guest,) = chain([250])
    result = run()
    assert segments_of(result) == {guest.pk: "vip"}
    figure = chain_figure(result)
    assert (figure.top20_share, figure.gini, figure.top_guests) == (1.0, 0.0, 1)
    assert result.segment_counts == {
        "vip": 1,
        "major": 0,
        "ordinary": 0,
        "small": 0,
        "inactive": 0,
        "prospect": 0,
        "booked": 0,
    }


@pytest.mark.parametrize("n, sizes", [(99, (1, 4, 15, 79)), (100, (1, 4, 15, 80)), (101, (2, 4, 15, 80))])
def test_chain_cut_sizes_and_exact_members(n, sizes):
    people = chain([1000 - i for i in range(n)])  # strictly decreasing with the id
    result = run()
    got = segments_of(result)
    vip, major, ordinary, _small = sizes
    expected = ["vip"] * vip + ["major"] * major + ["ordinary"] * ordinary + ["small"] * (n - vip - major - ordinary)
    assert [got[g.pk] for g in people] == expected
    ranks = rows_of(result)
    assert [ranks[g.pk].rank for g in people] == list(range(1, n + 1))


def test_ties_are_split_by_guest_id_at_the_boundary():
    # 99 guests with the same revenue: the lowest id is the VIP, the next four Major...
    people = chain([100] * 99)
    got = segments_of(run())
    assert got[people[0].pk] == "vip"
    assert [got[g.pk] for g in people[1:5]] == ["major"] * 4
    assert [got[g.pk] for g in people[5:20]] == ["ordinary"] * 15
    assert got[people[20].pk] == "small"


def test_all_zero_revenue_ranks_by_id_and_has_no_shares():
    people = chain([0, 0, 0])
    result = run()
    assert [segments_of(result)[g.pk] for g in people] == ["vip", "small", "small"]
    figure = chain_figure(result)
    assert figure.top20_share is None and figure.gini is None and figure.lorenz == []
    assert figure.segment_stats["vip"]["revenue_share"] is None
    assert figure.segment_stats["vip"]["guest_share"] == pytest.approx(1 / 3)


def test_refunds_make_net_revenue_negative_and_rank_last():
    hotel = PropertyFactory(code="LIS")
    a, b, c, d, e = guests(5)
    stay(a, 500, prop=hotel)
    stay(b, 300, prop=hotel)
    stay(c, 300, prop=hotel)
    stay(d, 100, prop=hotel)
    stay(e, 100, prop=hotel, departed=20)
    stay(e, -150, prop=hotel, departed=3)  # a refund bigger than the stay
    result = run()
    rows = rows_of(result)
    assert rows[e.pk].revenue == Decimal("-50.00")
    assert [rows[g.pk].rank for g in (a, b, c, d, e)] == [1, 2, 3, 4, 5]
    assert rows[e.pk].stays == 2 and rows[e.pk].segment == "small"
    figure = chain_figure(result)
    assert figure.total_revenue == Decimal("1150.00")
    assert figure.top20_share == pytest.approx(500 / 1150, abs=1e-9)
    # ascending −50, 100, 300, 300, 500: Σ i·x = 4750 → G = 2·4750 / (5·1150) − 6/5
    assert figure.gini == pytest.approx(2 * 4750 / (5 * 1150) - 6 / 5, abs=1e-9)
    assert figure.segment_stats["small"]["min_revenue"] == "-50.00"
    assert figure.segment_stats["small"]["max_revenue"] == "300.00"
    assert figure.segment_stats["vip"]["revenue_share"] == pytest.approx(500 / 1150, abs=1e-9)


# --- inactive, prospect, window ----------------------------------------------------


def test_inactive_prospect_and_the_window_edges():
    hotel = PropertyFactory(code="LIS")
    start = calc.months_before(AS_OF, 24)
    edge_in, edge_out, recent, old, prospect, future_only, cancelled = guests(7)
    stay(edge_in, 100, prop=hotel, departed=(AS_OF - start).days - 1)  # departs the day after the start
    stay(edge_out, 100, prop=hotel, departed=(AS_OF - start).days)  # departs on the start: outside
    stay(recent, 100, prop=hotel, departed=0)  # departs on the as-of date: inside
    stay(old, 900, prop=hotel, departed=(AS_OF - start).days + 400)
    stay(future_only, 100, prop=hotel, departed=-3)  # departs after the as-of date: not yet
    stay(cancelled, 100, prop=hotel, status=Stay.Status.CANCELLED)
    Stay.objects.create(  # a stay without a guest profile is ignored
        property=hotel,
        confirmation_number="ANON-1",
        arrival_date=AS_OF - dt.timedelta(days=3),
        departure_date=AS_OF - dt.timedelta(days=1),
        status=Stay.Status.CHECKED_OUT,
        total_revenue=Decimal("999"),
    )
    result = run()
    got = segments_of(result)
    assert got[edge_in.pk] in ("vip", "small")
    assert got[recent.pk] in ("vip", "small")
    assert got[edge_out.pk] == "inactive"
    assert got[old.pk] == "inactive"
    assert got[prospect.pk] == "prospect"
    assert got[future_only.pk] == "prospect"
    assert got[cancelled.pk] == "prospect"
    assert result.active_count == 2 and result.guest_count == 7
    rows = rows_of(result)
    assert rows[old.pk].revenue == 0 and rows[old.pk].rank is None and rows[old.pk].r_score is None
    assert rows[old.pk].recency_days == (AS_OF - start).days + 400
    assert rows[recent.pk].recency_days == 0 and rows[recent.pk].last_stay == AS_OF
    assert rows[prospect.pk].recency_days is None and rows[prospect.pk].first_stay is None
    counts = result.segment_counts
    assert (counts["inactive"], counts["prospect"]) == (2, 3)


def test_merged_guests_are_left_out_and_new_profiles_are_not_yet_prospects():
    (survivor,) = chain([100])
    merged, late = guests(2)
    Guest.objects.filter(pk=merged.pk).update(merged_into=survivor)
    Guest.objects.filter(pk=late.pk).update(created_at=timezone.now() + dt.timedelta(days=1))
    got = segments_of(run())
    assert set(got) == {survivor.pk}


def test_window_is_a_setting(settings):
    settings.SEGMENTATION = {"window_months": 1}
    hotel = PropertyFactory(code="LIS")
    recent, older = guests(2)
    stay(recent, 100, prop=hotel, departed=5)
    stay(older, 100, prop=hotel, departed=45)
    result = run()
    assert segments_of(result) == {recent.pk: "vip", older.pk: "inactive"}
    assert result.parameters["window_months"] == 1


def test_cuts_are_a_setting(settings):
    settings.SEGMENTATION = {"cuts": {"vip": 10, "major": 10, "ordinary": 30, "small": 50}}
    people = chain([100 - i for i in range(10)])
    got = segments_of(run())
    assert [got[g.pk] for g in people] == ["vip", "major"] + ["ordinary"] * 3 + ["small"] * 5


# --- RFM -----------------------------------------------------------------------------


def test_rfm_quintiles_hand_computed():
    hotel = PropertyFactory(code="LIS")
    people = guests(5)
    # Guest k (1..5): k stays of 100, the last departing 10·k days before the as-of date.
    for k, guest in enumerate(people, start=1):
        for j in range(k):
            stay(guest, 100, prop=hotel, departed=10 * k + 30 * j)
    rows = rows_of(run())
    assert [(rows[g.pk].r_score, rows[g.pk].f_score, rows[g.pk].m_score) for g in people] == [
        (5, 1, 1),
        (4, 2, 2),
        (3, 3, 3),
        (2, 4, 4),
        (1, 5, 5),
    ]
    assert rows[people[0].pk].rfm == "511"
    assert [rows[g.pk].recency_days for g in people] == [10, 20, 30, 40, 50]
    assert rows[people[4].pk].nights == 10
    assert rows[people[4].pk].first_stay == AS_OF - dt.timedelta(days=50 + 4 * 30 + 2)


def test_rfm_ties_share_a_score():
    hotel = PropertyFactory(code="LIS")
    people = guests(10)
    for guest in people[:6]:
        stay(guest, 100, prop=hotel)
    for k, guest in enumerate(people[6:], start=2):
        for _ in range(k):
            stay(guest, 100, prop=hotel)
    rows = rows_of(run())
    assert [rows[g.pk].f_score for g in people] == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]


# --- Pareto chain-wide and per property -------------------------------------------


def test_pareto_per_property_uses_revenue_at_that_property():
    lis, alg = PropertyFactory(code="LIS"), PropertyFactory(code="ALG")
    a, b, c, d = guests(4)
    stay(a, 100, prop=lis)
    stay(a, 300, prop=alg)
    stay(b, 200, prop=lis)
    stay(c, 50, prop=alg)
    stay(d, 80, prop=lis, departed=900)  # only before the window: inactive at LIS
    result = run()
    chain_fig = chain_figure(result)
    assert chain_fig.active_guests == 3 and chain_fig.total_revenue == Decimal("650.00")
    assert chain_fig.top20_share == pytest.approx(400 / 650, abs=1e-9)
    assert chain_fig.gini == pytest.approx(2 * (50 + 2 * 200 + 3 * 400) / (3 * 650) - 4 / 3, abs=1e-9)
    lorenz = dict((p, v) for p, v in chain_fig.lorenz)
    assert len(chain_fig.lorenz) == 101
    assert lorenz[0.5] == pytest.approx(150 / 650, abs=1e-9)  # half-way between 50 and 50 + 200

    lis_fig = ParetoFigure.objects.get(run=result, property=lis)
    assert (lis_fig.active_guests, lis_fig.total_revenue) == (2, Decimal("300.00"))
    assert lis_fig.top20_share == pytest.approx(200 / 300, abs=1e-9)
    assert lis_fig.gini == pytest.approx(2 * (100 + 2 * 200) / (2 * 300) - 3 / 2, abs=1e-9)
    assert lis_fig.segment_stats["vip"]["count"] == 1 and lis_fig.segment_stats["vip"]["min_revenue"] == "200.00"
    assert lis_fig.segment_stats["inactive"] == {"count": 1}
    assert "prospect" not in lis_fig.segment_stats

    alg_fig = ParetoFigure.objects.get(run=result, property=alg)
    assert alg_fig.top20_share == pytest.approx(300 / 350, abs=1e-9)
    assert alg_fig.gini == pytest.approx(2 * (50 + 2 * 300) / (2 * 350) - 3 / 2, abs=1e-9)
    # chain-wide, A is the VIP on 400 across both hotels
    assert segments_of(result)[a.pk] == "vip"


# --- snapshots: idempotent, current, failed, lock ---------------------------------


def test_rerun_of_the_same_date_replaces_it_and_never_duplicates():
    people = chain([300, 200, 100])
    first = run()
    second = run()
    assert SegmentationRun.objects.filter(as_of=AS_OF).count() == 1
    assert not SegmentationRun.objects.filter(pk=first.pk).exists()
    assert second.is_current and second.status == "completed"
    assert GuestSegment.objects.count() == 3
    assert ParetoFigure.objects.filter(property__isnull=True).count() == 1
    assert segments_of(second) == {people[0].pk: "vip", people[1].pk: "small", people[2].pk: "small"}


def test_latest_date_is_current_and_an_older_rerun_does_not_take_over():
    chain([300, 200, 100])
    older = run(AS_OF - dt.timedelta(days=3))
    newer = run()
    older_again = run(AS_OF - dt.timedelta(days=3))
    newer.refresh_from_db()
    assert newer.is_current and not older_again.is_current
    assert SegmentationRun.objects.filter(is_current=True).count() == 1
    assert not SegmentationRun.objects.filter(pk=older.pk).exists()


def test_failed_run_leaves_the_last_good_one_current(monkeypatch):
    people = chain([300, 200, 100])
    good = run(AS_OF - dt.timedelta(days=1))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails after the guest rows were written, inside the run's transaction.
    monkeypatch.setattr(storage, "write_figures", broken)
    with pytest.raises(RuntimeError):
        run()
    with pytest.raises(RuntimeError):
        run(AS_OF - dt.timedelta(days=1))  # a failed rerun keeps that date's good run too
    good.refresh_from_db()
    assert good.is_current and good.status == "completed"
    assert segments_of(good) == {people[0].pk: "vip", people[1].pk: "small", people[2].pk: "small"}
    failed = list(SegmentationRun.objects.filter(status="failed"))
    assert len(failed) == 2
    assert all("disk full" in f.error and f.finished_at and not f.is_current for f in failed)
    assert not GuestSegment.objects.filter(run__in=failed).exists()
    assert not ParetoFigure.objects.filter(run__in=failed).exists()

    monkeypatch.undo()
    fixed = run()
    assert fixed.is_current and fixed.previous_run_id == good.pk
    assert not SegmentationRun.objects.filter(status="failed", as_of=AS_OF).exists()


def test_an_interrupted_run_is_marked_failed_by_the_next_one():
    chain([100])
    stale = SegmentationRun.objects.create(
        as_of=AS_OF - dt.timedelta(days=1), status="running", started_at=timezone.now()
    )
    run()
    stale.refresh_from_db()
    assert stale.status == "failed" and "Interrupted" in stale.error


def test_a_second_run_is_refused_while_one_holds_the_lock():
    chain([100])
    with segmentation_lock():
        with pytest.raises(ConflictError, match="already in progress"):
            run()
    assert not SegmentationRun.objects.exists()
    assert run().status == "completed"  # released


@pytest.mark.postgres
def test_advisory_lock_held_by_another_session_refuses_the_run():
    chain([100])
    settings_dict = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            assert cursor.fetchone()[0]
        with pytest.raises(ConflictError):
            run()
        assert not SegmentationRun.objects.exists()
        with other.cursor() as cursor:  # closing alone releases it only once the backend exits
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
    finally:
        other.close()
    assert run().status == "completed"


def test_lock_row_fallback_refuses_a_held_lock_and_takes_over_a_stale_one(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite" if connection.vendor == "postgresql" else connection.vendor)
    chain([100])
    JobLock.objects.create(name=LOCK_NAME, token="another-worker", owner="elsewhere:1", locked_at=timezone.now())
    with pytest.raises(ConflictError):
        with segmentation_lock():
            pass
    JobLock.objects.filter(name=LOCK_NAME).update(locked_at=timezone.now() - dt.timedelta(hours=3))
    with segmentation_lock():
        assert JobLock.objects.get(name=LOCK_NAME).token != "another-worker"
    assert JobLock.objects.get(name=LOCK_NAME).locked_at is None


# --- migration and retention --------------------------------------------------------


def test_migration_matrix_between_runs():
    hotel = PropertyFactory(code="LIS")
    people = chain([1000 - i for i in range(10)], prop=hotel)  # 1 VIP, 1 Ordinary, 8 Small
    first = run(AS_OF - dt.timedelta(days=2))
    stay(people[9], 5000, prop=hotel, departed=1)  # the last guest jumps to VIP
    (newcomer,) = guests(1, prefix="N", created_days_before=1)
    second = run()
    assert second.previous_run_id == first.pk
    matrix = second.migration["matrix"]
    assert second.migration["from_as_of"] == first.as_of.isoformat()
    assert matrix["small"]["vip"] == 1
    assert matrix["vip"]["ordinary"] == 1
    assert matrix["none"] == {"prospect": 1}
    assert sum(n for row in matrix.values() for n in row.values()) == 11
    assert newcomer.pk in segments_of(second)


def test_old_guest_rows_are_pruned_but_figures_kept():
    chain([300, 200, 100])
    params = {"keep_guest_rows": 2}
    runs = [run(AS_OF - dt.timedelta(days=d), parameters=params) for d in (3, 2, 1)]
    for r in runs:
        r.refresh_from_db()
    assert runs[0].guest_rows_pruned and not GuestSegment.objects.filter(run=runs[0]).exists()
    assert ParetoFigure.objects.filter(run=runs[0]).exists()
    assert not runs[1].guest_rows_pruned and GuestSegment.objects.filter(run=runs[1]).count() == 3


# --- bad input ------------------------------------------------------------------------


def _refused(field, **kwargs):
    with pytest.raises(DomainError) as info:
        services.segmentation_run(**kwargs)
    assert info.value.field == field
    assert not SegmentationRun.objects.exists()
    return info.value


def test_as_of_in_the_future_is_refused():
    chain([100])
    error = _refused("as_of", as_of=timezone.localdate() + dt.timedelta(days=1))
    assert "future" in str(error.message)


def test_as_of_before_any_data_is_refused():
    chain([100])
    _refused("as_of", as_of=AS_OF - dt.timedelta(days=30))


def test_no_data_at_all_is_refused():
    guests(3)
    _refused("as_of", as_of=AS_OF)


@pytest.mark.parametrize(
    "cuts, field",
    [
        ({"vip": 1, "major": 4, "ordinary": 15, "small": 79}, "SEGMENTATION.cuts"),
        ({"vip": -1, "major": 6, "ordinary": 15, "small": 80}, "SEGMENTATION.cuts.vip"),
        ({"vip": 1, "major": 4, "ordinary": 95}, "SEGMENTATION.cuts"),
        ({"vip": "lots", "major": 4, "ordinary": 15, "small": 80}, "SEGMENTATION.cuts.vip"),
        ([1, 4, 15, 80], "SEGMENTATION.cuts"),
    ],
)
def test_invalid_cuts_are_refused(settings, cuts, field):
    chain([100])
    settings.SEGMENTATION = {"cuts": cuts}
    _refused(field, as_of=AS_OF)


@pytest.mark.parametrize(
    "setting, field",
    [
        ({"window_months": 0}, "SEGMENTATION.window_months"),
        ({"window_months": "24"}, "SEGMENTATION.window_months"),
        ({"lorenz_points": 10}, "SEGMENTATION.lorenz_points"),
        ({"colour": "red"}, "SEGMENTATION.colour"),
        ({"top_share": 0}, "SEGMENTATION.top_share"),
    ],
)
def test_invalid_settings_are_refused(settings, setting, field):
    chain([100])
    settings.SEGMENTATION = setting
    _refused(field, as_of=AS_OF)


def test_fractional_cuts_that_add_up_exactly_are_accepted(settings):
    settings.SEGMENTATION = {"cuts": {"vip": "0.5", "major": 4.5, "ordinary": 15, "small": 80}}
    chain([100] * 200)
    result = run()
    assert result.segment_counts["vip"] == 1 and result.segment_counts["major"] == 9
    assert result.parameters["cuts"] == {"vip": 0.5, "major": 4.5, "ordinary": 15, "small": 80}


@pytest.mark.parametrize(
    "as_of, code",
    [("31/01/2026", "invalid_date"), ("2026-02-30", "invalid_date"), ("1800-01-01", "date_out_of_range")],
)
def test_as_of_text_is_parsed_by_the_shared_coercer(as_of, code):
    chain([100])
    error = _refused("as_of", as_of=as_of)
    assert error.code == code
    assert run(AS_OF.isoformat()).as_of == AS_OF  # text in the right shape is a date


def test_a_run_left_running_is_failed_only_when_its_lock_is_free():
    chain([100])
    killed = SegmentationRun.objects.create(as_of=AS_OF, status="running", started_at=timezone.now())
    with segmentation_lock():  # a run really in progress: nothing is touched
        assert services.segmentation_interrupted_fail() == 0
    killed.refresh_from_db()
    assert killed.status == "running"
    assert services.segmentation_interrupted_fail() == 1
    killed.refresh_from_db()
    assert killed.status == "failed" and "Interrupted" in killed.error and not killed.is_current


@pytest.mark.postgres
def test_each_run_is_a_partition_dropped_when_replaced_or_pruned(monkeypatch):
    chain([300, 200, 100])

    def partitions() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'analytics_guestsegment'::regclass"
            )
            # The DEFAULT partition (migration 0003) holds only ORM-written rows.
            return {row[0] for row in cursor.fetchall()} - {"analytics_guestsegment_default"}

    with connection.cursor() as cursor:  # a partition left without its run is cleaned up
        cursor.execute(
            "CREATE TABLE analytics_guestsegment_run_999999 (LIKE analytics_guestsegment INCLUDING CONSTRAINTS);"
            "ALTER TABLE analytics_guestsegment ATTACH PARTITION analytics_guestsegment_run_999999 "
            "FOR VALUES IN (999999)"
        )

    params = {"keep_guest_rows": 2}
    first = run(AS_OF - dt.timedelta(days=2), parameters=params)
    second = run(AS_OF - dt.timedelta(days=1), parameters=params)
    again = run(AS_OF - dt.timedelta(days=1), parameters=params)  # replaces `second`
    assert partitions() == {f"analytics_guestsegment_run_{first.pk}", f"analytics_guestsegment_run_{again.pk}"}
    third = run(AS_OF, parameters=params)  # prunes `first`
    assert partitions() == {f"analytics_guestsegment_run_{again.pk}", f"analytics_guestsegment_run_{third.pk}"}
    assert not SegmentationRun.objects.filter(pk=second.pk).exists()

    monkeypatch.setattr(storage, "write_figures", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        run(AS_OF, parameters=params)
    assert len(partitions()) == 2  # the failed run's partition went with its transaction
    assert GuestSegment.objects.filter(run=third).count() == 3


@pytest.mark.postgres
def test_orm_written_segment_rows_go_to_the_default_partition_and_leave_with_their_run():
    from analytics.models import GuestSegment

    chain([300, 200, 100])
    first = run(AS_OF - dt.timedelta(days=1))
    guest = GuestSegment.objects.filter(run=first).first().guest_id
    orm_run = SegmentationRun.objects.create(
        as_of=AS_OF - dt.timedelta(days=30), status=SegmentationRun.Status.FAILED, started_at=timezone.now()
    )
    GuestSegment.objects.create(run=orm_run, guest_id=guest, segment="vip", rank=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM analytics_guestsegment_default")
        assert cursor.fetchone()[0] == 1
    storage.delete_guest_rows([orm_run.pk])
    assert not GuestSegment.objects.filter(run=orm_run).exists()
    assert GuestSegment.objects.filter(run=first).count() == 3
