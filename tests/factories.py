"""factory_boy factories for every model of the guests app; other apps add theirs in
``tests/<app>/factories.py``."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Account
from guests import money, search_keys
from guests.models import Guest, GuestNote, GuestPreference, PreferenceType, Property, StaffProfile, Stay


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"H{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Hotel {o.code}")
    city = "Lisbon"
    country = "PRT"
    currency = "EUR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@hotel.example")
    password = factory.PostGenerationMethodCall("set_password", "pass12345!")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get(name=role))

    @factory.post_generation
    def properties(self, create, extracted, **kwargs):
        if create:
            profile, _ = StaffProfile.objects.get_or_create(user=self)
            if extracted:
                profile.properties.set(extracted)
            self.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    """A key account (``accounts.Account``, grown from the old company list); the
    accounts tests have a fuller factory in ``tests/accounts/factories.py``."""

    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")


class GuestFactory(factory.django.DjangoModelFactory):
    """A guest with search keys derived exactly as guests.services derives them."""

    class Meta:
        model = Guest

    family_name = ""
    given_name = ""
    family_name_latin = factory.Faker("last_name")
    given_name_latin = factory.Faker("first_name")
    email = factory.Sequence(lambda n: f"guest{n}@mail.example")
    phone = factory.Sequence(lambda n: f"+351912{n:06d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.update(
            search_keys.guest_name_keys(
                family_name=kwargs.get("family_name", ""),
                given_name=kwargs.get("given_name", ""),
                family_name_latin=kwargs.get("family_name_latin", ""),
                given_name_latin=kwargs.get("given_name_latin", ""),
            )
        )
        kwargs["phone_reversed"] = search_keys.phone_reversed(kwargs.get("phone", ""))
        return super()._create(model_class, *args, **kwargs)


class PreferenceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PreferenceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"pref-{n}")
    category = PreferenceType.Category.ROOM
    label = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class GuestPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuestPreference

    guest = factory.SubFactory(GuestFactory)
    preference_type = factory.SubFactory(PreferenceTypeFactory)
    last_confirmed = factory.LazyFunction(dt.date.today)


class GuestNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuestNote

    guest = factory.SubFactory(GuestFactory)
    text = "Note"


def _conversion(stay) -> money.Conversion:
    day = money.conversion_date(arrival=stay.arrival_date, departure=stay.departure_date, today=dt.date.today())
    conversion = money.rate_on(stay.currency, day)
    if conversion is None:
        raise LookupError(f"no {stay.currency} rate on or before {day}: create one in the test")
    return conversion


class StayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stay

    property = factory.SubFactory(PropertyFactory)
    guest = factory.SubFactory(GuestFactory)
    confirmation_number = factory.Sequence(lambda n: f"CNF{n:07d}")
    arrival_date = dt.date(2026, 1, 10)
    departure_date = factory.LazyAttribute(lambda o: o.arrival_date + dt.timedelta(days=2))
    nights = factory.LazyAttribute(lambda o: (o.departure_date - o.arrival_date).days)
    status = Stay.Status.CHECKED_OUT
    room_revenue = Decimal("200.00")
    fnb_revenue = Decimal("0.00")
    other_revenue = Decimal("0.00")
    currency = "EUR"
    # Converted as the upsert converts (guests.money): the rate for the conversion date.
    exchange_rate = factory.LazyAttribute(lambda o: o.conversion.rate)
    exchange_rate_date = factory.LazyAttribute(lambda o: o.conversion.rate_date)
    total_revenue = factory.LazyAttribute(
        lambda o: money.convert(o.room_revenue + o.fnb_revenue + o.other_revenue, o.exchange_rate)
    )

    class Params:
        conversion = factory.LazyAttribute(_conversion)
