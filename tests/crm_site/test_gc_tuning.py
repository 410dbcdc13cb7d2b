"""The web worker's garbage collector: the start-up heap (URL conf and views included)
frozen, and an API answer's data freed by reference counting, not by the collector."""

import gc
import sys
import weakref

import pytest
from rest_framework.test import APIClient

from crm_site import gc_tuning
from tests.crm_site.test_checks import PRODUCTION, _start

pytestmark = pytest.mark.django_db


def test_the_wsgi_start_up_freezes_the_heap_with_the_url_conf_imported():
    probe = (
        "import gc, sys; import crm_site.wsgi; from django.conf import settings; "
        "print(gc.get_freeze_count(), settings.ROOT_URLCONF in sys.modules, 'guests.api.views' in sys.modules)"
    )
    result = _start(
        [sys.executable, "-c", probe],
        **PRODUCTION,
        CACHE_URL="redis://127.0.0.1:6379/1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    frozen, urls, views = result.stdout.split()
    assert int(frozen) > 100_000
    assert (urls, views) == ("True", "True")


def test_freeze_returns_the_count_and_leaves_the_url_conf_warm():
    try:
        frozen = gc_tuning.freeze_startup_heap()
        assert frozen == gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


class _Tracked(dict):
    """A dict that can be watched by a weak reference."""


def test_an_api_answers_data_dies_with_the_answer(chain_admin, monkeypatch):
    from guests.api import views

    seen = []
    original = views.GuestViewSet.retrieve

    def retrieve(self, request, *args, **kwargs):
        response = original(self, request, *args, **kwargs)
        response.data = _Tracked(response.data)
        seen.append(weakref.ref(response.data))
        return response

    monkeypatch.setattr(views.GuestViewSet, "retrieve", retrieve)
    from tests.factories import GuestFactory

    guest = GuestFactory()
    client = APIClient()
    client.force_authenticate(chain_admin)
    gc.disable()
    try:
        response = client.get(f"/api/v1/guests/{guest.pk}/")
        assert response.status_code == 200
        response.__dict__.pop("json", None)  # the test client's own cycle (response <-> json())
        del response
        assert seen[0]() is None  # freed without a collection
    finally:
        gc.enable()
