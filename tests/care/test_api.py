"""API: /api/v1/churn-warnings/, /api/v1/care-tasks/, /api/v1/surveys/."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care.models import CareTask, ChurnWarning, ContactLog, StaySurvey
from crm_site import roles
from outbox import services as outbox_services
from tests.factories import GuestFactory, StayFactory, UserFactory

from .factories import CareTaskFactory, ChurnWarningFactory, StaySurveyFactory

WARNINGS = "/api/v1/churn-warnings/"
TASKS = "/api/v1/care-tasks/"
SURVEYS = "/api/v1/surveys/"


def count_queries(call):
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response


# --- churn warnings ---------------------------------------------------------------------------


def test_list_orders_by_score_and_filters(api, sales_manager, hotel, other_hotel):
    low = ChurnWarningFactory(score=30, last_property=hotel, segment="small")
    high = ChurnWarningFactory(
        score=90,
        last_property=other_hotel,
        segment="vip",
        reasons={"at_risk": {"segment": "vip", "unresolved_complaints": 1}},
    )
    ChurnWarningFactory(score=99, status="closed", outcome="returned")
    client = api.as_user(sales_manager)
    data = client.get(WARNINGS).json()
    assert [r["id"] for r in data["results"]] == [high.pk, low.pk]
    first = data["results"][0]
    assert first["explanation"][0]["code"] == "at_risk"
    assert first["last_property"] == other_hotel.code
    assert first["do_not_contact"] is True
    assert [r["id"] for r in client.get(WARNINGS, {"reason": "lapsed"}).json()["results"]] == [low.pk]
    assert [r["id"] for r in client.get(WARNINGS, {"segment": "vip"}).json()["results"]] == [high.pk]
    assert [r["id"] for r in client.get(WARNINGS, {"property": hotel.code}).json()["results"]] == [low.pk]
    assert client.get(WARNINGS, {"status": "all"}).json()["count"] == 3
    assert client.get(WARNINGS, {"status": "closed"}).json()["count"] == 1
    assert client.get(WARNINGS, {"assigned_to": "none"}).json()["count"] == 2
    assert client.get(WARNINGS, {"reason": "bogus"}).status_code == 400


def test_list_query_count_does_not_grow(api, sales_manager):
    client = api.as_user(sales_manager)
    ChurnWarningFactory.create_batch(2, assigned_to=sales_manager)
    client.get(WARNINGS)  # warm the permission cache
    few, _ = count_queries(lambda: client.get(WARNINGS))
    ChurnWarningFactory.create_batch(12, assigned_to=sales_manager)
    many, response = count_queries(lambda: client.get(WARNINGS))
    assert response.json()["count"] == 14
    assert few == many == 3  # count + page + assignee choices of the filter


def test_patch_assigns_and_records_outcomes(api, sales_manager):
    warning = ChurnWarningFactory()
    client = api.as_user(sales_manager)
    response = client.patch(f"{WARNINGS}{warning.pk}/", {"assigned_to": sales_manager.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"] == sales_manager.pk
    response = client.patch(
        f"{WARNINGS}{warning.pk}/", {"outcome": "lost", "lost_reason": "price", "competitor": "Rival"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"], body["lost_reason"], body["competitor"]) == (
        "closed",
        "lost",
        "price",
        "Rival",
    )
    assert ContactLog.objects.filter(guest=warning.guest).count() == 2


def test_bad_updates_name_the_field_and_write_nothing(api, sales_manager, front_desk):
    warning = ChurnWarningFactory()
    client = api.as_user(sales_manager)
    url = f"{WARNINGS}{warning.pk}/"
    response = client.patch(url, {"outcome": "lost"}, format="json")
    assert response.status_code == 400 and "lost_reason" in response.json()["errors"]
    response = client.patch(url, {"assigned_to": front_desk.pk}, format="json")
    assert response.status_code == 400 and "assigned_to" in response.json()["errors"]
    response = client.patch(url, {"outcome": "returned"}, format="json")
    assert response.status_code == 400 and "outcome" in response.json()["errors"]
    response = client.patch(url, {"assigned_to": sales_manager.pk, "outcome": "lost"}, format="json")
    assert response.status_code == 400 and "lost_reason" in response.json()["errors"]
    response = client.patch(url, {}, format="json")
    assert response.status_code == 400
    warning.refresh_from_db()
    assert (warning.status, warning.assigned_to, warning.outcome) == ("open", None, "")
    assert not ContactLog.objects.exists()


def test_closed_warning_conflicts(api, sales_manager):
    warning = ChurnWarningFactory(status="closed", outcome="returned")
    response = api.as_user(sales_manager).patch(f"{WARNINGS}{warning.pk}/", {"outcome": "contacted"}, format="json")
    assert response.status_code == 409
    assert "outcome" in response.json()["errors"]


@pytest.mark.parametrize("role_user", ["front_desk", "guest_relations", "integrator_readonly", "integrator"])
def test_other_roles_read_but_do_not_work_warnings(api, request, role_user, sales_manager, hotel):
    user = request.getfixturevalue(role_user)
    warning = ChurnWarningFactory(last_property=hotel)  # the front desk reads its own hotel's warnings
    client = api.as_user(user)
    assert client.get(WARNINGS).json()["count"] == 1
    response = client.patch(f"{WARNINGS}{warning.pk}/", {"outcome": "contacted"}, format="json")
    assert response.status_code == 403
    response = client.patch(f"{WARNINGS}{warning.pk}/", {"assigned_to": sales_manager.pk}, format="json")
    assert response.status_code == 403


def test_without_a_role_nothing(api, hotel):
    nobody = UserFactory(username="nobody", properties=[hotel])
    ChurnWarningFactory()
    assert api.as_user(nobody).get(WARNINGS).status_code == 403
    api.force_authenticate(user=None)
    assert api.get(WARNINGS).status_code in (401, 403)


def test_a_salesperson_sees_and_works_their_own(api, hotel):
    seller = UserFactory(username="seller", properties=[hotel])
    seller.staff_profile.is_salesperson = True
    seller.staff_profile.save()
    mine = ChurnWarningFactory(assigned_to=seller, last_property=hotel)
    other = ChurnWarningFactory(last_property=hotel)
    client = api.as_user(seller)
    assert [r["id"] for r in client.get(WARNINGS).json()["results"]] == [mine.pk]
    assert client.patch(f"{WARNINGS}{mine.pk}/", {"outcome": "won_back"}, format="json").status_code == 200
    assert client.patch(f"{WARNINGS}{other.pk}/", {"outcome": "won_back"}, format="json").status_code == 404


def test_lost_analysis(api, sales_manager, front_desk, hotel):
    from django.utils import timezone

    now = timezone.now()
    for reason, competitor in (("price", "Rival"), ("price", "rival"), ("service", "")):
        ChurnWarningFactory(
            status="closed",
            outcome="lost",
            lost_reason=reason,
            competitor=competitor,
            closed_at=now,
            last_property=hotel,
        )
    body = api.as_user(sales_manager).get(f"{WARNINGS}lost-analysis/").json()
    assert body["total"] == 3
    this_month = now.astimezone(timezone.get_current_timezone()).strftime("%Y-%m")
    month = next(m for m in body["by_month"] if m["month"] == this_month)
    assert month["reasons"]["price"] == 2 and month["reasons"]["service"] == 1
    assert body["competitors"] == [
        {"name": "Rival", "total": 2, "by_month": {**{m: 0 for m in body["months"]}, this_month: 2}}
    ]
    assert api.as_user(sales_manager).get(f"{WARNINGS}lost-analysis/", {"start": "2026-13"}).status_code == 400
    assert api.as_user(front_desk).get(f"{WARNINGS}lost-analysis/").status_code == 403


# --- care tasks --------------------------------------------------------------------------------


def test_care_tasks_are_scoped_to_the_staff_properties(api, front_desk, sales_manager, hotel, other_hotel):
    mine = CareTaskFactory(property=hotel)
    CareTaskFactory(property=other_hotel)
    assert [r["id"] for r in api.as_user(front_desk).get(TASKS).json()["results"]] == [mine.pk]
    assert api.as_user(sales_manager).get(TASKS).json()["count"] == 2
    assert api.as_user(front_desk).get(TASKS, {"kind": "post_stay"}).json()["count"] == 0


def test_care_task_done_and_consent(api, guest_relations, hotel):
    task = CareTaskFactory(property=hotel)
    client = api.as_user(guest_relations)
    response = client.post(f"{TASKS}{task.pk}/done/", {"channel": "phone"}, format="json")
    assert response.status_code == 400 and "channel" in response.json()["errors"]
    response = client.post(f"{TASKS}{task.pk}/done/", {"channel": "in_person", "note": "Cake in room"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    assert ContactLog.objects.get(guest=task.guest).note == "Cake in room"
    assert client.post(f"{TASKS}{task.pk}/done/", {}, format="json").status_code == 409
    response = client.post(f"{TASKS}{task.pk}/send-email/")
    assert response.status_code == 400 and "email" in response.json()["errors"]


def test_care_task_shows_its_email_state_from_the_outbox(api, sales_manager, hotel):
    task = CareTaskFactory(property=hotel, guest__marketing_email_consent=True)
    client = api.as_user(sales_manager)
    body = client.get(f"{TASKS}{task.pk}/").json()
    assert (body["email_status"], body["email_sent_at"]) == ("", None)
    body = client.post(f"{TASKS}{task.pk}/send-email/").json()
    assert (body["email_status"], body["email_sent_at"]) == ("pending", None)  # queued, not sent
    assert outbox_services.emails_deliver_due() == {"sent": 1}
    body = client.get(f"{TASKS}{task.pk}/").json()
    assert body["email_status"] == "sent" and body["email_sent_at"] is not None
    assert client.post(f"{TASKS}{task.pk}/send-email/").status_code == 409


def test_care_task_list_query_count_with_emails(api, sales_manager, hotel):
    from care import services

    client = api.as_user(sales_manager)
    first = CareTaskFactory(property=hotel, guest__marketing_email_consent=True)
    services.care_task_send_email(task_id=first.pk, by=sales_manager)
    client.get(TASKS)
    few, _ = count_queries(lambda: client.get(TASKS))
    for _ in range(5):
        task = CareTaskFactory(property=hotel, guest__marketing_email_consent=True)
        services.care_task_send_email(task_id=task.pk, by=sales_manager)
    many, response = count_queries(lambda: client.get(TASKS))
    assert many == few and response.json()["count"] == 6


def test_care_task_list_query_count(api, sales_manager, hotel):
    client = api.as_user(sales_manager)
    CareTaskFactory(property=hotel)
    client.get(TASKS)
    few, _ = count_queries(lambda: client.get(TASKS))
    for _ in range(8):
        CareTaskFactory(property=hotel)
    many, _ = count_queries(lambda: client.get(TASKS))
    assert few == many == 2


def test_read_only_integrator_cannot_work_care_tasks(api, integrator_readonly, hotel):
    task = CareTaskFactory(property=hotel)
    client = api.as_user(integrator_readonly)
    assert client.get(TASKS).json()["count"] == 1
    assert client.post(f"{TASKS}{task.pk}/done/", {}, format="json").status_code == 403
    assert CareTask.objects.get().status == "open"


# --- surveys ------------------------------------------------------------------------------------


@pytest.fixture
def stay(hotel):
    return StayFactory(property=hotel, arrival_date=dt.date(2026, 3, 1), departure_date=dt.date(2026, 3, 4))


def test_create_survey(api, integrator, stay):
    response = api.as_user(integrator).post(
        SURVEYS, {"stay": stay.pk, "guest": stay.guest_id, "overall": 5, "comment": "Lovely"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["overall"], body["top_box"], body["source"], body["property"]) == (5, True, "api", stay.property.code)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"overall": 6}, "overall"),
        ({"overall": 0}, "overall"),
        ({"overall": "x"}, "overall"),
        ({}, "overall"),
        ({"overall": 3, "stay": 999999}, "stay"),
        ({"overall": 3, "received_on": "2020-01-01"}, "received_on"),
    ],
)
def test_bad_surveys_name_the_field(api, front_desk, stay, payload, field):
    body = {"stay": stay.pk, **payload}
    response = api.as_user(front_desk).post(SURVEYS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not StaySurvey.objects.exists()


def test_survey_for_another_guests_stay_and_twice(api, front_desk, stay):
    client = api.as_user(front_desk)
    other = GuestFactory()
    response = client.post(SURVEYS, {"stay": stay.pk, "guest": other.pk, "overall": 4}, format="json")
    assert response.status_code == 400 and "stay" in response.json()["errors"]
    assert client.post(SURVEYS, {"stay": stay.pk, "overall": 4}, format="json").status_code == 201
    response = client.post(SURVEYS, {"stay": stay.pk, "overall": 2}, format="json")
    assert response.status_code == 409 and "stay" in response.json()["errors"]


def test_survey_retry_with_idempotency_key(api, front_desk, stay):
    client = api.as_user(front_desk)
    first = client.post(SURVEYS, {"stay": stay.pk, "overall": 4}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(SURVEYS, {"stay": stay.pk, "overall": 4}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert StaySurvey.objects.count() == 1


def test_survey_permissions_and_summary(api, integrator_readonly, chain_admin, hotel, other_hotel, front_desk):
    StaySurveyFactory(stay__property=hotel, overall=5)
    StaySurveyFactory(stay__property=hotel, overall=3)
    StaySurveyFactory(stay__property=other_hotel, overall=5)
    stay = StayFactory(property=hotel)
    assert api.as_user(integrator_readonly).post(SURVEYS, {"stay": stay.pk, "overall": 4}).status_code == 403
    summary = api.as_user(chain_admin).get(f"{SURVEYS}summary/").json()
    assert (summary["count"], summary["top_box"], summary["top_box_share"]) == (3, 2, 66.7)
    mine = api.as_user(front_desk).get(f"{SURVEYS}summary/").json()
    assert (mine["count"], mine["top_box_share"]) == (2, 50.0)
    assert api.as_user(chain_admin).get(f"{SURVEYS}summary/", {"property": other_hotel.code}).json()["count"] == 1


def test_openapi_schema_lists_the_care_endpoints(api, chain_admin):
    response = api.as_user(chain_admin).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/churn-warnings/", "/api/v1/care-tasks/{id}/done/", "/api/v1/surveys/summary/"):
        assert path in text


def test_roles_hold_the_care_permissions(db):
    from django.contrib.auth.models import Group

    def perms(role):
        return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))

    assert {"change_churnwarning", "assign_churnwarning", "view_lost_analysis"} <= perms(roles.SALES_MANAGER)
    assert {"view_caretask", "change_caretask", "add_staysurvey"} <= perms(roles.FRONT_DESK)
    assert "change_churnwarning" not in perms(roles.GUEST_RELATIONS)
    assert "add_staysurvey" not in perms(roles.INTEGRATOR_READONLY)
    assert {"add_careemailtemplate", "delete_staysurvey"} <= perms(roles.CHAIN_ADMIN)
    assert ChurnWarning._meta.get_field("status")


def test_outcome_retry_with_idempotency_key(api, sales_manager):
    warning = ChurnWarningFactory()
    client = api.as_user(sales_manager)
    url = f"{WARNINGS}{warning.pk}/"
    first = client.patch(url, {"outcome": "won_back"}, format="json", HTTP_IDEMPOTENCY_KEY="o-1")
    again = client.patch(url, {"outcome": "won_back"}, format="json", HTTP_IDEMPOTENCY_KEY="o-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert ContactLog.objects.filter(guest=warning.guest).count() == 1
    assert client.patch(url, {"outcome": "won_back"}, format="json").status_code == 409
