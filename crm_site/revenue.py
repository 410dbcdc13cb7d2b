"""Revenue is a permission: amounts appear only for users holding ``guests.view_revenue``.

Sales managers, chain administrators and both integrator tokens (the read-only one is the
BI feed) hold it; the front desk and guest relations do not.  Without it an amount is
*absent* — not zeroed, not null — from every API response, page and export.  One
declaration per model, in the app's ``roles.py``::

    REVENUE_FIELDS = {"guests.Stay": ("room_revenue", "fnb_revenue", "other_revenue", "total_revenue")}
    REVENUE_TEXT = {"loyalty.PointsTransaction": ("reason",)}   # stored sentences quoting amounts

and the pieces that apply it:

* :class:`RevenueFieldsMixin` — serializers drop the declared fields of ``Meta.model``
  (and ``Meta.revenue_fields`` of plain serializers) and mask the amounts quoted in the
  declared text fields;
* :func:`without_revenue` — selectors drop amount keys from the dicts they shape for a
  viewer (the 360 spend, the loyalty progress, the segment figures);
* :func:`mask_amounts` — a stored sentence quoting an amount ("… 1,234.00 EUR eligible")
  shows a placeholder instead;
* templates show an amount block only ``{% if perms.guests.view_revenue %}``;
* screens that are about revenue (the pyramid, Pareto, their exports) require the
  permission outright.

An operational amount that the role handles itself — the money compensation of a
complaint, a tier's spend threshold (a programme rule) — is not revenue and stays.
"""

from __future__ import annotations

import re
from functools import cache

from django.apps import apps
from django.db.models import Model
from django.utils.translation import gettext as _

from .roles import app_declarations

PERMISSION = "guests.view_revenue"


def sees_revenue(user) -> bool:
    """Whether amounts are shown to ``user`` (None: the system itself)."""
    return user is None or (user.is_authenticated and user.has_perm(PERMISSION))


def _declared(name: str) -> dict[type[Model], tuple[str, ...]]:
    return {
        apps.get_model(label): tuple(fields)
        for declared in app_declarations(name)
        for label, fields in declared.items()
    }


@cache
def _fields() -> dict[type[Model], tuple[str, ...]]:
    return _declared("REVENUE_FIELDS")


@cache
def _texts() -> dict[type[Model], tuple[str, ...]]:
    return _declared("REVENUE_TEXT")


def revenue_fields(model: type[Model]) -> tuple[str, ...]:
    """The declared amount fields of ``model`` (empty when it has none)."""
    return _fields().get(model._meta.concrete_model, ())


def revenue_texts(model: type[Model]) -> tuple[str, ...]:
    return _texts().get(model._meta.concrete_model, ())


def all_revenue_fields() -> dict[type[Model], tuple[str, ...]]:
    return dict(_fields())


# An amount as the code writes it into sentences: digits with thousands separators and
# two decimals, then a currency code ("1,234.00 EUR", "30,000.00 CNY").
_AMOUNT = re.compile(r"-?\d{1,3}(?:[,\u00a0\u202f ]?\d{3})*[.,]\d{2}\s?[A-Z]{3}\b")


def _mask(text: str) -> str:
    return _AMOUNT.sub(_("[amount hidden]"), text) if text else text


def mask_amounts(text: str, user) -> str:
    """``text`` with every quoted amount replaced by a placeholder, unless ``user`` sees
    revenue."""
    return text if sees_revenue(user) else _mask(text)


def without_revenue(data: dict, user, keys) -> dict:
    """``data`` without ``keys`` unless ``user`` sees revenue (a new dict; absent, not
    zeroed)."""
    if sees_revenue(user):
        return data
    return {k: v for k, v in data.items() if k not in keys}


def _viewer(context) -> tuple[bool, object]:
    """(known, user) from a serializer context: the request's user, or ``viewer``."""
    if "viewer" in context:
        return True, context["viewer"]
    request = context.get("request")
    if request is not None and hasattr(request, "user"):
        return True, request.user
    return False, None


class RevenueFieldsMixin:
    """For serializers: the revenue fields are absent for a viewer without
    ``guests.view_revenue``.  The viewer is ``context["request"].user`` (or
    ``context["viewer"]``); without one the amounts are left out (fail closed).  Schema
    generation keeps them, documented as needing the permission."""

    def _shows_revenue(self) -> bool:
        view = self.context.get("view")
        if getattr(view, "swagger_fake_view", False):
            return True
        known, user = _viewer(self.context)
        return known and sees_revenue(user)

    def _revenue_names(self) -> tuple[str, ...]:
        meta = getattr(self, "Meta", None)
        model = getattr(meta, "model", None)
        declared = revenue_fields(model) if model is not None else ()
        return declared + tuple(getattr(meta, "revenue_fields", ()))

    def get_fields(self):
        fields = super().get_fields()
        names = self._revenue_names()
        if not names:
            return fields
        if self._shows_revenue():
            for name in names:
                if name in fields and not fields[name].help_text:
                    fields[name].help_text = _("Present only for users allowed to see revenue.")
            return fields
        return {name: field for name, field in fields.items() if name not in names}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        meta = getattr(self, "Meta", None)
        model = getattr(meta, "model", None)
        texts = revenue_texts(model) if model is not None else ()
        if texts and not self._shows_revenue():
            for name in texts:
                if isinstance(data.get(name), str):
                    data[name] = _mask(data[name])
        return data
