"""In a real browser: the front desk redeems a reward from the guest page and sees the
new balance."""

import pytest
from django.utils import translation
from django.utils.formats import number_format

from crm_site import roles
from loyalty.models import Redemption
from tests.factories import PropertyFactory, UserFactory

from .factories import MembershipFactory, RewardFactory, give_points


def _grouped(points: int) -> str:
    """As the English page shows it, whatever language an earlier test left active."""
    with translation.override("en"):
        return number_format(points, force_grouping=True)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_redeems_a_reward_from_the_guest_page(page, login):
    from loyalty import services

    hotel = PropertyFactory(code="LIS")
    desk = UserFactory(username="desk-browser", roles=[roles.FRONT_DESK], properties=[hotel])
    membership = MembershipFactory(tier=services.base_tier())
    give_points(membership, 5000)
    RewardFactory(name="Breakfast for two", points_cost=1500)
    RewardFactory(name="Free night", points_cost=25000)

    login(desk)
    page.goto(f"/guests/{membership.guest_id}/")
    balance = page.get_by_test_id("points-balance")
    assert balance.inner_text() == _grouped(5000)

    form = page.get_by_test_id("redeem-form")
    form.locator("select[name=reward]").select_option(label="Breakfast for two — 1,500 points")
    form.get_by_role("button", name="Redeem").click()
    page.wait_for_load_state("networkidle")
    # A question first: the cost and the balance after; nothing spent yet.
    assert page.get_by_test_id("redeem-question").is_visible()
    assert not Redemption.objects.exists()
    page.get_by_test_id("confirm-redeem").click()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith(f"/guests/{membership.guest_id}/")
    assert page.get_by_test_id("points-balance").inner_text() == _grouped(3500)
    assert "Breakfast for two redeemed for 1,500 points." in page.locator(".messages").inner_text()
    assert Redemption.objects.filter(membership=membership, points=1500).count() == 1
