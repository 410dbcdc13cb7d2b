"""The client's network address, as far as it can be trusted.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appending the address it saw to
``X-Forwarded-For``, the client is the N-th entry counted from the right: everything left
of it was written by the client and can say anything.  With no trusted proxy (the
default) the header is ignored and ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client address for logs and audit (never a key for locking anybody out)."""
    remote = _valid(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # The request did not pass every proxy we trust: only the socket is known.
        return remote
    return _valid(hops[-proxies]) or remote
