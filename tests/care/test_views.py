"""Pages: worklist, a warning, lost guests, care list, surveys, the guest 360 section."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care.models import CareTask, ChurnWarning, ContactLog, StaySurvey
from crm_site import roles
from tests.factories import GuestFactory, StayFactory, UserFactory

from .factories import CareTaskFactory, ChurnWarningFactory, StaySurveyFactory


def page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_worklist_ordered_by_score_with_reasons(client, sales_manager, hotel):
    low = ChurnWarningFactory(score=20, guest__family_name_latin="Lowscore", last_property=hotel)
    high = ChurnWarningFactory(score=80, guest__family_name_latin="Highscore", guest__marketing_email_consent=True)
    client.force_login(sales_manager)
    response = client.get(reverse("care:worklist"))
    html = response.content.decode()
    assert html.index("Highscore") < html.index("Lowscore")
    days = (dt.date.today() - dt.date(2024, 5, 3)).days  # the factory's last departure
    assert f"No stay for {days} days since the last departure on 2024-05-03" in html
    assert "do not contact" in html
    response = client.get(reverse("care:worklist"), {"property": hotel.code})
    assert "Lowscore" in response.content.decode() and "Highscore" not in response.content.decode()
    assert high and low


def test_worklist_query_count_is_fixed(client, sales_manager):
    client.force_login(sales_manager)
    ChurnWarningFactory.create_batch(2)
    few, _ = page_queries(client, reverse("care:worklist"))
    ChurnWarningFactory.create_batch(15)
    many, _ = page_queries(client, reverse("care:worklist"))
    assert few == many


def test_worklist_is_for_sales(client, front_desk, hotel):
    client.force_login(front_desk)
    assert client.get(reverse("care:worklist")).status_code == 403
    seller = UserFactory(username="seller", roles=[roles.FRONT_DESK], properties=[hotel])
    seller.staff_profile.is_salesperson = True
    seller.staff_profile.save()
    mine = ChurnWarningFactory(assigned_to=seller, guest__family_name_latin="Assigned", last_property=hotel)
    ChurnWarningFactory(guest__family_name_latin="Someoneelse", last_property=hotel)
    client.force_login(seller)
    html = client.get(reverse("care:worklist")).content.decode()
    assert "Assigned" in html and "Someoneelse" not in html
    assert client.get(reverse("care:warning-detail", args=[mine.pk])).status_code == 200


def test_record_outcome_from_the_page(client, sales_manager):
    warning = ChurnWarningFactory()
    client.force_login(sales_manager)
    url = reverse("care:warning-outcome", args=[warning.pk])
    response = client.post(url, {"outcome": "lost", "competitor": "Rival"})
    assert response.status_code == 400
    assert response.context["outcome_form"].errors["lost_reason"]
    warning.refresh_from_db()
    assert warning.is_open
    response = client.post(url, {"outcome": "won_back", "note": "Booked for May"})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert (warning.status, warning.outcome, warning.outcome_note) == ("closed", "won_back", "Booked for May")
    guest_page = client.get(reverse("guests:detail", args=[warning.guest_id])).content.decode()
    assert "Churn warning: Won back" in guest_page
    assert "Booked for May" in guest_page


def test_assign_from_the_page(client, sales_manager, front_desk):
    warning = ChurnWarningFactory()
    client.force_login(sales_manager)
    url = reverse("care:warning-assign", args=[warning.pk])
    response = client.post(url, {"assignee": front_desk.pk})
    assert response.status_code == 400
    assert "sales managers or salespeople" in str(response.context["assign_form"].errors["assignee"])
    response = client.post(url, {"assignee": sales_manager.pk})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.assigned_to == sales_manager
    assert ContactLog.objects.get(guest=warning.guest).kind == "assigned"


def test_lost_analysis_page_and_csv(client, sales_manager, guest_relations):
    from django.utils import timezone

    ChurnWarningFactory(
        status="closed", outcome="lost", lost_reason="price", competitor="Rival Inn", closed_at=timezone.now()
    )
    client.force_login(sales_manager)
    html = client.get(reverse("care:lost")).content.decode()
    assert "Rival Inn" in html and "<svg" in html
    response = client.get(reverse("care:lost"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "Rival Inn" in response.content.decode()
    assert client.get(reverse("care:lost"), {"start": "2026-05", "end": "2026-01"}).context["form"].errors["end"]
    client.force_login(guest_relations)
    assert client.get(reverse("care:lost")).status_code == 403


def test_care_list_page_consent_and_done(client, guest_relations, hotel, other_hotel):
    today = dt.date.today()
    no_consent = CareTaskFactory(property=hotel, due_date=today, guest__family_name_latin="Noconsent")
    consenting = CareTaskFactory(
        property=hotel,
        due_date=today + dt.timedelta(days=2),
        guest__family_name_latin="Consenting",
        guest__marketing_email_consent=True,
        kind="post_stay",
    )
    CareTaskFactory(property=other_hotel, due_date=today, guest__family_name_latin="Elsewhere")
    client.force_login(guest_relations)
    response = client.get(reverse("care:care-list"))
    html = response.content.decode()
    assert "Noconsent" in html and "Consenting" in html and "Elsewhere" not in html
    assert html.count('data-testid="do-not-contact"') == 1
    assert "Send e-mail" in html
    response = client.post(reverse("care:care-task-done", args=[no_consent.pk]), {"channel": "phone"})
    assert response.status_code == 302
    no_consent.refresh_from_db()
    assert no_consent.status == "open"
    client.post(reverse("care:care-task-done", args=[no_consent.pk]), {"channel": "in_person", "note": "Cake"})
    no_consent.refresh_from_db()
    assert no_consent.status == "done"
    guest_page = client.get(reverse("guests:detail", args=[no_consent.guest_id])).content.decode()
    assert "Care item done: Birthday" in guest_page
    assert consenting


def test_care_list_query_count_is_fixed(client, guest_relations, hotel):
    client.force_login(guest_relations)
    CareTaskFactory(property=hotel)
    few, _ = page_queries(client, reverse("care:care-list"))
    for _ in range(10):
        CareTaskFactory(property=hotel)
    many, _ = page_queries(client, reverse("care:care-list"))
    assert few == many


def test_build_button_is_for_chain_wide_staff(client, sales_manager, front_desk):
    client.force_login(front_desk)
    assert client.post(reverse("care:care-list-build")).status_code == 403
    client.force_login(sales_manager)
    assert client.post(reverse("care:care-list-build")).status_code == 302


def test_surveys_page_form_errors_and_record(client, front_desk, hotel):
    stay = StayFactory(property=hotel, confirmation_number="ABC123")
    StaySurveyFactory(stay__property=hotel, overall=5)
    client.force_login(front_desk)
    html = client.get(reverse("care:surveys")).content.decode()
    assert "Top-box share" in html and "100.0 %" in html
    response = client.post(
        reverse("care:surveys"), {"property": hotel.code, "confirmation_number": "ABC123", "overall": 6}
    )
    assert response.status_code == 400 and response.context["form"].errors["overall"]
    response = client.post(
        reverse("care:surveys"), {"property": hotel.code, "confirmation_number": "NOPE", "overall": 4}
    )
    assert response.status_code == 400 and response.context["form"].errors["confirmation_number"]
    response = client.post(
        reverse("care:surveys"), {"property": hotel.code, "confirmation_number": "ABC123", "overall": 4}
    )
    assert response.status_code == 302
    assert StaySurvey.objects.get(stay=stay).overall == 4
    response = client.post(
        reverse("care:surveys"), {"property": hotel.code, "confirmation_number": "ABC123", "overall": 2}
    )
    assert response.status_code == 400 and response.context["form"].errors["confirmation_number"]


def test_guest_page_section_badge_and_survey_form(client, front_desk, hotel):
    guest = GuestFactory(family_name_latin="Sectioned")
    stay = StayFactory(guest=guest, property=hotel)
    ChurnWarningFactory(guest=guest)
    client.force_login(front_desk)
    html = client.get(reverse("guests:detail", args=[guest.pk])).content.decode()
    assert 'data-testid="care-section"' in html
    assert "churn risk" in html
    assert 'data-testid="guest-survey-form"' in html
    response = client.post(reverse("care:guest-survey-add", args=[guest.pk]), {"stay": stay.pk, "overall": 2})
    assert response.status_code == 302
    assert StaySurvey.objects.get(stay=stay).overall == 2
    other = StayFactory(property=hotel)
    client.post(reverse("care:guest-survey-add", args=[guest.pk]), {"stay": other.pk, "overall": 2})
    assert not StaySurvey.objects.filter(stay=other).exists()


def test_profile_api_has_the_care_section_in_constant_queries(api, sales_manager, hotel):
    guest = GuestFactory()
    StayFactory(guest=guest, property=hotel)
    ChurnWarningFactory(guest=guest)
    client = api.as_user(sales_manager)
    url = f"/api/v1/guests/{guest.pk}/profile/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        body = client.get(url).json()
    assert body["sections"]["care"]["open_warning"]["reasons"][0]["code"] == "lapsed"
    for _ in range(5):
        stay = StayFactory(guest=guest, property=hotel)
        StaySurveyFactory(stay=stay)
        CareTaskFactory(guest=guest, due_date=dt.date.today() + dt.timedelta(days=ContactLog.objects.count()))
        ContactLog.objects.create(guest=guest, kind="care_done")
    ChurnWarningFactory(guest=guest, status="closed", outcome="lost", lost_reason="price")
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).json()
    assert len(body["sections"]["care"]["surveys"]) == 5
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.parametrize("name", ["care:care-list", "care:surveys", "care:lost", "care:worklist"])
def test_pages_need_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert CareTask.objects.count() == 0 and ChurnWarning.objects.count() == 0


def test_the_churn_badge_is_the_chains_whoever_reads_the_360(client, front_desk, chain_admin, hotel, other_hotel):
    """The care section shows the viewer's hotels' warnings; the badge says whether the
    guest has an open warning anywhere.  For a viewer who sees every hotel the section's
    own data answers (no badge query); for the others the badge is read chain-wide."""
    guest = GuestFactory(family_name_latin="Elsewhere")
    ChurnWarningFactory(guest=guest, last_property=other_hotel)
    url = reverse("guests:detail", args=[guest.pk])
    client.force_login(front_desk)  # bound to `hotel`: the warning is not theirs
    with CaptureQueriesContext(connection) as desk:
        html = client.get(url).content.decode()
    assert "churn risk" in html
    assert any('"care_churnwarning"."status" = ' in q["sql"] for q in desk.captured_queries)
    client.force_login(chain_admin)
    with CaptureQueriesContext(connection) as admin:
        html = client.get(url).content.decode()
    assert "churn risk" in html
    badge_reads = [q for q in admin.captured_queries if 'SELECT "care_churnwarning"."guest_id" AS' in q["sql"]]
    assert badge_reads == []
    ChurnWarningFactory(guest=GuestFactory(), last_property=hotel)  # someone else's warning
    calm = GuestFactory(family_name_latin="Calm")
    assert "churn risk" not in client.get(reverse("guests:detail", args=[calm.pk])).content.decode()
