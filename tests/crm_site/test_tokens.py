"""API tokens (django-rest-knox): shown once with an expiry, listed without the secret,
revocable by the owner and chain administrators, ended by expiry, a password change or
a deactivation — every ending answers 401 with the JSON error shape."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm_site.tokens.models import ApiToken
from crm_site.tokens.services import token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass12345!"


def issue(client, username, password=PASSWORD, **extra):
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password}, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Token {secret}"}


def assert_refused(client, secret, detail=None):
    response = client.get("/api/v1/guests/", **auth(secret))
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == "authentication_failed" and body["errors"] == {}
    assert response["WWW-Authenticate"] == "Token"
    if detail:
        assert body["detail"] == detail


def test_a_token_is_shown_once_with_its_expiry_and_works(client, integrator, settings):
    before = timezone.now()
    body = issue(client, "integrator")
    assert set(body) == {"token", "expiry"}
    ttl = dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert before + ttl <= parse_datetime(body["expiry"]) <= timezone.now() + ttl
    assert client.get("/api/v1/guests/", **auth(body["token"])).status_code == 200
    stored = ApiToken.objects.get()
    # Only a digest of the secret is kept; the list never shows it.
    assert body["token"] not in {stored.digest, stored.password_fingerprint}
    listed = client.get("/api/v1/auth/tokens/", **auth(body["token"])).json()["results"]
    assert [(t["id"], t["prefix"], t["current"]) for t in listed] == [(stored.pk, body["token"][:8], True)]
    assert body["token"] not in str(listed)


def test_each_request_for_a_token_gives_a_new_one(client, integrator):
    first, second = issue(client, "integrator"), issue(client, "integrator")
    assert first["token"] != second["token"]
    assert ApiToken.objects.filter(user=integrator).count() == 2


def test_issuing_purges_the_users_expired_tokens(client, integrator):
    old, _secret = token_issue(user=integrator)
    ApiToken.objects.filter(pk=old.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    issue(client, "integrator")
    assert not ApiToken.objects.filter(pk=old.pk).exists()


def test_an_expired_token_is_refused_and_deleted(client, integrator):
    token, secret = token_issue(user=integrator)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert_refused(client, secret, "The token has expired.")
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_an_expired_token_sent_along_does_not_stop_getting_a_new_one(client, integrator):
    token, secret = token_issue(user=integrator)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    body = issue(client, "integrator", **auth(secret))
    assert client.get("/api/v1/guests/", **auth(body["token"])).status_code == 200


def test_delete_on_the_token_endpoint_logs_the_token_out(client, integrator):
    mine, other = issue(client, "integrator"), issue(client, "integrator")
    response = client.delete("/api/v1/auth/token/", **auth(mine["token"]))
    assert response.status_code == 204
    assert_refused(client, mine["token"], "Invalid token.")
    assert client.get("/api/v1/guests/", **auth(other["token"])).status_code == 200


def test_delete_on_the_token_endpoint_needs_a_token(client, chain_admin):
    assert client.delete("/api/v1/auth/token/").status_code == 401
    client.force_login(chain_admin)
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_owner_revokes_by_id_and_someone_elses_token_is_404(client, integrator, front_desk):
    token, secret = token_issue(user=integrator)
    _desk_token, desk_secret = token_issue(user=front_desk)
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/", **auth(desk_secret)).status_code == 404
    assert client.get(f"/api/v1/auth/tokens/{token.pk}/", **auth(desk_secret)).status_code == 404
    assert client.get("/api/v1/guests/", **auth(secret)).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/", **auth(secret)).status_code == 204
    assert_refused(client, secret)
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/", **auth(desk_secret)).status_code == 404


def test_an_id_out_of_range_is_404(api, integrator):
    client = api.as_user(integrator)
    for method in ("get", "delete"):
        response = getattr(client, method)("/api/v1/auth/tokens/" + "9" * 30 + "/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_chain_admin_lists_everybodys_tokens_filters_by_user_and_revokes_any(api, chain_admin, integrator, front_desk):
    integrator_token, secret = token_issue(user=integrator)
    desk_token, _desk_secret = token_issue(user=front_desk)
    admin = api.as_user(chain_admin)
    everybody = admin.get("/api/v1/auth/tokens/").json()["results"]
    assert {t["id"] for t in everybody} == {integrator_token.pk, desk_token.pk}
    assert all(
        set(t) == {"id", "user", "username", "prefix", "created", "expiry", "last_used_at", "current"}
        for t in everybody
    )
    one = admin.get("/api/v1/auth/tokens/", {"user": integrator.pk}).json()["results"]
    assert [t["username"] for t in one] == ["integrator"]
    assert admin.delete(f"/api/v1/auth/tokens/{integrator_token.pk}/").status_code == 204
    api.force_authenticate(user=None)
    from rest_framework.test import APIClient

    assert_refused(APIClient(), secret)


def test_others_see_only_their_own_tokens_whatever_the_filter(api, front_desk, integrator):
    token_issue(user=integrator)
    own, _secret = token_issue(user=front_desk)
    desk = api.as_user(front_desk)
    assert [t["id"] for t in desk.get("/api/v1/auth/tokens/").json()["results"]] == [own.pk]
    assert desk.get("/api/v1/auth/tokens/", {"user": integrator.pk}).json()["results"] == []


@pytest.mark.parametrize("value", ["abc", "0", "-1", "9" * 30])
def test_a_bad_user_filter_is_400_naming_it(api, chain_admin, value):
    response = api.as_user(chain_admin).get("/api/v1/auth/tokens/", {"user": value})
    assert response.status_code == 400
    assert "user" in response.json()["errors"]


def test_a_password_change_ends_every_token(client, integrator):
    _token, secret = token_issue(user=integrator)
    integrator.set_password("a-new-password-2026")
    integrator.save()
    assert_refused(client, secret)
    assert not ApiToken.objects.filter(user=integrator).exists()


def test_a_password_written_behind_the_models_back_still_ends_the_token(client, integrator):
    token, secret = token_issue(user=integrator)
    User.objects.filter(pk=integrator.pk).update(password=make_password("a-new-password-2026"))
    assert_refused(client, secret, "The token ended with a password change.")
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_a_deactivation_ends_every_token_for_good(client, integrator):
    _token, secret = token_issue(user=integrator)
    integrator.is_active = False
    integrator.save()
    assert_refused(client, secret)
    integrator.is_active = True
    integrator.save()
    assert_refused(client, secret)


def test_a_deactivation_behind_the_models_back_is_refused_too(client, integrator):
    _token, secret = token_issue(user=integrator)
    User.objects.filter(pk=integrator.pk).update(is_active=False)
    assert_refused(client, secret, "User inactive or deleted.")


def test_a_login_timestamp_update_keeps_the_tokens(client, integrator):
    _token, secret = token_issue(user=integrator)
    integrator.last_login = timezone.now()
    integrator.save(update_fields=["last_login"])
    assert client.get("/api/v1/guests/", **auth(secret)).status_code == 200


def test_the_last_use_is_recorded_at_most_once_a_minute(client, integrator):
    token, secret = token_issue(user=integrator)
    assert token.last_used_at is None
    client.get("/api/v1/auth/tokens/", **auth(secret))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/auth/tokens/", **auth(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token " + "f" * 64, "Token \u00ff\u00fe", "Token ../../etc"],
)
def test_a_bad_authorization_header_is_401_never_500(client, integrator, header):
    response = client.get("/api/v1/guests/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("data", "field"),
    [({"username": "integrator"}, "password"), ({"password": PASSWORD}, "username"), ({}, "username")],
)
def test_the_token_endpoint_names_a_missing_field(client, integrator, data, field):
    response = client.post("/api/v1/auth/token/", data, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_inactive_user_gets_no_token(client):
    UserFactory(username="gone", is_active=False)
    response = client.post("/api/v1/auth/token/", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 400 and response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_the_admin_shows_tokens_read_only(client, integrator):
    token, _secret = token_issue(user=integrator)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get("/admin/tokens/apitoken/").status_code == 200
    assert client.get(f"/admin/tokens/apitoken/{token.pk}/change/").status_code == 200
    assert client.get("/admin/tokens/apitoken/add/").status_code == 403
    assert client.post(f"/admin/tokens/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()
