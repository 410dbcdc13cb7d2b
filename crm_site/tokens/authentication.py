"""How API requests authenticate: a token (``Authorization: Token <secret>``) or a web
session.  Both refuse what the credential rules refuse."""

from __future__ import annotations

import copy

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from crm_site.auth_middleware import api_only_message
from crm_site.roles import is_api_only
from crm_site.ttl_cache import TtlCache

from . import services
from .models import ApiToken

INVALID = _("Invalid token.")


class CheckedTokens:
    """Tokens this process checked in the last ``API_TOKEN_CACHE_SECONDS`` seconds, with
    their user, roles and permissions already loaded.

    A lookup is a 0.3 ms statement; reading the token, the user's groups and both
    permission tables again on every request cost three times that.  The price is a
    short delay: a revoked or expired token, a deactivated user or a changed password
    stops working within the TTL in every process (a revocation in this process takes
    effect at once, see ``forget``).  Each request gets its own copy of the user, so a
    request cannot leak attributes into the next one.
    """

    def __init__(self):
        # token digest -> (user with its permissions and roles loaded, token)
        self._cache = TtlCache("API_TOKEN_CACHE_SECONDS", max_entries=2048)

    def get(self, digest: str):
        entry = self._cache.get(digest)
        if entry is None:
            return None
        user, api_token = entry
        return copy.copy(user), api_token

    def put(self, digest: str, user, api_token: ApiToken) -> None:
        if self._cache.ttl <= 0:
            return
        user.get_all_permissions()  # loads the permission caches the copies carry
        is_api_only(user)  # and the roles
        self._cache.put(digest, (user, api_token))

    def forget(self, digest: str | None = None) -> None:
        self._cache.forget(digest)


checked_tokens = CheckedTokens()


class CrmTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token check, stricter: an expired token is deleted and refused,
    a token of an inactive user or issued before the user's last password change is
    refused (401), and the last use is recorded."""

    def authenticate_credentials(self, token: bytes):
        try:
            secret = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        digest = hash_token(secret)
        cached = checked_tokens.get(digest)
        if cached is not None:
            user, api_token = cached
            if api_token.expiry > timezone.now():
                return user, api_token
            checked_tokens.forget(digest)
        api_token = ApiToken.objects.select_related("user").filter(digest=digest).first()
        if api_token is None:
            raise exceptions.AuthenticationFailed(INVALID)
        if api_token.expiry <= timezone.now():
            api_token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired."))
        user = api_token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not services.password_unchanged(user=user, fingerprint=api_token.password_fingerprint):
            api_token.delete()
            raise exceptions.AuthenticationFailed(_("The token ended with a password change."))
        services.token_touch(api_token)
        checked_tokens.put(digest, user, api_token)
        return copy.copy(user), api_token


class CrmSessionAuthentication(SessionAuthentication):
    """A web session (with CSRF), except for integrator accounts: they use tokens."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and is_api_only(result[0]):
            raise exceptions.PermissionDenied(api_only_message())
        return result
