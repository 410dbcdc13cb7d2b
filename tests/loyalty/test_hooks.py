"""How loyalty plugs into the guests app: the stays_upserted task, guest merges (and
their undo) and erasure."""

import datetime as dt
from decimal import Decimal

import pytest

from guests import services as guest_services
from guests.models import Stay
from loyalty import services, tasks
from loyalty.models import Membership, MissingPointsClaim, PointsTransaction, StayCredit
from tests.factories import GuestFactory, StayFactory

from .conftest import assert_consistent
from .factories import MissingPointsClaimFactory, give_points

pytestmark = pytest.mark.django_db
OLD = dt.date(2015, 3, 1)


def test_the_task_posts_only_what_concerns_the_programme(member):
    membership = member()
    earning = StayFactory(guest=membership.guest, arrival_date=OLD)
    reserved = StayFactory(guest=membership.guest, arrival_date=OLD, status=Stay.Status.RESERVED)
    anonymous = StayFactory(guest=None, arrival_date=OLD)
    outsider = StayFactory(arrival_date=OLD)

    stats = tasks.post_stay_points([earning.pk, reserved.pk, anonymous.pk, outsider.pk])

    assert stats == {"stays": 4, "candidates": 1, "posted": 1}
    assert list(PointsTransaction.objects.values_list("stay_id", flat=True)) == [earning.pk]


def test_the_task_runs_through_celery(member):
    membership = member()
    stay = StayFactory(guest=membership.guest, arrival_date=OLD)
    assert tasks.post_stay_points.delay([stay.pk]).get()["posted"] == 1


def test_the_nightly_catch_up_posts_stays_a_lost_task_missed(member):
    membership = member()
    today = dt.date.today()
    stay = StayFactory(
        guest=membership.guest, arrival_date=today - dt.timedelta(days=3), departure_date=today - dt.timedelta(days=1)
    )

    tasks.requalify_tiers(today.isoformat())

    assert PointsTransaction.objects.filter(stay=stay).count() == 1


def test_merging_a_member_into_a_non_member_moves_the_membership_and_undo_restores_it(member, chain_admin):
    duplicate = member()
    give_points(duplicate, 700)
    survivor = GuestFactory()

    record = guest_services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.guest_id, by=chain_admin)
    assert Membership.objects.get(pk=duplicate.pk).guest_id == survivor.pk

    guest_services.guest_merge_undo(merge_id=record.pk, by=chain_admin)
    assert Membership.objects.get(pk=duplicate.pk).guest_id == duplicate.guest_id


def test_merging_two_members_moves_points_and_activity_and_undo_moves_them_back(member, chain_admin):
    survivor, duplicate = member(), member()
    give_points(survivor, 100)
    stay = StayFactory(guest=duplicate.guest, arrival_date=OLD, room_revenue=Decimal("50"), fnb_revenue=0)
    services.points_earn_for_stay(stay=stay)
    claim = MissingPointsClaimFactory(membership=duplicate)

    record = guest_services.guest_merge(survivor_id=survivor.guest_id, merged_id=duplicate.guest_id, by=chain_admin)

    assert_consistent(survivor)
    assert_consistent(duplicate)
    assert (survivor.points_balance, duplicate.points_balance) == (600, 0)
    assert StayCredit.objects.get(stay=stay).membership == survivor
    assert MissingPointsClaim.objects.get(pk=claim.pk).membership == survivor
    # A later correction of the moved stay lands on the survivor's ledger.
    Stay.objects.filter(pk=stay.pk).update(status=Stay.Status.CANCELLED)
    services.stay_points_sync(stay_id=stay.pk)
    assert_consistent(survivor)
    assert survivor.points_balance == 100

    guest_services.guest_merge_undo(merge_id=record.pk, by=chain_admin)

    assert_consistent(survivor)
    assert_consistent(duplicate)
    # The 500 the survivor no longer has (the stay was cancelled) cannot come back.
    assert (survivor.points_balance, duplicate.points_balance) == (0, 100)
    assert StayCredit.objects.get(stay=stay).membership == duplicate


def test_erasing_a_guest_scrubs_what_they_told_us_in_claims(member, chain_admin):
    membership = member()
    claim = MissingPointsClaimFactory(membership=membership, note="My passport number is 123")

    guest_services.guest_erase(guest_id=membership.guest_id, reference="DSR-1", by=chain_admin)

    claim.refresh_from_db()
    assert claim.note == ""


def test_the_erase_hook_is_the_service_and_takes_a_whole_merge_cluster(member):
    from crm_site.extensions import personal_data_holders

    first, second, other = member(), member(), member()
    for membership in (first, second, other):
        MissingPointsClaimFactory(membership=membership, note="Call me on +44 20 7946 0000")

    hook = next(h for h in personal_data_holders() if h.key == "loyalty")

    assert hook.erase is services.guest_loyalty_erase
    assert hook.erase([first.guest_id, second.guest_id]) == 2
    assert hook.erase([]) == 0
    assert list(MissingPointsClaim.objects.order_by("membership_id").values_list("note", flat=True)) == [
        "",
        "",
        "Call me on +44 20 7946 0000",
    ]


def test_a_merge_posts_the_stays_a_member_made_under_a_duplicate_profile(member, chain_admin):
    survivor = member()
    duplicate = GuestFactory()
    stay = StayFactory(guest=duplicate, arrival_date=OLD, room_revenue=Decimal("80"), fnb_revenue=0)
    assert services.stays_points_sync(stay_ids=[stay.pk])["candidates"] == 0  # not a member's stay yet

    record = guest_services.guest_merge(survivor_id=survivor.guest_id, merged_id=duplicate.pk, by=chain_admin)

    assert_consistent(survivor)
    assert survivor.points_balance == 800
    assert PointsTransaction.objects.get(stay=stay).kind == "earn"

    guest_services.guest_merge_undo(merge_id=record.pk, by=chain_admin)

    assert_consistent(survivor)
    assert survivor.points_balance == 0
    assert Stay.objects.get(pk=stay.pk).guest_id == duplicate.pk


def test_the_nightly_commands_take_an_as_of_date(member):
    from django.core.management import CommandError, call_command

    member()
    call_command("requalify_tiers", "--as-of", "2031-06-15")
    call_command("expire_points", "--as-of", "2031-06-15")
    with pytest.raises(CommandError):
        call_command("expire_points", "--as-of", "15/06/2031")
