"""A checked token is kept per process for ``API_TOKEN_CACHE_SECONDS``: a lookup spends
its queries on the search, not on re-reading the token, the roles and the permissions;
a revoked token still stops at once in this process and within the TTL in the others."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm_site import ttl_cache
from crm_site.tokens import authentication
from crm_site.tokens.models import ApiToken
from crm_site.tokens.services import token_issue, token_revoke
from tests.factories import GuestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    authentication.checked_tokens.forget()
    yield
    authentication.checked_tokens.forget()


def search(client, secret, q="zhang"):
    return client.get("/api/v1/guests/", {"q": q}, HTTP_AUTHORIZATION=f"Token {secret}")


def count_queries(client, secret):
    with CaptureQueriesContext(connection) as ctx:
        assert search(client, secret).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_second_lookup_reads_no_token_user_or_permission(client, front_desk):
    GuestFactory(family_name_latin="Zhang", given_name_latin="Wei")
    _token, secret = token_issue(user=front_desk)
    first = count_queries(client, secret)
    second = count_queries(client, secret)
    assert any("tokens_apitoken" in q for q in first)
    assert not any("tokens_apitoken" in q or "auth_permission" in q or "auth_group" in q for q in second), second
    assert len(second) < len(first)


def test_a_revoked_token_stops_at_once_in_this_process(client, front_desk):
    token, secret = token_issue(user=front_desk)
    assert search(client, secret).status_code == 200
    token_revoke(token_id=token.pk, by=front_desk)
    assert search(client, secret).status_code == 401


def test_a_token_revoked_elsewhere_stops_within_the_ttl(client, front_desk, monkeypatch):
    token, secret = token_issue(user=front_desk)
    assert search(client, secret).status_code == 200
    ApiToken.objects.filter(pk=token.pk)._raw_delete(connection.alias)  # another process: no signal here
    assert search(client, secret).status_code == 200  # still inside the TTL
    now = ttl_cache.time.monotonic()
    monkeypatch.setattr(ttl_cache.time, "monotonic", lambda: now + 6)
    assert search(client, secret).status_code == 401


def test_a_role_change_is_seen_at_once(client, front_desk):
    _token, secret = token_issue(user=front_desk)
    assert search(client, secret).status_code == 200
    front_desk.groups.clear()
    assert search(client, secret).status_code == 403


def test_no_cache_when_the_ttl_is_zero(client, front_desk, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    _token, secret = token_issue(user=front_desk)
    count_queries(client, secret)
    assert any("tokens_apitoken" in q for q in count_queries(client, secret))
