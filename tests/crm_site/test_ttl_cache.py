"""The per-process TTL cache the token check and the session permissions share."""

import pytest

from crm_site import ttl_cache
from crm_site.ttl_cache import TtlCache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ttl_cache.time, "monotonic", lambda: now[0])
    return now


def test_an_entry_lives_for_the_setting_seconds(settings, clock):
    settings.PERMISSION_CACHE_SECONDS = 5
    cache = TtlCache("PERMISSION_CACHE_SECONDS", max_entries=10)
    cache.put("a", 1)
    clock[0] += 4.9
    assert cache.get("a") == 1
    clock[0] += 0.1
    assert cache.get("a") is None


def test_zero_turns_it_off(settings):
    settings.PERMISSION_CACHE_SECONDS = 0
    cache = TtlCache("PERMISSION_CACHE_SECONDS", max_entries=10)
    cache.put("a", 1)
    settings.PERMISSION_CACHE_SECONDS = 5
    assert cache.get("a") is None  # nothing was stored while off
    cache.put("a", 1)
    settings.PERMISSION_CACHE_SECONDS = 0
    assert cache.get("a") is None  # nor found while off


def test_forget_one_some_or_all(settings):
    settings.PERMISSION_CACHE_SECONDS = 5
    cache = TtlCache("PERMISSION_CACHE_SECONDS", max_entries=10)
    for key in [(1, "x"), (1, "y"), (2, "x"), (3, "x")]:
        cache.put(key, key)
    cache.forget((3, "x"))
    cache.forget_where(lambda key: key[0] == 1)
    assert [cache.get(k) for k in [(1, "x"), (1, "y"), (2, "x"), (3, "x")]] == [None, None, (2, "x"), None]
    cache.forget()
    assert cache.get((2, "x")) is None


def test_a_full_cache_starts_afresh(settings):
    settings.PERMISSION_CACHE_SECONDS = 5
    cache = TtlCache("PERMISSION_CACHE_SECONDS", max_entries=3)
    for key in "abc":
        cache.put(key, key)
    cache.put("d", "d")
    assert [cache.get(k) for k in "abcd"] == [None, None, None, "d"]
