"""Profiling opt-outs and consent in segmentation and its exports."""

import csv
import io

import pytest
from django.urls import reverse

from analytics import services
from analytics.models import GuestSegment
from guests import services as guest_services
from guests.models import AuditEvent
from tests.analytics.factories import AS_OF, guests, stay

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def ranked(hotel):
    """Three spenders: the biggest opted out of profiling, the second was erased."""
    top, erased, plain = guests(3)
    for guest, revenue in ((top, 9000), (erased, 5000), (plain, 100)):
        stay(guest, revenue, prop=hotel)
    guest_services.consent_record(guest_id=top.pk, data={"purpose": "profiling", "granted": False, "source": "letter"})
    guest_services.guest_erase(guest_id=erased.pk, reference="DSR-1")
    return {"top": top, "erased": erased, "plain": plain}


def test_opted_out_guests_are_left_out_of_the_run_and_counted_apart(ranked):
    run = services.segmentation_run(as_of=AS_OF)

    segmented = set(GuestSegment.objects.filter(run=run).values_list("guest_id", flat=True))
    assert ranked["top"].pk not in segmented  # never ranked "VIP"
    assert {ranked["erased"].pk, ranked["plain"].pk} <= segmented  # an anonymous profile keeps its revenue in
    assert run.opted_out_count == 1
    assert run.active_count == 2 and str(run.total_revenue) == "5100.00"


def test_the_dashboard_and_the_api_show_the_opted_out_count(client, api, sales_manager, ranked):
    run = services.segmentation_run(as_of=AS_OF)
    client.force_login(sales_manager)
    page = client.get("/analytics/").content.decode()
    assert 'data-testid="opted-out">1<' in page
    response = api.as_user(sales_manager).get(f"/api/v1/analytics/runs/{run.pk}/")
    assert response.json()["opted_out_count"] == 1


def test_the_command_reports_the_opted_out_guests(ranked):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("run_segmentation", "--as-of", AS_OF.isoformat(), stdout=out)
    assert "1 left out (opted out of profiling)" in out.getvalue()


def test_the_guest_export_carries_only_guests_who_accept_marketing_e_mails_now(client, sales_manager, hotel):
    consenting, silent, withdrew, opted_out_since = guests(4)
    for number, guest in enumerate((consenting, silent, withdrew, opted_out_since)):
        stay(guest, 100 + number, prop=hotel)
    for guest in (consenting, withdrew, opted_out_since):
        guest_services.consent_record(
            guest_id=guest.pk, data={"purpose": "marketing_email", "granted": True, "source": "web"}
        )
    run = services.segmentation_run(as_of=AS_OF)
    guest_services.consent_record(
        guest_id=withdrew.pk, data={"purpose": "marketing_email", "granted": False, "source": "unsubscribe"}
    )
    guest_services.consent_record(
        guest_id=opted_out_since.pk, data={"purpose": "profiling", "granted": False, "source": "letter"}
    )
    client.force_login(sales_manager)

    response = client.get(reverse("analytics:export", args=["guests"]), {"segment": "vip,major,ordinary,small"})

    data = rows_of(response)
    assert [int(row[1]) for row in data[1:]] == [consenting.pk]
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.target, event.details["rows"]) == (sales_manager, "export:analytics:guests", 1)
    assert event.details["run"] == run.pk and event.details["segment"] == "vip,major,ordinary,small"


def test_every_analytics_export_is_audited(client, sales_manager, ranked):
    services.segmentation_run(as_of=AS_OF)
    client.force_login(sales_manager)
    for table in ("pyramid", "lorenz", "pareto", "trend", "migration", "runs"):
        assert client.get(reverse("analytics:export", args=[table])).status_code == 200
    audited = dict(AuditEvent.objects.filter(action="export").values_list("target", "details__rows"))
    assert set(audited) == {
        f"export:analytics:{t}" for t in ("pyramid", "lorenz", "pareto", "trend", "migration", "runs")
    }
    assert audited["export:analytics:runs"] == 1 and audited["export:analytics:pyramid"] == 7


def test_an_export_without_permission_is_refused_and_audited(client, front_desk, ranked):
    client.force_login(front_desk)
    response = client.get(reverse("analytics:export", args=["guests"]), {"segment": "vip"})
    assert response.status_code == 403
    denied = AuditEvent.objects.get(action="denied")
    assert (denied.actor, denied.target, denied.details["permission"]) == (
        front_desk,
        "export:analytics",
        "analytics.view_dashboard, guests.view_revenue",
    )
    assert "/analytics/export/guests.csv" in denied.details["path"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_anonymous_export_goes_to_the_login_page(client):
    response = client.get(reverse("analytics:export", args=["pyramid"]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not AuditEvent.objects.exists()
