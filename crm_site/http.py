"""Small HTTP helpers shared by the page views."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request, fallback, *args, **kwargs) -> HttpResponseRedirect:
    """Return to the page a form was posted from (``next`` in the POST or the query
    string) when it is a page of this site; otherwise to ``fallback`` (a URL name with
    its ``args``/``kwargs``, or a path).  Never redirects to another host."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(fallback, *args, **kwargs)
