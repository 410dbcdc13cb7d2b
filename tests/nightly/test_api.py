"""/api/v1/nightly-runs/: chain administrators read the run table and rerun a date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from nightly import services
from nightly.models import NightlyRun
from tests.analytics.factories import AS_OF

from .conftest import STEP_NAMES

pytestmark = pytest.mark.django_db
URL = "/api/v1/nightly-runs/"
ROLES = ["front_desk", "guest_relations", "sales_manager", "integrator", "integrator_readonly"]


@pytest.fixture
def runs(guests_with_stays, django_capture_on_commit_callbacks):
    made = []
    for days in (2, 1):
        run = services.nightly_run_request(as_of=AS_OF - dt.timedelta(days=days), trigger="command")
        made.append(services.nightly_run_execute(run=run))
    return made


@pytest.mark.parametrize("role", ROLES)
def test_only_chain_admins_read_or_rerun(request, api, runs, role):
    client = api.as_user(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{runs[0].pk}/").status_code == 403
    assert client.post(URL, {"as_of": AS_OF.isoformat()}, format="json").status_code == 403
    assert NightlyRun.objects.count() == 2


def test_anonymous_is_refused(api, runs):
    assert api.get(URL).status_code in (401, 403)
    assert api.post(URL, {}, format="json").status_code in (401, 403)


def test_list_and_detail_show_every_step(api, chain_admin, runs, django_assert_num_queries):
    client = api.as_user(chain_admin)
    with django_assert_num_queries(5):  # permissions (2), count, runs, steps: fixed whatever the runs
        body = client.get(URL).json()
    assert body["count"] == 2
    newest = body["results"][0]
    assert newest["as_of"] == (AS_OF - dt.timedelta(days=1)).isoformat()
    assert newest["status"] == "completed" and newest["trigger"] == "command"
    assert [s["name"] for s in newest["steps"]] == STEP_NAMES
    assert all(s["status"] == "completed" and s["duration_ms"] is not None for s in newest["steps"])
    assert newest["steps"][2]["counts"]["guests"] == 3
    detail = client.get(f"{URL}{runs[0].pk}/").json()
    assert detail["id"] == runs[0].pk and detail["steps"][0]["label"] == "Requalify tiers"
    assert client.get(f"{URL}?status=failed").json()["count"] == 0
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.get(f"{URL}abc/").status_code == 404


def test_a_chain_admin_reruns_a_date(api, chain_admin, runs, django_capture_on_commit_callbacks):
    client = api.as_user(chain_admin)
    day = (AS_OF - dt.timedelta(days=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"as_of": day}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["as_of"] == day and body["trigger"] == "request" and body["requested_by"] == chain_admin.username
    assert NightlyRun.objects.filter(as_of=day).count() == 1
    assert NightlyRun.objects.get(as_of=day).pk == body["id"] != runs[1].pk
    assert NightlyRun.objects.get(pk=body["id"]).status == "completed"  # the steps ran (inline in tests)


def test_a_rerun_defaults_to_today(api, chain_admin, guests_with_stays):
    response = api.as_user(chain_admin).post(URL, {}, format="json")
    assert response.status_code == 202
    assert response.json()["as_of"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    "body, code",
    [
        ({"as_of": "2026-13-01"}, "invalid_date"),
        ({"as_of": "tomorrow"}, "invalid_date"),
        ({"as_of": "1899-12-31"}, "date_out_of_range"),
        ({"as_of": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "future_date"),
        ({"as_of": "x" * 40}, "invalid"),
        ({"as_of": ["2026-01-01"]}, "invalid"),
    ],
)
def test_a_bad_date_is_a_400_naming_the_field(api, chain_admin, body, code):
    response = api.as_user(chain_admin).post(URL, body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert "as_of" in payload["errors"] and payload["code"] == code
    assert not NightlyRun.objects.exists()


def test_a_json_array_body_is_a_400(api, chain_admin):
    response = api.as_user(chain_admin).post(URL, ["2026-01-01"], format="json")
    assert response.status_code == 400
    assert not NightlyRun.objects.exists()


def test_a_rerun_of_a_date_in_flight_is_a_409(api, chain_admin, guests_with_stays):
    run = services.nightly_run_request(as_of=AS_OF, trigger="schedule")
    response = api.as_user(chain_admin).post(URL, {"as_of": AS_OF.isoformat()}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "run_in_progress"
    assert NightlyRun.objects.get().pk == run.pk


def test_runs_cannot_be_changed_or_deleted(api, chain_admin, runs):
    client = api.as_user(chain_admin)
    # No update or delete route: refused whatever the permissions (403 before 405).
    assert client.patch(f"{URL}{runs[0].pk}/", {"status": "failed"}, format="json").status_code in (403, 405)
    assert client.delete(f"{URL}{runs[0].pk}/").status_code in (403, 405)
    assert NightlyRun.objects.filter(status="completed").count() == 2
