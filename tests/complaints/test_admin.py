"""Django admin: complaints and their timelines are read-only (the workflow is the writer)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent
from tests.complaints.factories import ComplaintFactory


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pass12345!")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_complaints_and_timeline_are_read_only(admin_client, hotel):
    complaint = ComplaintFactory(property=hotel, status=Complaint.Status.ASSIGNED)
    events = list(ComplaintEvent.objects.filter(complaint=complaint).values_list("pk", "comment"))
    assert admin_client.get(reverse("admin:complaints_complaint_add")).status_code == 403
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    admin_client.post(url, {"description": "rewritten", "events-0-comment": "rewritten"})
    complaint.refresh_from_db()
    assert complaint.description != "rewritten"
    assert list(ComplaintEvent.objects.filter(complaint=complaint).values_list("pk", "comment")) == events
    delete = reverse("admin:complaints_complaint_delete", args=[complaint.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    for name in ("complaintescalation", "complaintnotification"):
        assert admin_client.get(reverse(f"admin:complaints_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:complaints_{name}_add")).status_code == 403
