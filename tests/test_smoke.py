"""Project-level checks: migrations are complete, roles exist, the schema renders."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from crm_site import roles


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_every_role_is_a_group_with_permissions():
    for role in roles.ROLES:
        group = Group.objects.get(name=role)
        assert group.permissions.exists(), role


@pytest.mark.django_db
def test_openapi_schema_renders(api, chain_admin):
    response = api.as_user(chain_admin).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/guests/" in response.content


@pytest.mark.django_db
def test_pages_require_login(client):
    response = client.get("/guests/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
