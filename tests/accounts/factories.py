"""factory_boy factories of the accounts app (search keys derived as the services do)."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Account, AccountContact, Activity, Agreement, LevelChange
from accounts.services.common import account_search_keys
from tests.factories import PropertyFactory, UserFactory


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    name_latin = ""
    account_type = "corporate"
    account_class = "key"
    relationship_level = "ordinary"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.update(account_search_keys(kwargs.get("name", ""), kwargs.get("name_latin", "")))
        account = super()._create(model_class, *args, **kwargs)
        LevelChange.objects.create(
            account=account,
            to_level=account.relationship_level,
            reason="Factory: first level.",
            effective_on=timezone.localdate() - dt.timedelta(days=400),
        )
        return account


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountContact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    role = "booker"
    level = "low"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    account = factory.SubFactory(AccountFactory)
    property = factory.SubFactory(PropertyFactory)
    rate_code = factory.Sequence(lambda n: f"RC{n:04d}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))
    rate_amount = Decimal("150.00")
    currency = "EUR"
    room_nights_committed = 100
    status = "signed"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    account = factory.SubFactory(AccountFactory)
    kind = "call"
    subject = factory.Sequence(lambda n: f"Call {n}")
    owner = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(timezone.localdate)
