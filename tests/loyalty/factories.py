"""factory_boy factories for the loyalty models.  Points are never written directly:
``give_points`` posts them through the service, so balances always equal the ledger."""

import datetime as dt

import factory

from loyalty import numbers, services
from loyalty.models import Membership, MissingPointsClaim, Reward, Tier
from tests.factories import GuestFactory, PropertyFactory


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    rank = factory.Sequence(lambda n: 100 + n)
    qualifying_nights = 100
    qualifying_spend = 0


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    guest = factory.SubFactory(GuestFactory)
    member_number = factory.LazyFunction(numbers.new_member_number)
    enrolled_on = dt.date(2010, 1, 1)
    tier = factory.LazyFunction(services.base_tier)
    tier_since = factory.LazyAttribute(lambda o: o.enrolled_on)


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reward

    code = factory.Sequence(lambda n: f"reward-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    points_cost = 1000


class MissingPointsClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissingPointsClaim

    membership = factory.SubFactory(MembershipFactory)
    property = factory.SubFactory(PropertyFactory)
    confirmation_number = factory.Sequence(lambda n: f"MISS{n:05d}")
    reply_by = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=14))


def give_points(membership: Membership, points: int, key: str | None = None):
    """Credit points the way an integration would (an EARN in the ledger)."""
    key = key or f"test:{membership.pk}:{Membership.objects.get(pk=membership.pk).transactions.count()}"
    txn = services.points_earn(membership=membership, points=points, reason="Test credit", idempotency_key=key)
    membership.refresh_from_db()
    return txn
