"""crm_site.prepared: a statement compiled once answers exactly what its queryset would."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection, connections
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import TruncDate
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_site import scope
from crm_site.prepared import Prepared
from guests.models import Guest, Stay
from guests.selectors.profile import _latest_stays, _latest_stays_of
from tests.factories import GuestFactory, StayFactory


def _stays(*, guest_id: int, limit: int = 5):
    return (
        Stay.objects.filter(guest_id=guest_id)
        .select_related("property", "guest")
        .annotate(spend=Window(Sum("total_revenue")), stays=Window(Count("id")), twice=F("nights") * 2)
        .order_by("-arrival_date", "-id")[:limit]
    )


def _fields(stay: Stay) -> tuple:
    return (
        stay.pk,
        stay.confirmation_number,
        stay.arrival_date,
        stay.total_revenue,
        stay.property.code,
        stay.guest.family_name,
        stay.spend,
        stay.stays,
        stay.twice,
    )


@pytest.fixture
def two_guests(hotel, other_hotel):
    first, second = GuestFactory(), GuestFactory()
    for n in range(4):
        StayFactory(guest=first, property=hotel if n % 2 else other_hotel)
    StayFactory(guest=second, property=hotel)
    return first, second


@pytest.mark.django_db
def test_model_rows_with_related_objects_and_annotations_equal_the_querysets(two_guests):
    statement = Prepared(_stays)
    for guest in two_guests:
        for limit in (1, 5):
            expected = [_fields(s) for s in _stays(guest_id=guest.pk, limit=limit)]
            assert [_fields(s) for s in statement({"limit": limit}, guest_id=guest.pk)] == expected
    assert statement(guest_id=10**12) == []


@pytest.mark.django_db
def test_values_rows_and_tuples_equal_the_querysets(two_guests):
    def values(*, guest_id: int, flat: bool):
        stays = Stay.objects.filter(guest_id=guest_id).order_by("id")
        if flat:
            return stays.values_list("id", "property__code", "arrival_date")
        return stays.values("id", "property__code", "total_revenue", "created_at")

    statement = Prepared(values)
    for guest in two_guests:
        for flat in (False, True):
            assert statement({"flat": flat}, guest_id=guest.pk) == list(values(guest_id=guest.pk, flat=flat))


@pytest.mark.django_db
def test_compiled_once_then_one_statement_per_call(two_guests, monkeypatch):
    statement = Prepared(_stays)
    built = []
    monkeypatch.setattr(statement, "_build", lambda **kw: built.append(kw) or _stays(**kw))
    with CaptureQueriesContext(connection) as queries:
        for guest in two_guests * 3:
            statement(guest_id=guest.pk)
    assert len(built) == 1 and len(queries) == 6


@pytest.mark.django_db
def test_string_and_date_parameters(two_guests):
    first, _second = two_guests
    stay = first.stays.order_by("id").first()

    def by(*, code: str, day: dt.date):
        return Stay.objects.filter(confirmation_number=code, arrival_date=day).values_list("id", flat=True)

    statement = Prepared(by)
    assert statement(code=stay.confirmation_number, day=stay.arrival_date) == [stay.pk]
    assert statement(code=mark_safe(stay.confirmation_number), day=stay.arrival_date) == [stay.pk]
    assert statement(code=stay.confirmation_number, day=stay.arrival_date + dt.timedelta(days=1)) == []
    assert statement(code="no such", day=stay.arrival_date) == []


@pytest.mark.django_db
def test_the_time_zone_is_part_of_the_statement(hotel):
    guest = GuestFactory()
    # 23:30 UTC is the next day in Shanghai.
    at = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    StayFactory(guest=guest, property=hotel)
    Guest.objects.filter(pk=guest.pk).update(created_at=at)

    def day(*, guest_id: int):
        return Guest.objects.filter(pk=guest_id).annotate(day=TruncDate("created_at")).values_list("day", flat=True)

    statement = Prepared(day)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert statement(guest_id=guest.pk) == [dt.date(2026, 3, 1)] == list(day(guest_id=guest.pk))
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        assert statement(guest_id=guest.pk) == [dt.date(2026, 3, 2)] == list(day(guest_id=guest.pk))


@pytest.mark.django_db
def test_a_statement_that_can_match_nothing_runs_no_sql():
    statement = Prepared(lambda *, guest_id: Guest.objects.filter(pk__in=[]).filter(pk=guest_id))
    with CaptureQueriesContext(connection) as queries:
        assert statement(guest_id=1) == []
        assert statement(guest_id=2) == []
    assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("value", [True, 1.5, None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), ["1"], [True]])
def test_refuses_a_parameter_of_another_kind(value):
    statement = Prepared(lambda *, guest_id: Guest.objects.filter(pk=guest_id))
    with pytest.raises(TypeError, match="guest_id must be an integer, a string, a date or a list of ids"):
        statement(guest_id=value)


@pytest.mark.django_db
def test_refuses_a_parameter_that_does_not_reach_the_statement_unchanged():
    ignored = Prepared(lambda *, guest_id: Guest.objects.all())
    with pytest.raises(TypeError, match="guest_id reached the statement changed or not at all"):
        ignored(guest_id=1)
    transformed = Prepared(lambda *, email: Guest.objects.filter(email__icontains=email))
    with pytest.raises(TypeError, match="email reached the statement changed or not at all"):
        transformed(email="a@b.example")


@pytest.mark.django_db
def test_the_scope_of_a_bound_viewer_equals_scoped(two_guests, front_desk, chain_admin):
    first, _second = two_guests
    for viewer in (front_desk, chain_admin):
        user_id = scope.bound_user_id(viewer)
        bound = {} if user_id is None else {"user_id": user_id}
        rows = _latest_stays_of({"limit": 20}, guest_id=first.pk, **bound)
        expected = scope.scoped(Stay.objects.filter(guest_id=first.pk), viewer).order_by("-arrival_date", "-id")
        assert [s.pk for s in rows] == [s.pk for s in expected]
    assert len(_latest_stays_of({"limit": 20}, guest_id=first.pk, user_id=scope.bound_user_id(front_desk))) == 2


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limit=st.integers(min_value=1, max_value=6),
    pick=st.integers(min_value=0, max_value=2),
    bound=st.booleans(),
)
def test_the_360_stays_statement_equals_its_queryset(two_guests, front_desk, limit, pick, bound):
    guest_id = [g.pk for g in two_guests][pick] if pick < 2 else 10**9
    extra = {"user_id": front_desk.pk} if bound else {}
    rows = _latest_stays_of({"limit": limit}, guest_id=guest_id, **extra)
    expected = list(_latest_stays(guest_id=guest_id, limit=limit, **extra))
    assert [(s.pk, s.property.code, s._spend_total, s._spend_all_stays) for s in rows] == [
        (s.pk, s.property.code, s._spend_total, s._spend_all_stays) for s in expected
    ]


@pytest.mark.django_db(transaction=True)
def test_another_thread_runs_it_on_its_own_connection(hotel):
    guest = GuestFactory()
    StayFactory(guest=guest, property=hotel)
    statement = Prepared(lambda *, guest_id: Stay.objects.filter(guest_id=guest_id).values_list("guest_id", flat=True))
    assert statement(guest_id=guest.pk) == [guest.pk]  # compiled on this thread's connection
    answers, errors = [], []

    def run():
        try:
            answers.append(statement(guest_id=guest.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert errors == [] and answers == [[guest.pk]]


def test_q_objects_are_not_parameters():
    with pytest.raises(TypeError):
        Prepared(lambda **kw: None)(where=Q(pk=1))


@pytest.mark.django_db
def test_a_list_of_ids_is_one_parameter_on_postgresql_and_left_to_the_orm_elsewhere(two_guests, monkeypatch):
    first, second = two_guests

    def stays_of(*, guest_ids: list[int]):
        return Stay.objects.filter(guest_id__in_ids=guest_ids).order_by("id").values_list("id", flat=True)

    statement = Prepared(stays_of)
    built = []
    monkeypatch.setattr(statement, "_build", lambda **kw: built.append(kw) or stays_of(**kw))
    for ids in ([first.pk], [first.pk, second.pk], (second.pk,), []):
        assert statement(guest_ids=ids) == list(stays_of(guest_ids=list(ids)))
    if connection.vendor == "postgresql":
        assert len(built) == 1  # compiled once for every length
    else:
        assert len(built) == 1 + 4  # a placeholder per id: the ORM writes each


@pytest.mark.django_db
def test_a_list_through_a_plain_in_lookup_is_refused_on_postgresql():
    statement = Prepared(lambda *, guest_ids: Guest.objects.filter(pk__in=guest_ids))
    if connection.vendor == "postgresql":
        with pytest.raises(TypeError, match="guest_ids reached the statement changed or not at all"):
            statement(guest_ids=[1, 2])
    else:
        assert statement(guest_ids=[1, 2]) == []
