"""The declarations behind the two access rules are complete: every model that belongs to
a hotel is property-scoped (or says why it is chain-wide), every amount is revenue (or
says why it is operational), and every declared lookup and field exists."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from crm_site import revenue, scope
from crm_site.roles import app_declarations
from guests.models import Property, Stay
from tests.factories import PropertyFactory, StayFactory, UserFactory


def _points_at(model, targets) -> bool:
    return any(
        f.is_relation and f.related_model in targets and (f.many_to_one or f.one_to_one or f.many_to_many)
        for f in model._meta.get_fields()
        if not f.auto_created or f.concrete
    )


def test_every_model_of_a_hotel_is_scoped_or_says_why_not():
    scoped = set(scope.scoped_models())
    chain_wide = set(scope.chain_wide_models())
    undecided = []
    for model in apps.get_models():
        if model in scoped or model in chain_wide or model is Property:
            continue
        if _points_at(model, {Property, *scoped}):
            undecided.append(model._meta.label)
    assert not undecided, f"declare these in PROPERTY_SCOPE or CHAIN_WIDE (their app's roles.py): {undecided}"
    assert not scoped & chain_wide


def _resolves_to_property(model, path: str) -> bool:
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model is Property


def test_every_declared_lookup_leads_to_a_property():
    assert {m._meta.label: p for m, p in scope.scoped_models().items()} == {
        label: path for declared in app_declarations("PROPERTY_SCOPE") for label, path in declared.items()
    }
    wrong = [m._meta.label for m, path in scope.scoped_models().items() if not _resolves_to_property(m, path)]
    assert not wrong


def test_an_undeclared_model_is_refused_loudly():
    from guests.models import Guest

    with pytest.raises(ImproperlyConfigured, match="PROPERTY_SCOPE"):
        scope.scoped(Guest, None)


def _operational() -> set[str]:
    return {label for declared in app_declarations("OPERATIONAL_AMOUNTS") for label in declared}


def test_every_amount_is_revenue_or_operational():
    operational = _operational()
    declared = {(m, f) for m, fields in revenue.all_revenue_fields().items() for f in fields}
    undecided = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.DecimalField | models.FloatField)
        and (model, field.name) not in declared
        and f"{model._meta.label}.{field.name}" not in operational
    ]
    assert not undecided, f"declare these in REVENUE_FIELDS or OPERATIONAL_AMOUNTS (their app's roles.py): {undecided}"


def test_every_declared_amount_and_text_exists():
    for name in ("REVENUE_FIELDS", "REVENUE_TEXT"):
        for declared in app_declarations(name):
            for label, fields in declared.items():
                model = apps.get_model(label)
                for field in fields:
                    model._meta.get_field(field)
    for label in _operational():
        app_model, field = label.rsplit(".", 1)
        apps.get_model(app_model)._meta.get_field(field)


@pytest.mark.django_db
def test_scoped_filters_by_home_properties_in_one_query(django_assert_num_queries):
    lis, alg = PropertyFactory(code="LIS"), PropertyFactory(code="ALG")
    own, other = StayFactory(property=lis), StayFactory(property=alg)
    desk = UserFactory(username="d", roles=["front_desk"], properties=[lis])
    desk.groups.all()  # roles are read once per user
    list(scope.scoped(Stay, desk))
    with django_assert_num_queries(1):
        assert list(scope.scoped(Stay, desk)) == [own]
    assert set(scope.scoped(Stay, None)) == {own, other}  # the system itself
    assert scope.in_scope(own, desk) and not scope.in_scope(other, desk)
    nobody = UserFactory(username="n", properties=[])
    assert list(scope.scoped(Stay, nobody)) == []


@pytest.mark.django_db
def test_an_inactive_home_property_drops_out_of_scope():
    lis = PropertyFactory(code="LIS")
    stay = StayFactory(property=lis)
    desk = UserFactory(username="d", roles=["front_desk"], properties=[lis])
    Property.objects.filter(pk=lis.pk).update(is_active=False)
    assert not scope.in_scope(stay, desk)
    with pytest.raises(Exception) as refused:
        scope.require_property(lis, desk)
    assert refused.value.fields == {"property": ["This property is not one of yours."]}
