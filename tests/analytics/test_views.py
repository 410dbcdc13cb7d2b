"""Dashboard pages, drill-down, CSV exports and the guest 360 section."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from analytics import services
from guests.models import Guest
from tests.analytics.factories import AS_OF, chain, guests, stay

pytestmark = pytest.mark.django_db

DASHBOARD = "/analytics/"


@pytest.fixture
def two_runs(hotel, other_hotel):
    people = chain([1000 - i for i in range(60)], prop=hotel)  # 1 VIP, 2 Major, 9 Ordinary, 48 Small
    stay(people[0], 700, prop=other_hotel)
    earlier = services.segmentation_run(as_of=AS_OF - dt.timedelta(days=2))
    stay(people[59], 9000, prop=hotel, departed=1)  # the last guest becomes the VIP
    current = services.segmentation_run(as_of=AS_OF)
    return {"people": people, "earlier": earlier, "current": current}


def login(client, user):
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    if response.streaming:
        text = b"".join(response.streaming_content).decode()
    else:
        text = response.content.decode()
    return list(csv.reader(io.StringIO(text)))


def test_dashboard_shows_the_charts_and_figures(client, sales_manager, two_runs):
    response = login(client, sales_manager).get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    for testid in (
        "pyramid-chart",
        "lorenz-chart",
        "shares-chart",
        "trend-chart",
        "migration-matrix",
        "property-figures",
        "segment-table",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert "<script" not in html.split("<main>")[1]  # charts are plain SVG
    pyramid = response.context["pyramid"]
    assert [s["count"] for s in pyramid["segments"]] == [1, 2, 9, 48]
    migration = response.context["migration"]
    assert migration["matrix"]["small"]["vip"] == 1


def test_dashboard_for_a_hotel_and_an_earlier_run(client, sales_manager, two_runs):
    client = login(client, sales_manager)
    response = client.get(DASHBOARD, {"property": "ALG", "run": two_runs["earlier"].pk})
    assert response.status_code == 200
    assert response.context["pyramid"]["active_guests"] == 1
    assert response.context["run"] == two_runs["earlier"]
    assert response.context["migration"] is None


def test_dashboard_reports_bad_parameters_and_falls_back(client, sales_manager, two_runs):
    response = login(client, sales_manager).get(DASHBOARD, {"property": "XXX", "run": "abc"})
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("property" in m.lower() for m in messages) and any("run" in m.lower() for m in messages)
    assert response.context["run"] == two_runs["current"]


def test_dashboard_without_a_run(client, sales_manager):
    response = login(client, sales_manager).get(DASHBOARD)
    assert response.status_code == 200
    assert 'data-testid="no-run"' in response.content.decode()


@pytest.mark.parametrize("role", ["front_desk", "guest_relations"])
def test_front_desk_is_refused(request, client, role, two_runs):
    user = request.getfixturevalue(role)
    client = login(client, user)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("analytics:segment-guests", args=["vip"])).status_code == 403
    assert client.get(reverse("analytics:export", args=["pyramid"])).status_code == 403
    assert client.get(reverse("analytics:runs")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_menu_shows_the_dashboard_to_sales_managers_only(client, sales_manager, front_desk):
    assert (
        reverse("analytics:dashboard") in login(client, sales_manager).get(reverse("analytics:runs")).content.decode()
    )
    client.logout()
    page = login(client, front_desk).get(reverse("guests:search")).content.decode()
    assert reverse("analytics:dashboard") not in page


def test_dashboard_query_count_does_not_grow_with_guests(client, sales_manager, hotel, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chain([100, 50], prop=hotel)
    services.segmentation_run(as_of=AS_OF - dt.timedelta(days=1))
    client = login(client, sales_manager)
    with CaptureQueriesContext(connection) as small:
        client.get(DASHBOARD)
    chain([10 * i for i in range(1, 80)], prop=hotel)
    services.segmentation_run(as_of=AS_OF)
    with CaptureQueriesContext(connection) as large:
        client.get(DASHBOARD)
    assert len(large) == len(small) <= 12


def test_drill_down_lists_a_segment_paginated(client, sales_manager, two_runs):
    client = login(client, sales_manager)
    url = reverse("analytics:segment-guests", args=["small"])
    first = client.get(url)
    assert first.status_code == 200
    page = first.context["page"]
    assert page.paginator.count == 48 and len(page.object_list) == 48
    ranks = [row.rank for row in page.object_list]
    assert ranks == sorted(ranks) and ranks[0] == 13
    vip = client.get(reverse("analytics:segment-guests", args=["vip"]))
    assert [r.guest_id for r in vip.context["page"].object_list] == [two_runs["people"][59].pk]


def test_drill_down_pages_through_long_lists(client, sales_manager, hotel):
    chain([5] * 120, prop=hotel)
    services.segmentation_run(as_of=AS_OF)
    client = login(client, sales_manager)
    url = reverse("analytics:segment-guests", args=["small"])
    second = client.get(url, {"page": 2})
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 46
    assert "page=1" in second.content.decode() and second.context["page"].paginator.num_pages == 2


def test_drill_down_into_a_migration_cell(client, sales_manager, two_runs):
    client = login(client, sales_manager)
    url = reverse("analytics:segment-guests", args=["vip"])
    moved = client.get(url, {"run": two_runs["current"].pk, "from": "small"})
    assert [r.guest_id for r in moved.context["page"].object_list] == [two_runs["people"][59].pk]
    stayed = client.get(url, {"run": two_runs["current"].pk, "from": "vip"})
    assert list(stayed.context["page"].object_list) == []


def test_unknown_segment_is_404(client, sales_manager, two_runs):
    assert login(client, sales_manager).get("/analytics/segments/gold/").status_code == 404


def test_run_history_page(client, sales_manager, two_runs):
    response = login(client, sales_manager).get(reverse("analytics:runs"))
    assert response.status_code == 200
    assert 'data-testid="runs"' in response.content.decode()
    assert [r.pk for r in response.context["page"].object_list] == [two_runs["current"].pk, two_runs["earlier"].pk]


@pytest.mark.parametrize(
    "table, params, first_cell, rows",
    [
        ("pyramid", {}, "segment", 1 + 4 + 3),  # ranked, then inactive, prospect, booked
        ("pyramid", {"property": "ALG"}, "segment", 1 + 4 + 1),
        ("lorenz", {}, "share of guests (poorest first)", 1 + 101),
        ("pareto", {}, "property", 1 + 1 + 2),
        ("trend", {}, "as of", 1 + 2),
        ("migration", {}, "from \\ to", None),
        ("runs", {}, "run", 1 + 2),
        ("guests", {"segment": "ordinary"}, "rank", 1 + 9),
        ("guests", {"segment": "vip,major"}, "rank", 1 + 3),
    ],
)
def test_every_table_exports_to_csv(client, sales_manager, two_runs, table, params, first_cell, rows):
    Guest.objects.update(marketing_email_consent=True)  # the guest list exports contactable guests only
    response = login(client, sales_manager).get(reverse("analytics:export", args=[table]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    data = csv_rows(response)
    assert data[0][0] == first_cell
    if rows is not None:
        assert len(data) == rows


def test_guest_export_streams_and_matches_the_pyramid(client, sales_manager, two_runs):
    Guest.objects.update(marketing_email_consent=True)
    response = login(client, sales_manager).get(reverse("analytics:export", args=["guests"]), {"segment": "small"})
    assert response.streaming
    data = csv_rows(response)
    assert [int(r[0]) for r in data[1:]] == list(range(13, 61))
    assert {r[4] for r in data[1:]} == {"small"}


def test_csv_cells_cannot_run_as_formulas(client, sales_manager, hotel):
    (guest,) = guests(1)
    guest.family_name_latin, guest.given_name_latin = "=HYPERLINK(1)", ""
    guest.marketing_email_consent = True
    guest.save()
    stay(guest, 100, prop=hotel)
    services.segmentation_run(as_of=AS_OF)
    data = csv_rows(login(client, sales_manager).get(reverse("analytics:export", args=["guests"]), {"segment": "vip"}))
    assert data[1][2] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    "table, params, status",
    [
        ("nothing", {}, 404),
        ("guests", {"segment": "gold"}, 400),
        ("pyramid", {"property": "XX"}, 400),
        ("pyramid", {"run": "0"}, 400),
    ],
)
def test_export_errors(client, sales_manager, two_runs, table, params, status):
    response = login(client, sales_manager).get(f"/analytics/export/{table}.csv", params)
    assert response.status_code == status


# --- the guest 360 page and badges -------------------------------------------------------


def test_guest_page_shows_segment_figures_to_dashboard_users(client, sales_manager, two_runs):
    vip = two_runs["people"][59]
    response = login(client, sales_manager).get(reverse("guests:detail", args=[vip.pk]))
    html = response.content.decode()
    assert 'data-testid="guest-segment"' in html
    section = next(s for s in response.context["profile"].sections if s["key"] == "analytics")
    current = section["data"]["current"]
    assert (current["segment"], current["rank"], current["active_guests"]) == ("vip", 1, 60)
    assert current["revenue"] == "9941.00"
    assert [h["segment"] for h in section["data"]["history"]] == ["vip", "small"]


def test_front_desk_sees_the_badge_but_not_the_figures(client, front_desk, two_runs):
    vip = two_runs["people"][59]
    response = login(client, front_desk).get(reverse("guests:detail", args=[vip.pk]))
    html = response.content.decode()
    assert 'data-testid="guest-segment"' not in html
    assert '<span class="badge segment">VIP</span>' in html


def test_profile_api_includes_the_section(api, sales_manager, front_desk, two_runs):
    vip = two_runs["people"][59]
    body = api.as_user(sales_manager).get(f"/api/v1/guests/{vip.pk}/profile/").json()
    assert body["sections"]["analytics"]["current"]["segment"] == "vip"
    assert {"label": "VIP", "kind": "segment"} in body["badges"]
    desk = api.as_user(front_desk).get(f"/api/v1/guests/{vip.pk}/profile/").json()
    assert "analytics" not in desk["sections"]
    assert {"label": "VIP", "kind": "segment"} in desk["badges"]


def test_badges_one_query_for_many_guests(two_runs, django_assert_num_queries):
    from analytics.guest_sections import segment_badges

    ids = [g.pk for g in two_runs["people"]]
    with django_assert_num_queries(1):
        badges = segment_badges(ids)
    assert len(badges) == 12  # VIP, Major and Ordinary only: small guests get no badge
    assert badges[two_runs["people"][59].pk][0].kind == "segment"


def test_guest_section_is_one_query(two_runs, sales_manager, django_assert_num_queries):
    from analytics.selectors import guest_segment_profile

    sales_manager.has_perm("analytics.view_dashboard")  # a request has read the viewer's permissions
    with django_assert_num_queries(1):
        data = guest_segment_profile(two_runs["people"][0], sales_manager)
    assert data["current"]["segment"] == "major"


def test_guest_never_segmented(sales_manager, hotel):
    from analytics.selectors import guest_segment_profile

    (guest,) = guests(1)
    assert guest_segment_profile(guest, sales_manager) == {"current": None, "history": []}
