"""How API requests authenticate: a token (``Authorization: Token <secret>``) or a web
session.  Both refuse what the credential rules refuse."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from crm_site.auth_middleware import api_only_message
from crm_site.roles import is_api_only

from . import services
from .models import ApiToken

INVALID = _("Invalid token.")


class CrmTokenAuthentication(TokenAuthentication):
    """django-rest-knox's token check, stricter: an expired token is deleted and refused,
    a token of an inactive user or issued before the user's last password change is
    refused (401), and the last use is recorded."""

    def authenticate_credentials(self, token: bytes):
        try:
            secret = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        api_token = ApiToken.objects.select_related("user").filter(digest=hash_token(secret)).first()
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
        return user, api_token


class CrmSessionAuthentication(SessionAuthentication):
    """A web session (with CSRF), except for integrator accounts: they use tokens."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and is_api_only(result[0]):
            raise exceptions.PermissionDenied(api_only_message())
        return result
