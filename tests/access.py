"""Permission matrices as data (the NetBox testing idea): each endpoint or page says
which roles may use it; the tests are generated for every role, and a denied write
must leave the watched tables exactly as they were.

    GUEST_CREATE = Access("guest-create", "post", "/api/v1/guests/", allowed=EDITORS,
                          data={"family_name": "Silva"}, ok=201, watch=(Guest,))
    @pytest.mark.parametrize(("access", "role"), matrix([GUEST_CREATE, ...]))
    def test_api(access, role, ...): access.check(client_for_role, role, ids)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest

from crm_site import roles

ALL_ROLES = tuple(roles.ROLES)


def snapshot(models: Iterable) -> dict:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


@dataclass(frozen=True)
class Access:
    name: str
    method: str
    path: str  # str.format()ted with the ids of the scenario: "/api/v1/guests/{guest}/"
    allowed: frozenset[str]
    data: dict | Callable[[dict], dict] | None = None
    ok: int = 200  # status for a role that may do it
    denied: int = 403
    watch: tuple = ()  # models a denied request must not touch
    extra: dict = field(default_factory=dict)  # headers etc. for the client call

    @property
    def allowed_roles(self) -> frozenset[str]:
        """Integrator accounts use the API only: every page refuses them (403)."""
        if self.path.startswith("/api/"):
            return self.allowed
        return self.allowed - roles.API_ONLY_ROLES

    def request(self, client, ids: dict):
        data = self.data(ids) if callable(self.data) else self.data
        return getattr(client, self.method)(self.path.format(**ids), data, **self.extra)

    def check(self, client, role: str | None, ids: dict, *, denied_status: int | None = None):
        """Send the request with ``client`` (logged in as ``role``; None = anonymous) and
        assert the outcome: ``ok`` for an allowed role, else the denial and no change."""
        before = snapshot(self.watch)
        response = self.request(client, ids)
        if role in self.allowed_roles:
            assert response.status_code == self.ok, (self.name, role, response.status_code, response.content[:300])
            if self.watch:
                assert snapshot(self.watch) != before, f"{self.name}: an allowed write changed nothing"
        else:
            expected = denied_status or self.denied
            assert response.status_code == expected, (self.name, role, response.status_code, response.content[:300])
            assert snapshot(self.watch) == before, f"{self.name}: a denied request changed the database"
        return response


def matrix(accesses: Iterable[Access], role_names: Iterable[str] = ALL_ROLES) -> list:
    """One pytest param per (access, role)."""
    return [pytest.param(a, r, id=f"{a.name}-{r}") for a in accesses for r in role_names]
