"""The "Nightly jobs" page and the read-only admin."""

from __future__ import annotations

import datetime as dt

import pytest

from nightly import services
from nightly.models import NightlyRun
from tests.analytics.factories import AS_OF
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_run(guests_with_stays, monkeypatch):
    from analytics.services import storage

    monkeypatch.setattr(storage, "write_figures", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    run = services.nightly_run_request(as_of=AS_OF, trigger="command")
    return services.nightly_run_execute(run=run)


@pytest.mark.parametrize("role", ["front_desk", "guest_relations", "sales_manager", "integrator"])
def test_only_chain_admins_see_the_page(request, client, role, failed_run):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/nightly/").status_code == 403
    assert client.get(f"/nightly/{failed_run.pk}/").status_code == 403
    assert client.post("/nightly/rerun/", {"as_of": AS_OF.isoformat()}).status_code == 403


def test_the_page_lists_runs_with_their_steps(client, chain_admin, failed_run):
    client.force_login(chain_admin)
    page = client.get("/nightly/").content.decode()
    assert AS_OF.isoformat() in page and "Failed" in page
    assert "Customer pyramid: Failed" in page and "Churn scan: Skipped" in page
    assert 'data-testid="rerun-form"' in page
    assert "Nightly jobs" in client.get("/guests/").content.decode()  # in the menu
    detail = client.get(f"/nightly/{failed_run.pk}/").content.decode()
    assert "OSError: disk full" in detail and '<span class="muted">expired points</span> 0' in detail
    assert client.get("/nightly/999999/").status_code == 404


def test_a_chain_admin_reruns_a_date_from_the_page(
    client, chain_admin, failed_run, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.undo()  # the disk has room again
    client.force_login(chain_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/nightly/rerun/", {"as_of": AS_OF.isoformat()})
    run = NightlyRun.objects.get(as_of=AS_OF)
    assert response.status_code == 302 and response["Location"] == f"/nightly/{run.pk}/"
    assert run.pk != failed_run.pk and run.requested_by == chain_admin and run.trigger == "request"
    assert run.status == "completed"


@pytest.mark.parametrize(
    "as_of, message",
    [
        ("2026-02-30", "Enter a valid date"),
        ((dt.date.today() + dt.timedelta(days=3)).isoformat(), "cannot be in the future"),
    ],
)
def test_a_bad_date_on_the_page_is_shown_on_the_form(client, chain_admin, as_of, message):
    client.force_login(chain_admin)
    response = client.post("/nightly/rerun/", {"as_of": as_of})
    assert response.status_code == 400 and message in response.content.decode()
    assert not NightlyRun.objects.exists()


def test_a_rerun_of_a_date_in_flight_is_refused_on_the_page(client, chain_admin, guests_with_stays):
    services.nightly_run_request(as_of=AS_OF, trigger="schedule")
    client.force_login(chain_admin)
    response = client.post("/nightly/rerun/", {"as_of": AS_OF.isoformat()})
    assert response.status_code == 409 and "still in progress" in response.content.decode()


def test_the_admin_is_read_only(client, failed_run):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/nightly/nightlyrun/").status_code == 200
    page = client.get(f"/admin/nightly/nightlyrun/{failed_run.pk}/change/")
    assert page.status_code == 200 and "OSError: disk full" in page.content.decode()
    assert client.get("/admin/nightly/nightlyrun/add/").status_code == 403
    client.post(f"/admin/nightly/nightlyrun/{failed_run.pk}/delete/", {"post": "yes"})
    assert NightlyRun.objects.filter(pk=failed_run.pk).exists()


def test_the_page_speaks_simplified_chinese(client, chain_admin, failed_run):
    client.force_login(chain_admin)
    page = client.get(f"/nightly/{failed_run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "客户金字塔" in page and "已跳过" in page and "重新运行此日期" in page
