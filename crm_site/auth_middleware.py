"""What a web session may still do, checked on every request."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .errors import is_api_request
from .roles import is_api_only


def api_only_message() -> str:
    return _("Integrator accounts use the API with a token; they cannot use the web pages.")


class SessionAccountMiddleware:
    """Two rules for sessions, whatever opened them:

    * a session whose user may no longer log in (deactivated, deleted) is ended on its
      next request, so reactivating the account does not revive it;
    * a session that belongs to an integrator account gets 403 on every page (the log-in
      form refuses them; this covers a session opened another way or a role granted
      later).  On the API, ``CrmSessionAuthentication`` refuses their session the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            if SESSION_KEY in request.session:
                request.session.flush()
        elif not is_api_request(request) and request.path != reverse("logout") and is_api_only(user):
            return render(request, "403.html", {"detail": api_only_message()}, status=403)
        return self.get_response(request)
