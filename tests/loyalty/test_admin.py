"""Loyalty's Django admin pages: the ledger and what hangs off it are read-only; tiers
are saved through the tier services, so the admin cannot break the ladder either."""

import pytest

from loyalty.models import Tier

from .factories import give_points

pytestmark = pytest.mark.django_db

READ_ONLY = ["membership", "pointstransaction", "staycredit", "tierchange", "redemption", "missingpointsclaim"]


def tier_form(tier, **changes):
    data = {
        "name": tier.name,
        "qualifying_nights": tier.qualifying_nights,
        "qualifying_spend": tier.qualifying_spend,
        "earn_multiplier": tier.earn_multiplier,
        "benefits": tier.benefits,
    }
    return {**data, **changes}


@pytest.mark.parametrize("model", READ_ONLY)
def test_the_ledger_and_its_records_are_read_only(admin_client, member, model):
    membership = member()
    give_points(membership, 100)

    assert admin_client.get(f"/admin/loyalty/{model}/").status_code == 200
    assert admin_client.get(f"/admin/loyalty/{model}/add/").status_code == 403


def test_a_ledger_row_cannot_be_changed_or_deleted(admin_client, member):
    txn = give_points(member(), 100)

    page = admin_client.get(f"/admin/loyalty/pointstransaction/{txn.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/loyalty/pointstransaction/{txn.pk}/change/", {"points": 5}).status_code == 403
    assert admin_client.post(f"/admin/loyalty/pointstransaction/{txn.pk}/delete/", {"post": "yes"}).status_code == 403
    txn.refresh_from_db()
    assert txn.points == 100


def test_a_tier_edited_in_the_admin_keeps_the_ladder(admin_client, tiers):
    url = f"/admin/loyalty/tier/{tiers['silver'].pk}/change/"

    refused = admin_client.post(url, tier_form(tiers["silver"], qualifying_nights=40))
    saved = admin_client.post(url, tier_form(tiers["silver"], qualifying_nights=12))

    assert refused.status_code == 200
    assert "a higher tier, needs only 25 nights" in refused.content.decode()
    assert saved.status_code == 302
    assert Tier.objects.get(pk=tiers["silver"].pk).qualifying_nights == 12


def test_a_tier_added_in_the_admin_goes_through_the_service(admin_client, tiers):
    base = {"name": "Diamond", "qualifying_spend": "0", "earn_multiplier": "2.00", "benefits": ""}

    refused = admin_client.post(
        "/admin/loyalty/tier/add/", {**base, "code": "diamond", "rank": 4, "qualifying_nights": 30}
    )
    added = admin_client.post(
        "/admin/loyalty/tier/add/", {**base, "code": "diamond", "rank": 4, "qualifying_nights": 80}
    )

    assert refused.status_code == 200 and "a lower tier, already needs 50 nights" in refused.content.decode()
    assert added.status_code == 302
    assert Tier.objects.get(code="diamond").qualifying_nights == 80
    assert admin_client.post(f"/admin/loyalty/tier/{tiers['gold'].pk}/delete/", {"post": "yes"}).status_code == 403
