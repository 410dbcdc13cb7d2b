"""Django admin: care rows change only through the services; templates through theirs."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from care.models import CareEmailTemplate, CareTask, ChurnWarning, ContactLog, StaySurvey

from .factories import CareTaskFactory, ChurnWarningFactory, ContactLogFactory


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pass12345!")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", [ChurnWarning, CareTask, StaySurvey, ContactLog])
def test_care_rows_are_read_only_in_the_admin(admin_client, model):
    name = model._meta.model_name
    assert admin_client.get(reverse(f"admin:care_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:care_{name}_add")).status_code == 403


def test_a_warning_cannot_be_changed_or_deleted_in_the_admin(admin_client):
    warning = ChurnWarningFactory(score=40)
    url = reverse("admin:care_churnwarning_change", args=[warning.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    admin_client.post(url, {"score": 99, "status": "closed"})
    warning.refresh_from_db()
    assert (warning.score, warning.status) == (40, "open")
    assert (
        admin_client.post(reverse("admin:care_churnwarning_delete", args=[warning.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ChurnWarning.objects.filter(pk=warning.pk).exists()


def test_care_item_list_shows_the_email_state(admin_client):
    CareTaskFactory()
    ContactLogFactory()
    assert admin_client.get(reverse("admin:care_caretask_changelist")).status_code == 200


def test_templates_are_saved_through_the_service_which_refuses_broken_syntax(admin_client):
    url = reverse("admin:care_careemailtemplate_add")
    broken = {
        "kind": "birthday",
        "language": "",
        "subject": "Hello {{ guest.display_name|nosuchfilter }}",
        "body": "{% if %}",
        "is_active": "on",
    }
    response = admin_client.post(url, broken)
    assert response.status_code == 200  # the form again, with the errors
    errors = response.context["adminform"].form.errors
    assert {"subject", "body"} <= set(errors)
    assert not CareEmailTemplate.objects.exists()
    good = {**broken, "subject": "Hello {{ guest.display_name }}", "body": "Dear {{ guest.display_name }}"}
    assert admin_client.post(url, good).status_code == 302
    template = CareEmailTemplate.objects.get()
    assert template.subject == "Hello {{ guest.display_name }}"
    change = reverse("admin:care_careemailtemplate_change", args=[template.pk])
    assert admin_client.post(change, {**good, "body": "Changed {{ hotel }}"}).status_code == 302
    assert CareEmailTemplate.objects.get().body == "Changed {{ hotel }}"
    # A second template for the same kind and language is refused.
    assert admin_client.post(url, good).status_code == 200
    assert CareEmailTemplate.objects.count() == 1
