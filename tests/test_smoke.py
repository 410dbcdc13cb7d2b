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


@pytest.mark.django_db
def test_api_docs_serve_swagger_from_our_static_files(client, chain_admin):
    client.force_login(chain_admin)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


@pytest.mark.django_db
def test_base_template_loads_no_external_assets(client, front_desk):
    client.force_login(front_desk)
    html = client.get("/guests/").content.decode()
    assert 'src="http' not in html and 'href="http' not in html


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    """`spectacular --validate --fail-on-warn`: every endpoint documented, schema valid."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml")],
        cwd=root,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crm_site.settings.test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
