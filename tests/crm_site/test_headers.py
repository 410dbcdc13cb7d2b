"""Content-Security-Policy (no inline code anywhere) and Permissions-Policy on every kind
of answer: pages, the API, 404s, 500s; and pages that render no inline script or style."""

import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"]


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives == EXPECTED_CSP
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = response["Permissions-Policy"]
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in policy


def _page_bug(request):
    raise ZeroDivisionError("a bug")


@api_view(["GET"])
@permission_classes([AllowAny])
def _api_bug(request):
    raise ZeroDivisionError("a bug")


urlpatterns = [
    path("boom/", _page_bug),
    path("api/v1/boom/", _api_bug),
    path("", include("crm_site.urls")),
]
handler404 = "crm_site.error_views.page_not_found"
handler500 = "crm_site.error_views.server_error"


def test_headers_on_a_page_and_the_login_page(client, front_desk):
    assert_security_headers(client.get("/login/"))
    client.force_login(front_desk)
    response = client.get("/guests/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_headers_on_api_answers(api, client, front_desk):
    response = api.as_user(front_desk).get("/api/v1/guests/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_security_headers(client.get("/api/v1/guests/"))  # 401
    assert_security_headers(client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}))  # 400


def test_headers_on_404s(client, front_desk):
    api_404 = client.get("/api/v1/no-such-thing/")
    assert api_404.status_code == 404
    assert_security_headers(api_404)
    client.force_login(front_desk)
    page_404 = client.get("/no-such-page/")
    assert page_404.status_code == 404
    assert_security_headers(page_404)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_headers_on_500s():
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500 and b"<html" in page.content
    assert_security_headers(page)
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500 and api.json()["code"] == "server_error"
    assert_security_headers(api)


@override_settings(REQUEST_BODY_MAX_BYTES=1024)
def test_headers_on_a_refused_body(client):
    response = client.post("/api/v1/auth/token/", {"username": "x" * 5000}, content_type="application/json")
    assert response.status_code == 413
    assert_security_headers(response)


def test_the_policy_settings_allow_no_inline_code(settings):
    for sources in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].values():
        assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"} & set(sources)


def test_a_policy_with_inline_code_fails_the_system_checks(settings):
    from crm_site.tokens.checks import check_credential_settings

    assert check_credential_settings() == []
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", "'unsafe-inline'"]}}
    settings.API_TOKEN_TTL_HOURS = 0
    settings.TRUSTED_PROXY_COUNT = -1
    assert {e.id for e in check_credential_settings()} == {"tokens.E001", "tokens.E002", "tokens.E003"}


INLINE = [
    re.compile(r"<style", re.I),
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
]


@pytest.fixture
def demo(db):
    call_command("seed_demo", guests=60, seed=3, verbosity=0)
    call_command("run_segmentation", verbosity=0)
    from django.contrib.auth.models import User

    return {u.username: u for u in User.objects.all()}


def _main_pages(demo):
    from care.models import ChurnWarning
    from complaints.models import Complaint
    from guests.models import Guest
    from loyalty.models import Membership

    guest = Guest.objects.active().filter(stays__isnull=False).order_by("pk").first()
    complaint = Complaint.objects.order_by("pk").first()
    member = Membership.objects.order_by("pk").first()
    warning = ChurnWarning.objects.order_by("pk").first()
    return [
        ("admin", "/guests/new/"),
        ("admin", f"/guests/{guest.pk}/edit/"),
        ("admin", f"/guests/{guest.pk}/audit/"),
        ("admin", "/loyalty/members/"),
        ("admin", f"/loyalty/members/{member.pk}/"),
        ("admin", "/loyalty/claims/"),
        ("admin", "/loyalty/tiers/"),
        ("admin", "/care/"),
        ("admin", "/care/worklist/"),
        ("admin", "/care/lost/"),
        ("admin", "/care/surveys/"),
        ("admin", "/analytics/runs/"),
        ("sales", "/analytics/segments/small/"),
        ("desk", "/guests/"),
        ("desk", "/guests/?q=zhang"),
        ("desk", f"/guests/{guest.pk}/"),
        ("desk", "/guests/arrivals/"),
        ("relations", "/complaints/"),
        ("relations", "/complaints/new/"),
        ("admin", f"/complaints/{complaint.pk}/"),
        ("sales", "/analytics/"),
        ("sales", "/complaints/analysis/"),
        ("admin", "/account/tokens/"),
        *([("admin", f"/care/warnings/{warning.pk}/")] if warning else []),
        ("admin", "/password/"),
        (None, "/login/"),
    ]


def test_main_pages_render_no_inline_script_style_or_handler(demo):
    for username, url in _main_pages(demo):
        client = Client()
        if username:
            client.force_login(demo[username])
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        for pattern in INLINE:
            match = pattern.search(html)
            assert match is None, (url, html[max(match.start() - 80, 0) : match.end() + 80])
