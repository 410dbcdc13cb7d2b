"""Fixtures of the guests tests."""

import pytest

from crm_site import extensions
from crm_site.extensions import Badge, GuestSection


@pytest.fixture
def gold_badge_section(monkeypatch):
    """Another app's 360 section as the guests app sees it: a 'Gold' badge for every
    guest asked about (in one call), and a small profile block."""
    calls = []

    def badges(guest_ids):
        calls.append(list(guest_ids))
        return {gid: [Badge("Gold", "tier")] for gid in guest_ids}

    section = GuestSection(
        key="test_tier",
        order=5,
        profile=lambda guest, viewer: {"tier": "Gold", "guest_id": guest.pk},
        badges=badges,
        permission="guests.view_guest",
    )
    monkeypatch.setitem(extensions._REGISTRY[GuestSection], section.key, section)
    return calls
