"""The Django admin under the same two rules as the API and the pages: a staff user bound
to a hotel lists and opens only that hotel's objects and sees no amount without the
revenue permission.  No role has the admin by default but the chain administrator; a
hotel manager may be given it (``is_staff`` and the model's permissions)."""

from __future__ import annotations

import pytest
from django.contrib import admin

from care.models import CareTask
from complaints.models import Complaint
from crm_site import revenue, roles, scope
from crm_site.admin_access import AccessAdmin, AccessInline
from guests.models import Stay
from tests.authz.chain import AMOUNT, OTHER, OWN, build_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _needs_access(model) -> bool:
    return scope.is_scoped(model) or bool(revenue.revenue_fields(model) or revenue.revenue_texts(model))


def test_every_admin_of_a_scoped_or_amount_model_applies_the_rules():
    forgotten = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if _needs_access(model) and not isinstance(model_admin, AccessAdmin)
    ]
    forgotten += [
        f"{model._meta.label} inline {inline.model._meta.label}"
        for model, model_admin in admin.site._registry.items()
        for inline in model_admin.inlines
        if _needs_access(inline.model) and not issubclass(inline, AccessInline)
    ]
    assert not forgotten, f"derive these from crm_site.admin_access: {forgotten}"


@pytest.fixture
def chain(db):
    return build_chain()


@pytest.fixture
def manager(client, chain):
    """A Lisbon guest-relations manager given the admin (staff) on top of the role."""
    lisbon = Stay.objects.get(pk=chain[OWN]["stay"]).property
    user = UserFactory(username="lis-manager", roles=[roles.GUEST_RELATIONS], properties=[lisbon], is_staff=True)
    client.force_login(user)
    return client


def test_the_admin_lists_only_the_hotels_objects(manager, chain):
    stays = manager.get("/admin/guests/stay/")
    assert stays.status_code == 200
    assert {s.pk for s in stays.context["cl"].result_list} == set(
        Stay.objects.filter(property__code="LIS").values_list("pk", flat=True)
    )
    complaints = manager.get("/admin/complaints/complaint/")
    assert {c.property.code for c in complaints.context["cl"].result_list} == {"LIS"}
    tasks = manager.get("/admin/care/caretask/")
    assert [t.pk for t in tasks.context["cl"].result_list] == [chain[OWN]["care_task"]]
    assert CareTask.objects.count() == 2 and Complaint.objects.count() == 4


def test_the_admin_does_not_open_another_hotels_object(manager, chain):
    own = manager.get(f"/admin/guests/stay/{chain[OWN]['stay']}/change/")
    assert own.status_code == 200
    other = manager.get(f"/admin/guests/stay/{chain[OTHER]['stay']}/change/", follow=True)
    assert "doesn’t exist" in other.content.decode()  # the admin's own not-found answer
    assert manager.get(f"/admin/complaints/complaint/{chain[OTHER]['complaint']}/change/").status_code == 302


def test_the_admin_shows_no_amount_without_the_revenue_permission(manager, chain, client):
    html = manager.get("/admin/guests/stay/").content.decode()
    assert "column-total_revenue" not in html
    detail = manager.get(f"/admin/guests/stay/{chain[OWN]['stay']}/change/")
    assert not {"room_revenue", "fnb_revenue", "other_revenue"} & set(detail.context["adminform"].form.fields)
    assert f"{AMOUNT:,.2f}" not in detail.content.decode() and str(AMOUNT) not in detail.content.decode()


def test_a_chain_admin_sees_everything_with_amounts(client, chain):
    boss = UserFactory(username="boss", roles=[roles.CHAIN_ADMIN], is_staff=True)
    client.force_login(boss)
    stays = client.get("/admin/guests/stay/")
    assert len(stays.context["cl"].result_list) == Stay.objects.count()
    assert "column-total_revenue" in stays.content.decode()
    detail = client.get(f"/admin/guests/stay/{chain[OTHER]['stay']}/change/")
    assert "room_revenue" in detail.context["adminform"].form.fields
