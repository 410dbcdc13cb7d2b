"""Web sessions: a deactivated user is logged out on the next request, a password change
ends the user's other sessions, integrator accounts are API-only, the API schema and docs
need a login, and the API-tokens page."""

import pytest
from django.test import Client

from crm_site.tokens.models import ApiToken
from crm_site.tokens.services import token_issue

pytestmark = pytest.mark.django_db

PASSWORD = "pass12345!"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_deactivated_users_session_ends_on_the_next_request(front_desk):
    client = logged_in(front_desk)
    assert client.get("/guests/").status_code == 200
    front_desk.is_active = False
    front_desk.save()
    response = client.get("/guests/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    # Reactivating the account does not revive the old session.
    front_desk.is_active = True
    front_desk.save()
    assert client.get("/guests/").status_code == 302


def test_a_deactivated_users_session_gets_nothing_from_the_api(front_desk):
    client = logged_in(front_desk)
    front_desk.is_active = False
    front_desk.save()
    response = client.get("/api/v1/guests/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_a_password_change_keeps_this_session_and_ends_the_others_and_the_tokens(front_desk):
    here, elsewhere = logged_in(front_desk), logged_in(front_desk)
    _token, secret = token_issue(user=front_desk)
    response = here.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-long-pass-2026",
            "new_password2": "Another-long-pass-2026",
        },
    )
    assert response.status_code == 302
    assert here.get("/guests/").status_code == 200
    assert elsewhere.get("/guests/").status_code == 302
    assert Client().get("/api/v1/guests/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401
    assert not ApiToken.objects.filter(user=front_desk).exists()


def test_a_wrong_old_password_changes_nothing(front_desk):
    client = logged_in(front_desk)
    _token, secret = token_issue(user=front_desk)
    response = client.post(
        "/password/", {"old_password": "nope", "new_password1": "Another-long-pass-2026", "new_password2": "x"}
    )
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    assert Client().get("/api/v1/guests/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200


# --- Integrator accounts are API-only -------------------------------------------------------


@pytest.mark.parametrize("role", ["integrator", "integrator_readonly"])
def test_the_login_form_refuses_integrators(client, role, request):
    request.getfixturevalue(role)
    response = client.post("/login/", {"username": role, "password": PASSWORD})
    assert response.status_code == 200
    assert "Integrator accounts use the API with a token" in response.content.decode()
    assert "_auth_user_id" not in client.session
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = chinese.post("/login/", {"username": role, "password": PASSWORD})
    assert "集成账户" in response.content.decode()


@pytest.mark.parametrize("path", ["/guests/", "/guests/arrivals/", "/analytics/", "/complaints/", "/admin/", "/login/"])
def test_an_integrator_session_gets_403_on_every_page(integrator, path):
    response = logged_in(integrator).get(path)
    assert response.status_code == 403
    assert "Integrator accounts use the API with a token" in response.content.decode()


def test_an_integrator_session_can_still_log_out(integrator):
    client = logged_in(integrator)
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_integrator_session_is_refused_by_the_api_but_a_token_works(integrator):
    response = logged_in(integrator).get("/api/v1/guests/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    _token, secret = token_issue(user=integrator)
    assert Client().get("/api/v1/guests/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200


def test_an_integrator_gets_a_token_with_its_password(client, integrator):
    response = client.post("/api/v1/auth/token/", {"username": "integrator", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


# --- API schema and docs --------------------------------------------------------------------


def test_the_schema_needs_a_login(client, front_desk, integrator):
    response = client.get("/api/schema/")
    assert response.status_code == 401 and b"not_authenticated" in response.content
    assert logged_in(front_desk).get("/api/schema/").status_code == 200
    _token, secret = token_issue(user=integrator)
    assert client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200


def test_the_docs_need_a_login_and_load_their_script_as_a_file(client, front_desk):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/api/docs/")
    staff = logged_in(front_desk)
    page = staff.get("/api/docs/").content.decode()
    assert "<style" not in page and "<script>" not in page
    assert 'src="/api/docs/?script="' in page
    script = staff.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


# --- The API-tokens page ----------------------------------------------------------------------


def test_the_tokens_page_shows_and_revokes_ones_own_tokens(front_desk, integrator):
    own, own_secret = token_issue(user=front_desk)
    other, _secret = token_issue(user=integrator)
    client = logged_in(front_desk)
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == [own]
    html = page.content.decode()
    assert own.prefix in html and own_secret not in html and own.digest not in html
    response = client.post(f"/account/tokens/{other.pk}/revoke/")
    assert ApiToken.objects.filter(pk=other.pk).exists()
    assert response.status_code == 404  # someone else's token does not exist for the caller
    client.post(f"/account/tokens/{own.pk}/revoke/")
    assert not ApiToken.objects.filter(pk=own.pk).exists()


def test_a_chain_admin_sees_and_revokes_everybodys_tokens(chain_admin, front_desk, integrator):
    desk_token, _s = token_issue(user=front_desk)
    integrator_token, _s = token_issue(user=integrator)
    client = logged_in(chain_admin)
    page = client.get("/account/tokens/")
    assert set(page.context["page"].object_list) == {desk_token, integrator_token}
    filtered = client.get("/account/tokens/", {"user": integrator.pk})
    assert list(filtered.context["page"].object_list) == [integrator_token]
    bad = client.get("/account/tokens/", {"user": "abc"})
    assert bad.status_code == 200 and set(bad.context["page"].object_list) == {desk_token, integrator_token}
    client.post(f"/account/tokens/{integrator_token.pk}/revoke/")
    assert not ApiToken.objects.filter(pk=integrator_token.pk).exists()


def test_the_tokens_page_needs_a_login_and_a_post_to_revoke(client, front_desk):
    token, _secret = token_issue(user=front_desk)
    assert client.get("/account/tokens/").status_code == 302
    assert logged_in(front_desk).get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_tokens_page_speaks_chinese(front_desk):
    client = logged_in(front_desk)
    page = client.get("/account/tokens/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "API 令牌" in page.content.decode()
