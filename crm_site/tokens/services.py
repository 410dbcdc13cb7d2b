"""Issuing and ending API tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from crm_site.errors import NotFound

from .models import ApiToken

_FINGERPRINT_SALT = "crm_site.tokens.password_fingerprint"
# Record a token's use at most this often: one UPDATE a minute, not one per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _fingerprints(user) -> list[str]:
    """The user's password fingerprint under the current key and every fallback key, so a
    SECRET_KEY rotation (with SECRET_KEY_FALLBACKS) does not end every token at once."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [salted_hmac(_FINGERPRINT_SALT, user.password, secret=s, algorithm="sha256").hexdigest() for s in secrets]


def password_unchanged(*, user, fingerprint: str) -> bool:
    return any(constant_time_compare(fingerprint, candidate) for candidate in _fingerprints(user))


def token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_issue(*, user) -> tuple[ApiToken, str]:
    """A new token for ``user``, returned with its secret (the only time it exists in clear).
    The user's expired tokens are purged on the way."""
    with transaction.atomic():
        ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
        return ApiToken.objects.create(user=user, expiry=token_ttl(), password_fingerprint=_fingerprints(user)[0])


def token_revoke(*, token_id: int, by) -> None:
    """End one token: the caller's own, or anybody's for a holder of
    ``tokens.delete_apitoken`` (chain administrators).  A token the caller may not revoke
    is answered like one that does not exist."""
    tokens = ApiToken.objects.filter(pk=token_id)
    if not by.has_perm("tokens.delete_apitoken"):
        tokens = tokens.filter(user=by)
    deleted, _rows = tokens.delete()
    if not deleted:
        raise NotFound(_("No such token."), field="id")


def tokens_end_stale(*, user) -> int:
    """Delete the tokens that can no longer work: all of them for an inactive user, those
    issued under an earlier password otherwise.  Returns how many were deleted."""
    tokens = ApiToken.objects.filter(user=user)
    if user.is_active:
        tokens = tokens.exclude(password_fingerprint__in=_fingerprints(user))
    deleted, _rows = tokens.delete()
    return deleted


def token_touch(token: ApiToken) -> None:
    """Remember when a token was last used (at most one write a minute per token)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
