"""Property scope: the one rule for every object that belongs to a hotel.

Staff of the chain-wide roles (``crm_site.roles.CHAIN_WIDE_ROLES``), superusers and the
system itself (``user=None``: tasks, imports, the demo) work with every property.
Everyone else is bound to the home properties of their ``StaffProfile`` and works with
the objects of those properties only:

* a list leaves the other properties' objects out (a filter naming another property finds
  nothing);
* a URL naming such an object answers 404, exactly as if it did not exist;
* input naming another property — a create, a bulk row, a required ``property``
  parameter — is refused with 400 naming the field (:func:`require_property`).

The API viewsets, the pages, the exports, the Django admin and the services all go
through :func:`scoped` (querysets), :func:`require` (one object) and
:func:`require_property` (a property named in input), so a change of the rule is a change
here.  A predicate library (``rules``) answers "may this user touch this object" one
object at a time; lists, exports and the admin need the same rule as a queryset filter,
and two mechanisms would drift apart — so the rule is a queryset filter, and the
one-object check is that filter applied to the object's primary key.

A model joins with one declaration in its app's ``roles.py``: the lookup from the model
to its property::

    PROPERTY_SCOPE = {"care.CareTask": "property", "care.StaySurvey": "stay__property"}

A model that points at a property or at a scoped model but belongs to the whole chain
says why, in the same file (``CHAIN_WIDE = {"loyalty.StayCredit": "..."}``);
``tests/crm_site/test_scope.py`` fails for a model that does neither.  Objects of a
scoped model without a property (a care item not tied to a hotel) are for chain-wide
staff only.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from .errors import DomainError, NotFound
from .roles import CHAIN_WIDE_ROLES, app_declarations, is_chain_wide


@cache
def _paths() -> dict[type[Model], str]:
    return {
        apps.get_model(label): path
        for declared in app_declarations("PROPERTY_SCOPE")
        for label, path in declared.items()
    }


@cache
def chain_wide_models() -> dict[type[Model], str]:
    """Models that point at a property or a scoped model but belong to the whole chain,
    with the reason (``CHAIN_WIDE`` in the apps' ``roles.py``)."""
    return {
        apps.get_model(label): why for declared in app_declarations("CHAIN_WIDE") for label, why in declared.items()
    }


def scoped_models() -> dict[type[Model], str]:
    """Every property-scoped model with its lookup to the property."""
    return dict(_paths())


def path_for(model: type[Model]) -> str:
    try:
        return _paths()[model._meta.concrete_model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} is not property-scoped: declare it in PROPERTY_SCOPE in its app's roles.py"
        ) from None


def is_scoped(model: type[Model]) -> bool:
    return model._meta.concrete_model in _paths()


def _property_model():
    return apps.get_model("guests", "Property")


def home_properties(user) -> QuerySet | None:
    """The properties a user is bound to, or None for every property (chain-wide roles,
    superusers, the system)."""
    if user is None:
        return None
    if not user.is_authenticated:
        return _property_model().objects.none()
    if is_chain_wide(user):
        return None
    return _home_of(user.pk)


def _home_of(user_id: int) -> QuerySet:
    return _property_model().objects.filter(is_active=True, staff__user=user_id)


def property_ids(user) -> frozenset[int] | None:
    """The ids of the user's properties (one query), or None for every property: for
    checking many rows of a batch at once."""
    home = home_properties(user)
    return None if home is None else frozenset(home.values_list("pk", flat=True))


def property_refused(field: str = "property") -> DomainError:
    return DomainError(_("This property is not one of yours."), field=field, code="property_out_of_scope")


def properties(user) -> QuerySet:
    """The active properties a user works with (form choices, filters, defaults)."""
    home = home_properties(user)
    return _property_model().objects.filter(is_active=True) if home is None else home


def properties_of_user_id(user_id: int | None = None) -> QuerySet:
    """:func:`properties` from :func:`bound_user_id` alone (a prepared statement's
    parameter, ``crm_site.prepared``)."""
    return _property_model().objects.filter(is_active=True) if user_id is None else _home_of(user_id)


def condition(model: type[Model], user) -> Q | None:
    """The filter :func:`scoped` applies to ``model`` for this user (None: every
    property), for a statement that reads the user's objects beside the chain's (a
    window count of both)."""
    path = path_for(model)  # an undeclared model fails whoever asks
    home = home_properties(user)
    return None if home is None else Q(**{f"{path}__in": home.values("pk")})


def bound_user_id(user) -> int | None:
    """The id a bound user's scope is read by (:func:`condition_of_user_id`), or None for
    a user who works with every property; 0 (nobody's id, no property) for an anonymous one."""
    if home_properties(user) is None:
        return None
    return user.pk if user.is_authenticated else 0


def condition_of_user_id(model: type[Model], user_id: int) -> Q:
    """:func:`condition` for a user bound to their home properties, from the id alone
    (a parameter of a prepared statement, ``crm_site.prepared``)."""
    return Q(**{f"{path_for(model)}__in": _home_of(user_id).values("pk")})


def scoped(queryset, user) -> QuerySet:
    """``queryset`` (or a model) limited to the objects of the user's properties.  One
    query whatever the user: the home properties are a subquery."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    mine = condition(queryset.model, user)
    return queryset if mine is None else queryset.filter(mine)


def in_scope(obj: Model, user) -> bool:
    if home_properties(user) is None:
        return True
    return scoped(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def require(obj: Model, user, *, message=None) -> None:
    """Services: outside the user's properties an object does not exist (404)."""
    if not in_scope(obj, user):
        raise NotFound(message or _("Not found."))


def staff_at(property_id: int) -> Q:
    """The same rule the other way round, for a user queryset: who works at the property
    (superusers, the chain-wide roles, and the staff it is a home property of)."""
    return (
        Q(is_superuser=True)
        | Q(groups__name__in=CHAIN_WIDE_ROLES)
        | Q(staff_profile__properties__id=property_id, staff_profile__properties__is_active=True)
    )


def works_at(prop, user) -> bool:
    """Whether ``prop`` is one of the user's properties."""
    home = home_properties(user)
    return home is None or home.filter(pk=prop.pk).exists()


def require_property(prop, user, *, field: str = "property"):
    """A property named in input (a create, a bulk row, a required parameter): one
    outside the user's properties is refused with 400 naming ``field``."""
    if not works_at(prop, user):
        raise property_refused(field)
    return prop
