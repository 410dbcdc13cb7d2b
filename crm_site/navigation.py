"""Main menu entries, declared by each app in ``<app>/navigation.py`` as ``NAV_ITEMS``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int = 100


@cache
def all_nav_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.navigation")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.navigation":
                raise
            continue
        items.extend(getattr(module, "NAV_ITEMS", ()))
    return tuple(sorted(items, key=lambda i: i.order))


# The menu's URLs, reversed once per URL conf and script prefix (they take no arguments
# and the URL conf is not translated): ~20 reverse() calls on every page otherwise.
_URLS: dict[tuple, str | None] = {}


def _url(url_name: str) -> str | None:
    key = (url_name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    if key not in _URLS:
        try:
            _URLS[key] = reverse(url_name)
        except NoReverseMatch:
            _URLS[key] = None
    return _URLS[key]


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    result = []
    for item in all_nav_items():
        if not user.has_perm(item.permission):
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        result.append({"label": item.label, "url": url, "url_name": item.url_name})
    return result
