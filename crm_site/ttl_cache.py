"""A small per-process cache whose entries live for a number of seconds read from a
setting: what the API tokens (``crm_site.tokens.authentication``) and the web sessions'
permissions (``crm_site.session_perms``) keep between requests.

A setting of 0 turns it off (nothing is stored, nothing found).  It holds at most
``max_entries`` and starts afresh when full (a chain has hundreds of users, not
thousands: a clear is rare and costs one re-read per user).  Thread-safe for writers;
readers see a whole entry or none.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from django.conf import settings


class TtlCache:
    def __init__(self, ttl_setting: str, *, max_entries: int):
        self.ttl_setting = ttl_setting
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    @property
    def ttl(self) -> float:
        return getattr(settings, self.ttl_setting)

    def get(self, key: Hashable):
        """The value stored under ``key`` less than the TTL ago, or None."""
        ttl = self.ttl
        entry = self._entries.get(key) if ttl > 0 else None
        if entry is None or time.monotonic() - entry[0] >= ttl:
            return None
        return entry[1]

    def put(self, key: Hashable, value) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), value)

    def forget(self, key: Hashable | None = None) -> None:
        """Drop ``key``'s entry, or every entry."""
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)

    def forget_where(self, matches: Callable[[Hashable], bool]) -> None:
        """Drop the entries whose key ``matches``."""
        with self._lock:
            for key in [k for k in self._entries if matches(k)]:
                self._entries.pop(key, None)
