"""Log-in throttling per account (django-axes): the web log-in, the admin log-in and the
token endpoint share one count per username; addresses only identify, never lock."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client, RequestFactory

from crm_site.client_address import client_ip
from tests.factories import UserFactory

PASSWORD = "pass12345!"
TOKEN_URL = "/api/v1/auth/token/"


@contextmanager
def password_checks():
    """Count the calls that reach the password check (ModelBackend.authenticate)."""
    calls = []
    lock = threading.Lock()
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        with lock:
            calls.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    with mock.patch.object(ModelBackend, "authenticate", counting):
        yield calls


def guess_token(client, username, password, address):
    return client.post(TOKEN_URL, {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address)


def guess_page(client, username, password, address):
    return client.post("/login/", {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address)


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
@pytest.mark.parametrize("guess", [guess_token, guess_page], ids=["token-endpoint", "login-page"])
def test_rotating_forwarded_for_lets_at_most_the_limit_through(client, settings, proxies, guess):
    settings.TRUSTED_PROXY_COUNT = proxies
    limit = settings.AXES_FAILURE_LIMIT
    UserFactory(username="ana")
    with password_checks() as checks:
        statuses = [guess(client, "ana", f"guess-{i}", f"203.0.113.{i}").status_code for i in range(limit * 8)]
        # The right password is refused while the lock holds, unchecked.
        right = guess(client, "ana", PASSWORD, "198.51.100.1")
    assert len(checks) == limit
    assert statuses[limit - 1 :] == [429] * (len(statuses) - limit + 1)
    assert 429 not in statuses[: limit - 1]
    assert right.status_code == 429
    assert right["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)


@pytest.mark.django_db
def test_a_locked_account_on_the_api_answers_429_with_the_error_shape(client, settings):
    UserFactory(username="ana")
    for i in range(settings.AXES_FAILURE_LIMIT):
        guess_token(client, "ana", f"wrong-{i}", "203.0.113.1")
    response = guess_token(client, "ana", PASSWORD, "203.0.113.1")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "account_locked"
    assert "Too many failed log-in attempts for this account" in body["detail"]
    assert body["errors"] == {}


@pytest.mark.django_db
def test_a_locked_account_on_the_login_page_gets_a_clear_message(client, settings):
    UserFactory(username="ana")
    for i in range(settings.AXES_FAILURE_LIMIT):
        guess_page(client, "ana", f"wrong-{i}", "203.0.113.1")
    response = guess_page(client, "ana", PASSWORD, "203.0.113.1")
    assert response.status_code == 429
    assert "Too many failed log-in attempts for this account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = guess_page(chinese, "ana", PASSWORD, "203.0.113.1")
    assert response.status_code == 429
    assert "此账户登录失败次数过多" in response.content.decode()


@pytest.mark.django_db
def test_a_wrong_password_before_the_limit_is_an_ordinary_error(client):
    UserFactory(username="ana")
    page = guess_page(client, "ana", "wrong", "203.0.113.1")
    assert page.status_code == 200 and b"Please enter a correct username and password" in page.content
    api = guess_token(client, "ana", "wrong", "203.0.113.1")
    assert api.status_code == 400 and api.json()["code"] == "invalid_credentials"


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_one_accounts_lock_never_blocks_another_from_the_same_address(client, settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    UserFactory(username="ana")
    UserFactory(username="bob")
    for i in range(settings.AXES_FAILURE_LIMIT + 3):
        guess_page(client, "ana", f"wrong-{i}", "198.51.100.7")
    assert guess_page(client, "ana", PASSWORD, "198.51.100.7").status_code == 429
    assert guess_page(client, "bob", PASSWORD, "198.51.100.7").status_code == 302
    client.logout()
    assert guess_token(client, "bob", PASSWORD, "198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_the_page_and_the_api_share_one_count(client, settings):
    UserFactory(username="ana")
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        guess_page(client, "ana", f"wrong-{i}", "203.0.113.1")
    with password_checks() as checks:
        assert guess_token(client, "ana", "wrong", "203.0.113.2").status_code == 429
        assert guess_token(client, "ana", PASSWORD, "203.0.113.2").status_code == 429
    assert checks == ["ana"]


@pytest.mark.django_db
def test_the_admin_login_is_under_the_same_rule(client, settings):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "root", "password": f"wrong-{i}"})
    with password_checks() as checks:
        response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 429 and checks == []
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lock_ends_after_the_window(client, settings):
    UserFactory(username="ana")
    for i in range(settings.AXES_FAILURE_LIMIT):
        guess_page(client, "ana", f"wrong-{i}", "203.0.113.1")
    assert guess_page(client, "ana", PASSWORD, "203.0.113.1").status_code == 429
    window = dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    for attempt in AccessAttempt.objects.filter(username="ana"):
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - window)
    assert guess_page(client, "ana", PASSWORD, "203.0.113.1").status_code == 302


@pytest.mark.django_db
def test_failures_are_logged_with_the_address_from_the_trusted_proxies(client, settings):
    UserFactory(username="ana")
    settings.TRUSTED_PROXY_COUNT = 0
    guess_page(client, "ana", "wrong", "203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 1
    guess_page(client, "ana", "wrong", "10.0.0.1, 203.0.113.9")
    assert list(AccessFailureLog.objects.order_by("pk").values_list("ip_address", flat=True)) == [
        "127.0.0.1",
        "203.0.113.9",
    ]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy trusted: the header is the client's word
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client prepended is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "192.0.2.1"),  # fewer hops than proxies: only the socket is known
        (1, "not-an-address", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_comes_from_the_trusted_proxies_only(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_cannot_outrun_the_count(settings):
    """Twenty guesses at once from twenty addresses: the per-account guard makes them
    take turns, so no more than the limit reach the password check."""
    UserFactory(username="ana")
    limit = settings.AXES_FAILURE_LIMIT

    def guess(i):
        try:
            return guess_token(Client(), "ana", f"wrong-{i}", f"203.0.113.{i}").status_code
        finally:
            connection.close()

    with password_checks() as checks, ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert len(checks) == limit
    assert statuses.count(429) == 20 - limit + 1
