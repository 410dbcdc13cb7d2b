"""Token endpoints: issue and end a token (``/auth/token/``), list and revoke tokens
(``/auth/tokens/``)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_site.errors import DomainError
from crm_site.login_throttle import account_guard
from crm_site.parsing import as_id

from .. import selectors, services
from ..authentication import CrmTokenAuthentication
from ..models import ApiToken
from .serializers import ApiTokenSerializer, TokenIssuedSerializer, TokenRequestSerializer


class TokenView(APIView):
    """``POST`` a username and password for a new token; ``DELETE`` ends the token the
    request is made with.  Failed passwords count towards the account's lock-out exactly
    like the log-in page (``LOGIN_FAILURE_LIMIT`` per ``LOGIN_LOCKOUT_MINUTES``); a
    locked account is answered 429 ``account_locked`` without checking the password."""

    authentication_classes = [CrmTokenAuthentication]
    permission_classes = [AllowAny]

    def perform_authentication(self, request):
        # Asking for a new token must work while an old, expired one is still sent along.
        if request.method != "POST":
            request.user  # noqa: B018  (authenticates now)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenIssuedSerializer}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        with account_guard(username):
            # No exception inside: the failure axes records must be committed.
            user = authenticate(request._request, username=username, password=serializer.validated_data["password"])
        if user is None:
            raise DomainError(
                _("Unable to log in with the username and password provided."), code="invalid_credentials"
            )
        token, secret = services.token_issue(user=user)
        return Response(TokenIssuedSerializer({"token": secret, "expiry": token.expiry}).data)

    @extend_schema(request=None, responses={204: None}, auth=[{"tokenAuth": []}])
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated(_("Send the token to end in the Authorization header."))
        services.token_revoke(token_id=request.auth.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's live tokens (chain administrators: everybody's, ``?user=<id>`` for one
    user's), never with the secret.  ``DELETE`` revokes one; someone else's token is 404
    unless the caller may revoke any (``tokens.delete_apitoken``)."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        raw = self.request.query_params.get("user")
        user_id = as_id(raw, field="user") if raw not in (None, "") else None
        return selectors.tokens_visible(viewer=self.request.user, user_id=user_id)

    @extend_schema(parameters=[OpenApiParameter("user", OpenApiTypes.INT, description=_("Only this user's tokens."))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.token_revoke(token_id=self.get_object().pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
