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

from .roles import user_roles
from .ttl_cache import TtlCache


class CheckedSessions:
    def __init__(self):
        # (user id, password hash) -> (permissions, user permissions, group permissions, roles)
        self._cache = TtlCache("PERMISSION_CACHE_SECONDS", max_entries=4096)

    def apply(self, user) -> bool:
        """Give ``user`` the cached permissions and roles; False when there are none."""
        entry = self._cache.get((user.pk, user.password))
        if entry is None:
            return False
        perms, user_perms, group_perms, roles = entry
        user._perm_cache, user._user_perm_cache, user._group_perm_cache = set(perms), set(user_perms), set(group_perms)
        user._crm_roles = set(roles)
        return True

    def put(self, user) -> None:
        if self._cache.ttl <= 0:
            return
        perms = frozenset(user.get_all_permissions())  # fills ModelBackend's three caches
        entry = (
            perms,
            frozenset(getattr(user, "_user_perm_cache", ())),
            frozenset(getattr(user, "_group_perm_cache", ())),
            frozenset(user_roles(user)),
        )
        self._cache.put((user.pk, user.password), entry)

    def forget(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._cache.forget()
        else:
            self._cache.forget_where(lambda key: key[0] == user_id)


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
