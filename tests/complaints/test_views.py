"""Pages: intake from the guest page, the queues, the detail with only the allowed
actions, the analysis, the guest 360 block and badges; query counts locked."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import selectors
from complaints.models import Complaint
from crm_site.roles import user_roles
from tests.complaints.factories import ComplaintFactory, handler_for
from tests.factories import GuestFactory, StayFactory

S = Complaint.Status
H = dt.timedelta(hours=1)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- intake ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_intake_from_the_guest_page(as_user, front_desk, hotel):
    guest = GuestFactory()
    stay = StayFactory(guest=guest, property=hotel)
    client = as_user(front_desk)
    page = client.get(reverse("guests:detail", args=[guest.pk])).content.decode()
    link = f"{reverse('complaints:create')}?guest={guest.pk}"
    assert link in page

    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"].initial["stay"] == stay.pk
    response = client.post(
        link,
        {
            "guest": guest.pk,
            "property": hotel.code,
            "stay": stay.pk,
            "category": "facilities",
            "severity": "high",
            "channel": "front_desk",
            "description": "Shower broken",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.guest, complaint.stay, complaint.created_by) == (guest, stay, front_desk)


@pytest.mark.django_db
def test_intake_from_the_menu_with_a_confirmation_number(as_user, front_desk, hotel):
    stay = StayFactory(property=hotel, confirmation_number="ABC123")
    client = as_user(front_desk)
    data = {"property": hotel.code, "category": "other", "severity": "low", "channel": "phone", "description": "x"}
    bad = client.post(reverse("complaints:create"), {**data, "confirmation_number": "NOPE"})
    assert bad.status_code == 400 and "confirmation_number" in bad.context["form"].errors
    assert not Complaint.objects.exists()
    client.post(reverse("complaints:create"), {**data, "confirmation_number": "ABC123"})
    assert Complaint.objects.get().guest_id == stay.guest_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [({"description": ""}, "description"), ({"property": "ALG"}, "property"), ({"category": "x"}, "category")],
)
def test_intake_form_errors_name_the_field(as_user, front_desk, hotel, other_hotel, changes, field):
    data = {"property": hotel.code, "category": "other", "severity": "low", "channel": "phone", "description": "x"}
    response = as_user(front_desk).post(reverse("complaints:create"), {**data, **changes})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_sales_manager_cannot_log(as_user, sales_manager):
    assert as_user(sales_manager).get(reverse("complaints:create")).status_code == 403


# --- queues ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_property_queue_sorted_by_time_left_with_overdue_in_red(as_user, front_desk, hotel, other_hotel):
    now = timezone.now()
    late = ComplaintFactory(property=hotel, severity="critical", received_at=now - 2 * H)
    fresh = ComplaintFactory(property=hotel, severity="low", received_at=now)
    closed = ComplaintFactory(property=hotel, status=S.CLOSED)
    elsewhere = ComplaintFactory(property=other_hotel)
    response = as_user(front_desk).get(reverse("complaints:queue"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert [c.pk for c in rows] == [late.pk, fresh.pk]  # closed hidden, other property invisible
    html = response.content.decode()
    assert '<tr class="overdue" data-testid="queue-row">' in html
    assert html.index(f"#{late.pk}<") < html.index(f"#{fresh.pk}<")
    assert closed.pk and elsewhere.pk
    everything = as_user(front_desk).get(reverse("complaints:queue") + "?status=closed")
    assert [c.pk for c in everything.context["page"].object_list] == [closed.pk]


@pytest.mark.django_db
def test_my_queue_holds_my_complaints(as_user, hotel, guest_relations):
    mine = ComplaintFactory(property=hotel, status=S.ASSIGNED, handler=guest_relations)
    ComplaintFactory(property=hotel, status=S.ASSIGNED)
    response = as_user(guest_relations).get(reverse("complaints:my-queue"))
    assert [c.pk for c in response.context["page"].object_list] == [mine.pk]


@pytest.mark.django_db
def test_front_desk_has_no_work_queue(as_user, front_desk):
    assert as_user(front_desk).get(reverse("complaints:my-queue")).status_code == 403


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_rows(as_user, hotel, guest_relations, django_assert_num_queries):
    client = as_user(guest_relations)
    for _ in range(2):
        ComplaintFactory(property=hotel, status=S.ASSIGNED, handler=guest_relations)
    client.get(reverse("complaints:queue"))  # warm caches (content types, permissions)
    # session, user, permissions (2), roles, count, notifications, property filter, rows
    with django_assert_num_queries(9) as first:
        client.get(reverse("complaints:queue"))
    for _ in range(8):
        ComplaintFactory(property=hotel, status=S.INVESTIGATING, guest=GuestFactory())
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("complaints:queue"))
    assert len(response.context["page"].object_list) == 10


# --- detail and moves -----------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_offers_only_the_allowed_moves(as_user, hotel, guest_relations, front_desk):
    complaint = ComplaintFactory(property=hotel, status=S.RESOLVED)
    html = as_user(guest_relations).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="action-feedback_recorded"' in html and 'data-testid="action-investigating"' in html
    for other in ("assigned", "resolved", "closed"):
        assert f'data-testid="action-{other}"' not in html
    html = as_user(front_desk).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="actions"' not in html
    assert 'data-testid="timeline"' in html


@pytest.mark.django_db
def test_detail_outside_scope_is_404(as_user, hotel, other_hotel, front_desk):
    complaint = ComplaintFactory(property=other_hotel)
    assert as_user(front_desk).get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404


@pytest.mark.django_db
def test_move_through_the_page(as_user, hotel, guest_relations):
    complaint = ComplaintFactory(property=hotel)
    client = as_user(guest_relations)
    url = reverse("complaints:transition", args=[complaint.pk])
    response = client.post(url, {"to": "assigned", "assignee": guest_relations.pk})
    assert response.status_code == 302
    client.post(url, {"to": "investigating"})
    bad = client.post(url, {"to": "resolved", "action_taken": ""})
    assert bad.status_code == 400
    forms = [a["form"] for a in bad.context["actions"] if a["move"].target == "resolved"]
    assert "action_taken" in forms[0].errors
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING
    client.post(url, {"to": "resolved", "action_taken": "Replaced the kettle", "compensation_points": "200"})
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED and complaint.compensation_points == 200
    bad = client.post(url, {"to": "feedback_recorded", "satisfaction": "7"})
    assert bad.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED


@pytest.mark.django_db
def test_illegal_or_forbidden_move_through_the_page(as_user, hotel, front_desk, guest_relations):
    complaint = ComplaintFactory(property=hotel)
    url = reverse("complaints:transition", args=[complaint.pk])
    assert as_user(guest_relations).post(url, {"to": "closed"}).status_code == 400
    assert as_user(front_desk).post(url, {"to": "assigned", "assignee": guest_relations.pk}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED and complaint.events.count() == 1


@pytest.mark.django_db
def test_link_walk_up_through_the_page(as_user, hotel, front_desk):
    complaint = ComplaintFactory(property=hotel, guest=None, stay=None)
    stay = StayFactory(property=hotel, confirmation_number="Z9")
    client = as_user(front_desk)
    url = reverse("complaints:link", args=[complaint.pk])
    assert client.post(url, {"confirmation_number": "NOPE"}).status_code == 400
    assert client.post(url, {"confirmation_number": "Z9"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.guest_id == stay.guest_id


# --- analysis -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_analysis_page_permissions(as_user, hotel, front_desk, guest_relations, sales_manager, chain_admin):
    ComplaintFactory(property=hotel, status=S.CLOSED)
    url = reverse("complaints:analysis")
    assert as_user(front_desk).get(url).status_code == 403
    assert as_user(guest_relations).get(url).status_code == 403
    for user in (sales_manager, chain_admin):
        response = as_user(user).get(url)
        assert response.status_code == 200
        assert response.context["figures"]["total"] == 1
        assert 'data-testid="top-box"' in response.content.decode()
    assert as_user(sales_manager).get(url + "?date_from=2026-05-01&date_to=2026-01-01").status_code == 400


@pytest.mark.django_db
def test_menu_entries_follow_permissions(as_user, front_desk, sales_manager):
    html = as_user(front_desk).get(reverse("complaints:queue")).content.decode()
    assert reverse("complaints:create") in html and reverse("complaints:analysis") not in html
    html = as_user(sales_manager).get(reverse("complaints:queue")).content.decode()
    assert reverse("complaints:analysis") in html and f'href="{reverse("complaints:create")}"' not in html


# --- guest 360, badges, churn signals -------------------------------------------------------


@pytest.mark.django_db
def test_guest_section_shows_outcome_and_scope(hotel, other_hotel, front_desk):
    guest = GuestFactory()
    ComplaintFactory(
        property=hotel,
        guest=guest,
        status=S.FEEDBACK_RECORDED,
        resolve_inputs={"compensation_points": 300, "satisfaction": 5},
    )
    ComplaintFactory(property=hotel, guest=guest)
    ComplaintFactory(property=other_hotel, guest=guest)
    data = selectors.guest_section_profile(guest, front_desk)
    assert (data["total"], data["open"], data["other_properties"]) == (3, 2, 1)
    assert len(data["complaints"]) == 2
    resolved = [c for c in data["complaints"] if c["status"] == "feedback_recorded"][0]
    assert resolved["compensation_points"] == 300 and resolved["satisfaction"] == 5
    assert resolved["stayed_again"] is False
    assert data["log_url"].endswith(f"?guest={guest.pk}")


@pytest.mark.django_db
def test_guest_section_rows_say_what_each_complaint_says(hotel, other_hotel, chain_admin):
    guest = GuestFactory()
    ComplaintFactory(
        property=hotel,
        guest=guest,
        status=S.FEEDBACK_RECORDED,
        severity=Complaint.Severity.HIGH,
        category=Complaint.Category.FACILITIES,
        resolve_inputs={"compensation_points": 300, "satisfaction": 4},
    )
    ComplaintFactory(property=other_hotel, guest=guest, received_at=timezone.now() - dt.timedelta(days=3))
    data = selectors.guest_section_profile(guest, chain_admin)
    expected = [
        {
            "id": c.pk,
            "url": reverse("complaints:detail", args=[c.pk]),
            "received_at": c.received_at.isoformat(),
            "property": c.property.code,
            "category": str(c.get_category_display()),
            "severity": c.severity,
            "severity_label": str(c.get_severity_display()),
            "status": c.status,
            "status_label": str(c.get_status_display()),
            "is_open": c.is_open,
            "action_taken": c.action_taken,
            "compensation_points": c.compensation_points,
            "compensation_money": str(c.compensation_money) if c.compensation_money else None,
            "compensation_currency": c.compensation_currency,
            "satisfaction": c.satisfaction,
            "stayed_again": None if c.resolved_at is None else False,
        }
        for c in Complaint.objects.filter(guest=guest).order_by("-received_at", "-pk")
    ]
    assert data["complaints"] == expected
    assert [c["is_open"] for c in data["complaints"]] == [False, True]


@pytest.mark.django_db
def test_guest_section_query_count_is_constant(hotel, front_desk, django_assert_num_queries):
    guest = GuestFactory()
    ComplaintFactory(property=hotel, guest=guest)
    # Permission and role caches are warm on the 360 page (its other sections use them too).
    front_desk.has_perm("complaints.add_complaint")
    user_roles(front_desk)
    with django_assert_num_queries(1):
        selectors.guest_section_profile(guest, front_desk)
    for _ in range(5):
        ComplaintFactory(property=hotel, guest=guest, status=S.RESOLVED)
    with django_assert_num_queries(1):
        data = selectors.guest_section_profile(guest, front_desk)
    assert data["total"] == 6


@pytest.mark.django_db
def test_guest_section_keeps_the_viewers_complaints_behind_newer_ones_elsewhere(hotel, other_hotel, front_desk):
    """The counts are the chain's and the rows the viewer's hotels': the hotel's one old
    complaint is listed although twelve newer ones elsewhere fill more than the page."""
    guest = GuestFactory()
    old = ComplaintFactory(property=hotel, guest=guest, received_at=timezone.now() - dt.timedelta(days=30))
    for _ in range(12):
        ComplaintFactory(property=other_hotel, guest=guest, status=S.RESOLVED)
    data = selectors.guest_section_profile(guest, front_desk, limit=10)
    assert [c["id"] for c in data["complaints"]] == [old.pk]
    assert (data["total"], data["open"], data["other_properties"]) == (13, 1, 12)
    nothing = selectors.guest_section_profile(GuestFactory(), front_desk)
    assert (nothing["total"], nothing["open"], nothing["other_properties"], nothing["complaints"]) == (0, 0, 0, [])


@pytest.mark.django_db
def test_open_complaint_badge_in_one_query(hotel, django_assert_num_queries):
    open_guest, resolved_guest, quiet_guest = GuestFactory(), GuestFactory(), GuestFactory()
    ComplaintFactory(property=hotel, guest=open_guest, status=S.INVESTIGATING)
    ComplaintFactory(property=hotel, guest=resolved_guest, status=S.RESOLVED)
    with django_assert_num_queries(1):
        badges = selectors.open_complaint_badges([open_guest.pk, resolved_guest.pk, quiet_guest.pk])
    assert list(badges) == [open_guest.pk]
    assert [(str(b.label), b.kind) for b in badges[open_guest.pk]] == [("Open complaint", "danger")]


@pytest.mark.django_db
def test_badge_shows_in_search_results(as_user, hotel, front_desk):
    guest = GuestFactory(family_name_latin="Quixotic", given_name_latin="Ana")
    ComplaintFactory(property=hotel, guest=guest)
    html = as_user(front_desk).get(reverse("guests:search") + "?q=quixotic").content.decode()
    assert '<span class="badge danger">Open complaint</span>' in html


@pytest.mark.django_db
def test_guest_complaint_signals_for_the_churn_scan(hotel, django_assert_num_queries):
    unhappy, waiting, fine, old = GuestFactory(), GuestFactory(), GuestFactory(), GuestFactory()
    ComplaintFactory(property=hotel, guest=unhappy, status=S.FEEDBACK_RECORDED, resolve_inputs={"satisfaction": 2})
    ComplaintFactory(property=hotel, guest=unhappy, status=S.FEEDBACK_RECORDED, resolve_inputs={"satisfaction": 3})
    ComplaintFactory(property=hotel, guest=waiting, status=S.ASSIGNED)
    ComplaintFactory(property=hotel, guest=fine, status=S.FEEDBACK_RECORDED, resolve_inputs={"satisfaction": 5})
    ComplaintFactory(property=hotel, guest=old, received_at=timezone.now() - dt.timedelta(days=800))
    ids = [unhappy.pk, waiting.pk, fine.pk, old.pk]
    since = timezone.localdate() - dt.timedelta(days=365)
    with django_assert_num_queries(1):
        signals = selectors.guest_complaint_signals(ids, since)
    assert signals == {
        unhappy.pk: {"unresolved": 0, "low_rated": 2},
        waiting.pk: {"unresolved": 1, "low_rated": 0},
        fine.pk: {"unresolved": 0, "low_rated": 0},
    }
    assert selectors.guest_complaint_signals(ids, None)[old.pk] == {"unresolved": 1, "low_rated": 0}
    assert selectors.guest_complaint_signals([], since) == {}
    big = list(range(10**6, 10**6 + 6000)) + [waiting.pk]
    with django_assert_num_queries(1):
        assert selectors.guest_complaint_signals(big, since) == {waiting.pk: {"unresolved": 1, "low_rated": 0}}


@pytest.mark.django_db
def test_guest_merge_moves_complaints_and_undo_restores_them(hotel, chain_admin):
    from guests import services as guest_services

    survivor, duplicate = GuestFactory(), GuestFactory()
    complaint = ComplaintFactory(property=hotel, guest=duplicate, status=S.ASSIGNED)
    record = guest_services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)
    complaint.refresh_from_db()
    assert complaint.guest_id == survivor.pk and complaint.status == S.ASSIGNED
    guest_services.guest_merge_undo(merge_id=record.pk, by=chain_admin)
    complaint.refresh_from_db()
    assert complaint.guest_id == duplicate.pk


@pytest.mark.django_db
def test_guest_erasure_scrubs_the_guest_words(hotel, chain_admin):
    from guests import services as guest_services

    guest = GuestFactory()
    complaint = ComplaintFactory(
        property=hotel,
        guest=guest,
        status=S.FEEDBACK_RECORDED,
        description="My name is Ana, room 12",
        resolve_inputs={"satisfaction": 4, "feedback": "Ana was happy"},
    )
    guest_services.guest_erase(guest_id=guest.pk, reference="DSR-1", by=chain_admin)
    complaint.refresh_from_db()
    assert "Ana" not in complaint.description and complaint.feedback == ""
    assert complaint.satisfaction == 4 and complaint.status == S.FEEDBACK_RECORDED
    assert not any("feedback" in e.data for e in complaint.events.all())


def test_handler_helper_is_importable():
    assert callable(handler_for)
