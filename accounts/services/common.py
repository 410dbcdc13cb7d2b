"""Pieces every account service uses: the timeline, the acting user, plain-input checks."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import NON_FIELD, DomainError, Forbidden
from guests import search_keys

from ..models import Account, AccountEvent
from ..selectors.access import is_director


def actor(by):
    """The user to record as having acted (None for the system, demo and imports)."""
    return by if getattr(by, "is_authenticated", False) else None


def record_event(account: Account | int, event: str, *, by=None, activity=None, agreement=None, **data) -> AccountEvent:
    """Append one line to the account's timeline (codes and figures only, no names)."""
    return AccountEvent.objects.create(
        account_id=account if isinstance(account, int) else account.pk,
        kind=event,
        actor=actor(by),
        activity=activity,
        agreement=agreement,
        data={
            k: (str(v) if v is not None and not isinstance(v, bool | int | str | list) else v) for k, v in data.items()
        },
    )


def account_search_keys(name: str, name_latin: str) -> dict[str, str]:
    """Search keys of an account name in any script — the guests' key rules
    (``guests.search_keys``): pinyin of Chinese, unaccented Latin, initials."""
    return search_keys.name_keys(family_name=name, given_name="", family_name_latin=name_latin, given_name_latin="")


def as_object(data) -> Mapping:
    """The request body as a mapping of fields, else a 400."""
    if not isinstance(data, Mapping):
        raise DomainError(_("Send a JSON object."), field=NON_FIELD, code="invalid")
    if hasattr(data, "getlist"):  # a form or a query dict: one value per field
        return {key: data.get(key) for key in data}
    return data


def single_value(value, *, field: str):
    if isinstance(value, dict | list | tuple | set):
        raise DomainError(_("Send a single value (text, number or null)."), field=field, code="invalid")
    return value


def as_user(value, *, field: str, required: bool = False):
    """An active staff user from an id (or a user object)."""
    User = get_user_model()
    if value in (None, ""):
        if required:
            raise DomainError(_("Choose a person."), field=field, code="required")
        return None
    if isinstance(value, User):
        user = value
    else:
        user = User.objects.filter(pk=parsing.as_id(single_value(value, field=field), field=field)).first()
    if user is None or not user.is_active:
        raise DomainError(_("Unknown or inactive user."), field=field, code="unknown_user")
    return user


def as_salesperson(value, *, field: str, required: bool = False):
    """An active user flagged as a salesperson (``StaffProfile.is_salesperson``)."""
    from ..selectors.access import is_salesperson

    user = as_user(value, field=field, required=required)
    if user is not None and not is_salesperson(user):
        raise DomainError(
            _("%(name)s is not a salesperson.") % {"name": user.get_full_name() or user.get_username()},
            field=field,
            code="not_a_salesperson",
        )
    return user


def as_property(value, *, field: str = "property", required: bool = False):
    """A hotel of the chain from its id (or code), or None when empty."""
    from guests.models import Property

    if value in (None, ""):
        if required:
            raise DomainError(_("Choose a property."), field=field, code="required")
        return None
    if isinstance(value, Property):
        return value
    value = single_value(value, field=field)
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        prop = Property.objects.filter(code=value.strip().upper()).first()
    else:
        prop = Property.objects.filter(pk=parsing.as_id(value, field=field)).first()
    if prop is None:
        raise DomainError(_("Unknown property."), field=field, code="unknown_property")
    return prop


def as_score(value, *, field: str) -> int:
    return parsing.as_int(single_value(value, field=field), field=field, minimum=1, maximum=5)


def as_percent(value, *, field: str, required: bool = False):
    """A percentage 0-100 with at most two decimals, or None when empty."""
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter a percentage."), field=field, code="required")
        return None
    amount = parsing.as_money(single_value(value, field=field), field=field)
    if amount > 100:
        raise DomainError(_("Enter a percentage from 0 to 100."), field=field, code="out_of_range")
    return amount


def require_director(by, *, field: str = "owner") -> None:
    if not is_director(by):
        raise Forbidden(_("Only the director of sales may do this."), field=field, code="director_only")
