"""Log-in throttling per account, on top of django-axes.

Axes counts failed log-ins per *username* in the database (so every web process and the
API share one count) and refuses a locked account before any password is checked.  Two
things are added here:

* :func:`account_guard` serialises the log-in attempts for one account on PostgreSQL, so
  N parallel guesses cannot all pass the "not locked yet" test before the first failure
  is written: at most ``LOGIN_FAILURE_LIMIT`` guesses per window ever reach the password
  check.  (SQLite, the single-process embedded default, serialises writes anyway.)
* :func:`lockout_response` is the answer to a locked account (``AXES_LOCKOUT_CALLABLE``):
  429 with the JSON error shape on the API, the log-in page with the reason elsewhere.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection, transaction
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import is_api_request, json_error


def _lock_key(username: str) -> int:
    digest = hashlib.sha256(f"crm-login:{username}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def account_guard(username: str):
    """Run one log-in attempt for ``username`` alone: the lock check, the password check
    and the recording of a failure happen in one transaction holding a per-account lock.

    Raise nothing inside the block that should not roll back the recorded failure."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(username or "")])
        yield


def lockout_message() -> str:
    return _("Too many failed log-in attempts for this account. Try again in %(minutes)d minutes.") % {
        "minutes": settings.LOGIN_LOCKOUT_MINUTES
    }


def _next(request) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def lockout_response(request, original_response=None, credentials=None):
    """The answer while an account is locked (same message whether the account exists)."""
    detail = lockout_message()
    if is_api_request(request):
        response = json_error(request, 429, detail, code="account_locked")
    else:
        context = {"form": AuthenticationForm(request), "locked_out": detail, "next": _next(request)}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response
