"""The garbage collector of a web worker.

A warmed worker tracks ~350,000 objects made at start-up (modules, URL patterns,
templates, translations); every full collection walked them all (~96 ms at the
1,000,000-guest bench, one arrivals request in eight).  ``gc.freeze()`` after start-up
moves them to a permanent generation the collector never scans again; requests'
garbage is collected as before.

Django imports the URL conf — and with it every view, serializer and form module — at
the first request, after the freeze: ~28,000 more objects the collector kept walking
(~10 ms a full collection).  The start-up therefore imports it first.  And an API
answer's data is freed with the answer rather than left to the collector
(:class:`ReleaseApiAnswerMiddleware`).
"""

from __future__ import annotations

import gc


def warm_up() -> None:
    """Build now what the first request would build and keep for the worker's life: the
    URL resolver (importing every view behind it) and each language's catalogue."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().reverse_dict  # noqa: B018 - populates the resolver
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Guests")


def freeze_startup_heap() -> int:
    """Warm up, collect once, then freeze what is left (the start-up heap).  Returns how
    many objects were frozen."""
    warm_up()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class ReleaseApiAnswerMiddleware:
    """Let an API answer's data go when the answer goes.

    DRF leaves every answer in reference cycles: the view keeps ``view.response`` and the
    renderer context keeps ``context["response"]`` (both pointing back at the response),
    so ``response.data`` — 500 arrivals are ~25,000 dicts, lists and strings — outlives
    the request until the cyclic collector finds it, after it has been promoted to the
    oldest generation: a full collection of 30-60 ms in one request out of twenty-five.
    Once the answer is rendered nothing reads those two links; cut, the data is freed by
    reference counting as soon as the server drops the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        context = getattr(response, "renderer_context", None)
        if isinstance(context, dict) and getattr(response, "is_rendered", False):
            if context.get("response") is response:
                del context["response"]
            view = context.get("view")
            if view is not None and view.__dict__.get("response") is response:
                del view.response
        return response
