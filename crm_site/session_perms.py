"""The permissions and roles of a web session's user, kept per process for
``PERMISSION_CACHE_SECONDS`` (the API's tokens do the same: ``crm_site.tokens``).

Every page asked the database for the user's groups and both permission tables (three
statements around a 360 view of twenty).  The price is the same short delay as for
tokens: a role or permission taken away in another process applies there within the TTL;
in this process at once (``forget`` on every change of groups, group permissions, user
permissions or the user row).  The cache is keyed by the user and their password hash, so
a new password (or a reused id on SQLite) never meets an old entry, and each request's
user gets its own copies of the sets.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from .roles import user_roles

_CACHE_MAX = 4096


class CheckedSessions:
    def __init__(self):
        self._entries: dict[tuple[int, str], tuple[float, frozenset, frozenset, frozenset, frozenset]] = {}
        self._lock = threading.Lock()

    def apply(self, user) -> bool:
        """Give ``user`` the cached permissions and roles; False when there are none."""
        ttl = settings.PERMISSION_CACHE_SECONDS
        entry = self._entries.get((user.pk, user.password)) if ttl > 0 else None
        if entry is None or time.monotonic() - entry[0] >= ttl:
            return False
        _at, perms, user_perms, group_perms, roles = entry
        user._perm_cache, user._user_perm_cache, user._group_perm_cache = set(perms), set(user_perms), set(group_perms)
        user._crm_roles = set(roles)
        return True

    def put(self, user) -> None:
        if settings.PERMISSION_CACHE_SECONDS <= 0:
            return
        perms = frozenset(user.get_all_permissions())  # fills ModelBackend's three caches
        entry = (
            time.monotonic(),
            perms,
            frozenset(getattr(user, "_user_perm_cache", ())),
            frozenset(getattr(user, "_group_perm_cache", ())),
            frozenset(user_roles(user)),
        )
        with self._lock:
            if len(self._entries) >= _CACHE_MAX:
                self._entries.clear()
            self._entries[(user.pk, user.password)] = entry

    def forget(self, user_id: int | None = None) -> None:
        with self._lock:
            if user_id is None:
                self._entries.clear()
            else:
                for key in [k for k in self._entries if k[0] == user_id]:
                    self._entries.pop(key, None)


checked_sessions = CheckedSessions()


class SessionPermissionsMiddleware:
    """After ``AuthenticationMiddleware``: a signed-in user's permissions and roles from
    this process's cache, or read once and cached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not checked_sessions.apply(user):
            checked_sessions.put(user)
        return self.get_response(request)


def forget_all(sender, **kwargs):
    """Groups, group permissions or user permissions changed: re-read everyone's."""
    checked_sessions.forget()


def forget_user(sender, instance, **kwargs):
    """A user row changed (superuser, active, password …): re-read theirs."""
    checked_sessions.forget(instance.pk)
