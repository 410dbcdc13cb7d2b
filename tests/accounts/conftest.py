"""Fixtures of the accounts tests: salespeople (the ``salesperson`` role, flagged in their
staff profile), the director of sales (the sales-manager role), accounts they own."""

import pytest

from accounts.roles import SALESPERSON
from crm_site import roles
from guests.models import StaffProfile
from tests.factories import UserFactory

from .factories import AccountFactory


def make_salesperson(username: str, hotel, *, role: str = SALESPERSON):
    user = UserFactory(username=username, first_name=username.title(), roles=[role], properties=[hotel])
    StaffProfile.objects.filter(user=user).update(is_salesperson=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def salesperson(hotel):
    return make_salesperson("rep", hotel)


@pytest.fixture
def other_salesperson(hotel):
    return make_salesperson("rep2", hotel)


@pytest.fixture
def director(hotel):
    """The director of sales: a sales manager who may also hold accounts."""
    return make_salesperson("dos", hotel, role=roles.SALES_MANAGER)


@pytest.fixture
def own_account(salesperson):
    return AccountFactory(name="Acme Travel", owner=salesperson)


@pytest.fixture
def others_account(other_salesperson):
    return AccountFactory(name="Globex", owner=other_salesperson)
