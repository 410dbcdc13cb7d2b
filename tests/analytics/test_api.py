"""/api/v1/analytics/: runs, pyramid, pareto — permissions, shapes, errors, query counts."""

import datetime as dt

import pytest

from analytics import services
from tests.analytics.factories import AS_OF, SegmentationRunFactory, chain, guests, stay
from tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/v1/analytics/runs/", "/api/v1/analytics/pyramid/", "/api/v1/analytics/pareto/"]


@pytest.fixture
def segmented(hotel, other_hotel):
    """Two hotels, five active guests, an inactive one and a prospect, two runs."""
    a, b, c, d, e, inactive, _prospect = guests(7)
    stay(a, 500, prop=hotel, departed=10)
    stay(b, 300, prop=other_hotel, departed=10)
    stay(c, 300, prop=hotel, departed=10)
    stay(d, 100, prop=hotel, departed=5)
    stay(e, 50, prop=other_hotel, departed=10)
    stay(inactive, 80, prop=hotel, departed=1000)
    earlier = services.segmentation_run(as_of=AS_OF - dt.timedelta(days=7))
    current = services.segmentation_run(as_of=AS_OF)
    return {"earlier": earlier, "current": current, "guests": (a, b, c, d, e)}


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    "role, status",
    [
        ("front_desk", 403),
        ("guest_relations", 403),
        ("sales_manager", 200),
        ("chain_admin", 200),
        ("integrator", 200),
        ("integrator_readonly", 200),
    ],
)
def test_permissions(request, api, segmented, url, role, status):
    user = request.getfixturevalue(role)
    assert api.as_user(user).get(url).status_code == status


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_is_refused(api, segmented, url):
    assert api.get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_runs_are_read_only(api, segmented, chain_admin, url):
    assert api.as_user(chain_admin).post(url, {}).status_code == 405


def test_pyramid_of_the_current_run(api, sales_manager, segmented):
    response = api.as_user(sales_manager).get("/api/v1/analytics/pyramid/")
    assert response.status_code == 200
    body = response.json()
    assert body["run"] == segmented["current"].pk and body["property"] is None
    assert body["as_of"] == AS_OF.isoformat()
    assert (body["active_guests"], body["inactive"], body["prospects"]) == (5, 1, 1)
    assert body["total_revenue"] == "1250.00"
    by_code = {s["code"]: s for s in body["segments"]}
    assert [s["code"] for s in body["segments"]] == ["vip", "major", "ordinary", "small"]
    assert by_code["vip"] == {
        "code": "vip",
        "label": "VIP",
        "cut_percent": 1.0,
        "count": 1,
        "guest_share": 0.2,
        "revenue": "500.00",
        "revenue_share": 0.4,
        "min_revenue": "500.00",
        "max_revenue": "500.00",
    }
    assert by_code["small"]["count"] == 4 and by_code["small"]["min_revenue"] == "50.00"
    assert by_code["major"]["count"] == 0 and by_code["major"]["min_revenue"] is None


def test_pyramid_of_a_property_and_of_an_earlier_run(api, sales_manager, segmented, hotel):
    client = api.as_user(sales_manager)
    body = client.get("/api/v1/analytics/pyramid/", {"property": "lis"}).json()
    assert body["property"] == "LIS" and body["active_guests"] == 3 and body["total_revenue"] == "900.00"
    assert body["inactive"] == 1 and body["prospects"] is None
    earlier = client.get("/api/v1/analytics/pyramid/", {"run": segmented["earlier"].pk}).json()
    assert earlier["run"] == segmented["earlier"].pk
    assert earlier["as_of"] == (AS_OF - dt.timedelta(days=7)).isoformat()


def test_pyramid_of_a_property_without_stays_is_empty(api, sales_manager, segmented):
    PropertyFactory(code="OPO")
    body = api.as_user(sales_manager).get("/api/v1/analytics/pyramid/", {"property": "OPO"}).json()
    assert body["active_guests"] == 0 and all(s["count"] == 0 for s in body["segments"])


