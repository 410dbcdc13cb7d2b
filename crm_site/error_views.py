"""Django's error handlers (``handler400/403/404/500``): JSON on the API, a page with the
menu elsewhere, in the user's language.  DRF views answer through
``crm_site.errors.api_exception_handler``; these cover everything else (unknown URLs,
Django's PermissionDenied, a bug)."""

from __future__ import annotations

import logging

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from .errors import is_api_request, json_error

logger = logging.getLogger(__name__)


def bad_request(request, exception=None):
    if is_api_request(request):
        return json_error(request, 400)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if is_api_request(request):
        return json_error(request, 403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if is_api_request(request):
        return json_error(request, 404)
    return render(request, "404.html", status=404)


def server_error(request):
    if is_api_request(request):
        return json_error(request, 500)
    # No request context: whatever broke may be what the context processors need.
    return HttpResponseServerError(loader.get_template("500.html").render({"request_path": request.path}))
