"""A web session's permissions and roles are kept per process for
``PERMISSION_CACHE_SECONDS``: a page does not re-read the groups and both permission
tables; a role or permission taken away through Django stops at once in this process,
and within the TTL when changed behind Django's back."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm_site import session_perms, ttl_cache

pytestmark = pytest.mark.django_db
AUTH_TABLES = ("auth_permission", "auth_group")


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.PERMISSION_CACHE_SECONDS = 5
    session_perms.checked_sessions.forget()
    yield
    session_perms.checked_sessions.forget()


def page(client, path="/guests/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in ctx.captured_queries]


def test_a_second_page_reads_no_group_or_permission(client, front_desk):
    client.force_login(front_desk)
    status, first = page(client)
    assert status == 200 and any(t in q for q in first for t in AUTH_TABLES)
    status, second = page(client)
    assert status == 200
    assert not any(t in q for q in second for t in AUTH_TABLES), second
    assert len(second) == len(first) - 3


def test_a_role_taken_away_stops_at_once(client, front_desk):
    client.force_login(front_desk)
    assert page(client)[0] == 200
    front_desk.groups.clear()
    assert page(client)[0] == 403


def test_a_permission_taken_from_the_group_stops_at_once(client, front_desk):
    client.force_login(front_desk)
    assert page(client)[0] == 200
    view = Permission.objects.get(codename="view_guest", content_type__app_label="guests")
    for group in front_desk.groups.all():
        group.permissions.remove(view)
    assert page(client)[0] == 403


def test_a_change_behind_djangos_back_stops_within_the_ttl(client, front_desk, monkeypatch):
    client.force_login(front_desk)
    assert page(client)[0] == 200
    through = type(front_desk).groups.through
    through.objects.filter(user_id=front_desk.pk)._raw_delete(connection.alias)  # another process: no signal here
    assert page(client)[0] == 200  # still inside the TTL
    now = ttl_cache.time.monotonic()
    monkeypatch.setattr(ttl_cache.time, "monotonic", lambda: now + 6)
    assert page(client)[0] == 403


def test_a_user_made_superuser_is_seen_at_once(client, front_desk):
    client.force_login(front_desk)
    assert page(client, "/admin/")[0] in (302, 403)
    front_desk.is_staff = front_desk.is_superuser = True
    front_desk.save()
    assert page(client, "/admin/")[0] == 200


def test_each_request_gets_its_own_sets(client, front_desk):
    client.force_login(front_desk)
    page(client)
    user = type(front_desk).objects.get(pk=front_desk.pk)
    assert session_perms.checked_sessions.apply(user)
    user._perm_cache.add("guests.erase_guest")
    other = type(front_desk).objects.get(pk=front_desk.pk)
    assert session_perms.checked_sessions.apply(other)
    assert "guests.erase_guest" not in other._perm_cache


def test_no_cache_when_the_ttl_is_zero(client, front_desk, settings):
    settings.PERMISSION_CACHE_SECONDS = 0
    client.force_login(front_desk)
    page(client)
    assert any(t in q for q in page(client)[1] for t in AUTH_TABLES)


def test_a_deleted_group_is_forgotten(client, front_desk):
    client.force_login(front_desk)
    assert page(client)[0] == 200
    Group.objects.filter(user=front_desk).delete()
    assert page(client)[0] == 403