def test_pareto(api, sales_manager, segmented):
    body = api.as_user(sales_manager).get("/api/v1/analytics/pareto/").json()
    assert body["top_guests"] == 1 and body["top_share_percent"] == 20
    assert body["top20_share"] == pytest.approx(500 / 1250, abs=1e-9)
    ascending = [50, 100, 300, 300, 500]
    gini = 2 * sum(i * x for i, x in enumerate(ascending, start=1)) / (5 * 1250) - 6 / 5
    assert body["gini"] == pytest.approx(gini, abs=1e-9)
    assert len(body["lorenz"]) == 101 and body["lorenz"][0] == [0.0, 0.0] and body["lorenz"][-1] == [1.0, 1.0]
    assert [p["run"] for p in body["trend"]] == [segmented["earlier"].pk, segmented["current"].pk]
    assert body["trend"][-1]["segment_counts"] == {"vip": 1, "major": 0, "ordinary": 0, "small": 4}

    hotel_body = api.get("/api/v1/analytics/pareto/", {"property": "ALG"}).json()
    assert hotel_body["property"] == "ALG"
    assert hotel_body["top20_share"] == pytest.approx(300 / 350, abs=1e-9)
    assert len(hotel_body["trend"]) == 2


@pytest.mark.parametrize("url", ENDPOINTS[1:])
@pytest.mark.parametrize(
    "params, field",
    [({"property": "NOPE"}, "property"), ({"run": "abc"}, "run"), ({"run": "999999"}, "run")],
)
def test_bad_parameters_name_the_field(api, sales_manager, segmented, url, params, field):
    response = api.as_user(sales_manager).get(url, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("url", ENDPOINTS[1:])
def test_a_failed_run_cannot_be_asked_for(api, sales_manager, segmented, url):
    failed = SegmentationRunFactory(as_of=AS_OF - dt.timedelta(days=2))
    response = api.as_user(sales_manager).get(url, {"run": failed.pk})
    assert response.status_code == 400 and "run" in response.json()["errors"]


@pytest.mark.parametrize("url", ENDPOINTS[1:])
def test_no_run_yet_is_404(api, sales_manager, url):
    response = api.as_user(sales_manager).get(url)
    assert response.status_code == 404
    assert "run" in response.json()["errors"]


def test_runs_list_and_detail(api, sales_manager, segmented):
    SegmentationRunFactory(as_of=AS_OF - dt.timedelta(days=3), error="boom")
    client = api.as_user(sales_manager)
    body = client.get("/api/v1/analytics/runs/").json()
    assert body["count"] == 3
    assert [r["as_of"] for r in body["results"]][0] == AS_OF.isoformat()
    completed = client.get("/api/v1/analytics/runs/", {"status": "completed"}).json()
    assert completed["count"] == 2
    current = client.get("/api/v1/analytics/runs/", {"is_current": "true"}).json()["results"]
    assert [r["id"] for r in current] == [segmented["current"].pk]
    detail = client.get(f"/api/v1/analytics/runs/{segmented['current'].pk}/").json()
    assert detail["segment_counts"]["small"] == 4
    assert detail["previous_run"] == segmented["earlier"].pk
    assert detail["migration"]["from_as_of"] == (AS_OF - dt.timedelta(days=7)).isoformat()
    assert detail["parameters"]["cuts"] == {"vip": 1, "major": 4, "ordinary": 15, "small": 80}
    assert detail["duration_ms"] >= 0 and detail["status"] == "completed"


def _warm(user):
    user.has_perm("analytics.view_dashboard")  # permission cache, loaded once per request user


def test_query_counts_are_fixed(api, sales_manager, segmented, django_assert_num_queries):
    client = api.as_user(sales_manager)
    _warm(sales_manager)
    with django_assert_num_queries(2):  # current run, figure
        assert client.get("/api/v1/analytics/pyramid/").status_code == 200
    with django_assert_num_queries(3):  # property, run, figure
        assert client.get("/api/v1/analytics/pyramid/", {"property": "LIS"}).status_code == 200
    with django_assert_num_queries(3):  # current run, figure, trend
        assert client.get("/api/v1/analytics/pareto/").status_code == 200
    with django_assert_num_queries(2):  # count, page
        assert client.get("/api/v1/analytics/runs/").status_code == 200


def test_query_counts_do_not_grow_with_guests_or_runs(api, sales_manager, hotel, django_assert_num_queries):
    chain([100 * (i + 1) for i in range(60)], prop=hotel)
    for days in (3, 2, 1, 0):
        services.segmentation_run(as_of=AS_OF - dt.timedelta(days=days))
    client = api.as_user(sales_manager)
    _warm(sales_manager)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/analytics/pareto/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/api/v1/analytics/runs/").status_code == 200


def test_openapi_schema_documents_the_endpoints(api, chain_admin):
    content = api.as_user(chain_admin).get("/api/schema/").content
    for path in (b"/api/v1/analytics/pyramid/", b"/api/v1/analytics/pareto/", b"/api/v1/analytics/runs/"):
        assert path in content
