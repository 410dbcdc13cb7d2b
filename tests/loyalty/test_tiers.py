"""The tier ladder holds together: thresholds rise with rank on every route, in the
service, on the tier page, in the API (a 400 naming the field) and in the Django admin."""

from decimal import Decimal

import pytest

from crm_site.errors import DomainError
from loyalty import services
from loyalty.models import Tier

pytestmark = pytest.mark.django_db


def refused(tier, **data) -> dict:
    with pytest.raises(DomainError) as error:
        services.tier_update(tier=tier, data=data)
    return error.value.fields


def thresholds():
    return list(Tier.objects.order_by("rank").values_list("code", "qualifying_nights", "qualifying_spend"))


def test_a_lower_tier_cannot_ask_more_than_a_higher_one(tiers):
    before = thresholds()

    fields = refused(tiers["silver"], qualifying_nights=40)  # Gold needs 25

    assert "Gold" in fields["qualifying_nights"][0] and "25" in fields["qualifying_nights"][0]
    assert thresholds() == before


def test_a_higher_tier_cannot_ask_less_than_a_lower_one(tiers):
    fields = refused(tiers["platinum"], qualifying_spend="20000")  # Gold needs 30,000

    assert "Gold" in fields["qualifying_spend"][0]


def test_equal_thresholds_are_refused_and_every_invalid_field_is_reported_at_once(tiers):
    fields = refused(tiers["gold"], qualifying_nights=10, qualifying_spend="75000", name=" ")

    assert set(fields) == {"name"}  # a value that cannot be read is reported before the ladder
    fields = refused(tiers["gold"], qualifying_nights=10, qualifying_spend="75000")
    assert set(fields) == {"qualifying_nights", "qualifying_spend"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"earn_multiplier": "0"}, "earn_multiplier"),
        ({"earn_multiplier": "10.5"}, "earn_multiplier"),
        ({"earn_multiplier": "1.255"}, "earn_multiplier"),
        ({"qualifying_nights": -1}, "qualifying_nights"),
        ({"qualifying_nights": 400}, "qualifying_nights"),
        ({"qualifying_spend": "-5"}, "qualifying_spend"),
        ({"qualifying_spend": "abc"}, "qualifying_spend"),
        ({"name": "x" * 51}, "name"),
        ({"name": "Gold\x00"}, "name"),
        ({"qualifying_nights": 0, "qualifying_spend": "0"}, "qualifying_nights"),
        ({"rank": 9}, "rank"),
    ],
)
def test_bad_tier_values_name_the_field(tiers, data, field):
    assert field in refused(tiers["gold"], **data)


def test_a_route_switched_off_does_not_constrain_the_ladder(tiers):
    # Gold by spend only: Silver's 10 nights and Platinum's 50 no longer frame it.
    services.tier_update(tier=tiers["gold"], data={"qualifying_nights": 0, "qualifying_spend": "30000"})
    services.tier_update(tier=tiers["silver"], data={"qualifying_nights": 30})

    assert thresholds()[1:3] == [("silver", 30, Decimal("10000.00")), ("gold", 0, Decimal("30000.00"))]


def test_a_new_tier_goes_through_the_same_rules(tiers):
    diamond = services.tier_create(
        data={"code": "diamond", "rank": 4, "name": "Diamond", "qualifying_nights": 80, "earn_multiplier": "2"}
    )
    assert diamond.qualifying_nights == 80

    with pytest.raises(DomainError) as error:
        services.tier_create(data={"code": "bronze", "rank": 5, "name": "Bronze", "qualifying_nights": 5})
    assert "qualifying_nights" in error.value.fields
    with pytest.raises(DomainError) as error:
        services.tier_create(data={"code": "diamond", "rank": 4, "name": "Again", "qualifying_nights": 90})
    assert {"code", "rank"} <= set(error.value.fields)
    with pytest.raises(DomainError) as error:
        services.tier_create(data={"code": "no spaces", "rank": "x", "name": "X"})
    assert {"code", "rank"} <= set(error.value.fields)


def test_the_api_answers_400_naming_the_field(api, tiers, chain_admin):
    response = api.as_user(chain_admin).patch(
        f"/api/v1/tiers/{tiers['silver'].pk}/", {"qualifying_nights": 40}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["qualifying_nights"]
    assert Tier.objects.get(pk=tiers["silver"].pk).qualifying_nights == 10


def test_the_page_shows_the_ladder_error_on_the_field(client, tiers, chain_admin):
    client.force_login(chain_admin)

    response = client.post(
        f"/loyalty/tiers/{tiers['silver'].pk}/edit/",
        {"name": "Silver", "qualifying_nights": 40, "qualifying_spend": "10000", "earn_multiplier": "1.1"},
    )

    assert response.status_code == 200
    assert "a higher tier, needs only 25 nights" in response.content.decode()
    assert Tier.objects.get(pk=tiers["silver"].pk).qualifying_nights == 10
