"""The generated authorization matrix (issue #10): every route of the URL conf, every
role and anonymous, an object of the asker's hotel, of another hotel, or none — each
answer checked against the one table in ``tests/authz/policy.py``.

A route missing from the table fails ``test_every_route_is_in_the_table``; a request that
answers otherwise fails ``test_route`` with every mismatch of that route listed.  Each
request runs in a savepoint rolled back afterwards, so every role meets the same chain.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from crm_site.roles import API_ONLY_ROLES

from .chain import OTHER, OWN, build_chain, objects_for
from .policy import (
    API,
    BOUND_ROLES,
    CAPABILITIES,
    CHAIN,
    INPUT,
    MINE,
    NO,
    NONE,
    OBJECT,
    PAGE,
    ROLE_ORDER,
    ROUTES,
    SKIPPED,
    SKIPPED_PREFIXES,
    fresh,
)
from .policy import (
    OWN as GRANT_OWN,
)

ANONYMOUS = "anonymous"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


# --- The URL conf ------------------------------------------------------------------------------


def _methods(callback) -> set[str] | None:
    """The HTTP methods a route answers, when the view says so (DRF viewsets and API
    views); None for a function view (its route is in the table by name)."""
    actions = getattr(callback, "actions", None)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return None
    allowed = set(getattr(cls, "http_method_names", ())) - {"head", "options"}
    if actions:
        return {m.upper() for m in actions if m in allowed}
    return {m.upper() for m in allowed if hasattr(cls, m)}


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """(path, name, methods) of every route, without DRF's ``.json`` duplicates."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and "format" not in pattern.pattern.regex.groupindex:
            yield route, namespace + (pattern.name or ""), _methods(pattern.callback)


def test_every_route_is_in_the_table():
    """A new route (or a new method of one) fails here until the table says who may use it."""
    in_table = {(r.name, r.method) for r in ROUTES}
    names_in_table = {r.name for r in ROUTES}
    missing = []
    for path, name, methods in walk():
        if name in SKIPPED:
            continue
        if methods is None:
            if name not in names_in_table:
                missing.append(f"{name} ({path})")
            continue
        missing += [f"{name} {m} ({path})" for m in sorted(methods) if (name, m) not in in_table]
    assert not missing, "routes missing from tests/authz/policy.py ROUTES: " + ", ".join(missing)


def test_the_table_names_only_real_routes():
    known = {}
    for _path, name, methods in walk():
        known.setdefault(name, set()).update(methods or {"GET", "POST"})
    unknown = [r.key for r in ROUTES if r.name not in known or r.method not in known[r.name]]
    assert not unknown, unknown
    assert not [r.capability for r in ROUTES if r.capability not in CAPABILITIES]
    assert len({r.key for r in ROUTES}) == len(ROUTES), "two entries for the same route and variant"


# --- Expected answers --------------------------------------------------------------------------


def kinds(route) -> tuple[str, ...]:
    return (OWN, OTHER) if route.target in (OBJECT, INPUT, MINE) else (OWN,)


def expected(route, role: str, kind: str) -> int:
    surface = route.surface
    if role == ANONYMOUS:
        return 401 if surface == API else 302
    if surface == PAGE and role in API_ONLY_ROLES:
        return 403
    grant = CAPABILITIES[route.capability].grant(role)
    if grant == NO:
        return 404 if route.lookup_first and kind == OTHER and role in BOUND_ROLES else 403
    if grant == GRANT_OWN and kind == OTHER:
        return route.refused or (400 if route.target == INPUT else 404)
    return route.ok


# --- Sending -----------------------------------------------------------------------------------


def _clients(users: dict) -> dict:
    clients = {ANONYMOUS: {API: APIClient(), PAGE: Client()}}
    for role, user in users.items():
        api = APIClient()
        api.force_authenticate(user=user)
        page = Client()
        page.force_login(user)
        clients[role] = {API: api, PAGE: page}
    return clients


def send(route, clients: dict, role: str, objects: dict):
    client = clients[role][API if route.surface == API else PAGE]
    args = {arg: key[1:] if key.startswith("=") else objects[key] for arg, key in route.kwargs.items()}
    url = reverse(route.name, kwargs=args)
    data = route.data(objects) if callable(route.data) else (route.data or {})
    method = route.method.lower()
    if route.surface == API and route.method in UNSAFE:
        return getattr(client, method)(url, data, format="json", HTTP_IDEMPOTENCY_KEY=fresh())
    if route.method in ("GET", "POST"):
        return getattr(client, method)(url, data)
    return getattr(client, method)(url, data, content_type="application/json")


def answers(route, ids: dict, clients: dict) -> dict[tuple[str, str], int]:
    """The status of every (role, kind), each request rolled back afterwards."""
    found = {}
    for role in (*ROLE_ORDER, ANONYMOUS):
        for kind in kinds(route):
            objects = objects_for(ids, kind, None if role == ANONYMOUS else role)
            with transaction.atomic():
                response = send(route, clients, role, objects)
                transaction.set_rollback(True)
            found[(role, kind)] = response.status_code
    return found


@pytest.fixture
def chain(db, django_user_model):
    ids = build_chain()
    users = {role: django_user_model.objects.get(username=role) for role in ROLE_ORDER}
    return ids, _clients(users)


@pytest.mark.parametrize("route", [pytest.param(r, id=r.key) for r in ROUTES])
def test_route(route, chain):
    ids, clients = chain
    found = answers(route, ids, clients)
    wrong = {
        f"{role}/{kind}": f"{status} (expected {expected(route, role, kind)})"
        for (role, kind), status in found.items()
        if status != expected(route, role, kind)
    }
    assert not wrong, f"{route.key} [{route.capability}]: {wrong}"


def test_every_target_kind_is_walked():
    """Each kind of object a route can name is in the table at least once."""
    assert {r.target for r in ROUTES} == {NONE, CHAIN, OBJECT, INPUT, MINE}
