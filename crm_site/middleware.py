"""Request-level guards that run before any view."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import is_api_request, json_error


class RequestBodyLimitMiddleware:
    """Refuse a body larger than ``REQUEST_BODY_MAX_BYTES`` with a clear 413 before it is
    read (Django's own limit only covers form data and ``request.body``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_BODY_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            detail = _("The request body is too large (at most %(n)d MB).") % {"n": limit // (1024 * 1024)}
            if is_api_request(request):
                return json_error(request, 413, detail)
            return render(request, "413.html", {"detail": detail}, status=413)
        return self.get_response(request)
