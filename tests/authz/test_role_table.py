"""The README's role table is the one the authorization table prints, and the two facts
of that table that no route shows — who sees revenue, who is bound to their hotels — hold
for real users of each role."""

import pytest

from crm_site import roles, scope
from crm_site.revenue import sees_revenue
from tests.factories import PropertyFactory, UserFactory

from .policy import BOUND_ROLES, CAPABILITIES, ROLE_ORDER
from .role_table import README, markdown, readme_table


def test_readme_shows_the_generated_role_table():
    assert readme_table(README.read_text(encoding="utf-8")) == markdown(), (
        "README.md's role table is out of date: run python -m tests.authz.role_table --write"
    )


def test_the_table_covers_every_role():
    assert set(ROLE_ORDER) == set(roles.ROLES)
    assert all(len(c.grants) == len(ROLE_ORDER) and set(c.grants) <= {"A", "O", "-"} for c in CAPABILITIES.values())


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_ORDER)
def test_revenue_and_binding_by_role(role):
    hotel = PropertyFactory(code="LIS")
    PropertyFactory(code="ALG")
    user = UserFactory(username=f"t-{role}", roles=[role], properties=[hotel])
    assert sees_revenue(user) is (CAPABILITIES["revenue"].grant(role) != "-")
    bound = scope.home_properties(user) is not None
    assert bound is (role in BOUND_ROLES)
    assert sorted(scope.properties(user).values_list("code", flat=True)) == (["LIS"] if bound else ["ALG", "LIS"])
