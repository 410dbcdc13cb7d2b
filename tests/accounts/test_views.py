"""The account pages: every tab renders, every form posts through its service (a refused
value comes back on the form with 400), every table exports to CSV, no inline script or
style (CSP), Simplified Chinese."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Account, AccountContact, AccountMilestone, Activity, Agreement, LevelChange, RoadmapStage

from .factories import AccountFactory, ActivityFactory, AgreementFactory, ContactFactory

pytestmark = pytest.mark.django_db

TABS = ["", "team/", "contacts/", "plan/", "roadmap/", "activities/", "agreements/", "timeline/"]
INLINE = [re.compile(p, re.I) for p in (r"<style", r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle\s*=", r"\son[a-z]+\s*=")]


@pytest.fixture
def rich_account(own_account, salesperson, hotel):
    ContactFactory(account=own_account, name="Li Wei", level="high", role="decision_maker")
    AgreementFactory(account=own_account, property=hotel, valid_to=timezone.localdate() + dt.timedelta(days=20))
    ActivityFactory(account=own_account, owner=salesperson, due_on=timezone.localdate() - dt.timedelta(days=2))
    services.milestone_tick(account_id=own_account.pk, milestone="identify-account")
    services.driver_scores_set(account_id=own_account.pk, scores=[{"driver": "price", "importance": 5, "our_score": 3}])
    return own_account


def test_every_tab_and_page_renders_without_inline_script_or_style(client, salesperson, rich_account):
    client.force_login(salesperson)
    pages = [f"/accounts/{rich_account.pk}/{tab}" for tab in TABS] + [
        "/accounts/",
        "/accounts/new/",
        "/accounts/board/",
        "/accounts/agenda/",
        "/accounts/levels/",
        "/accounts/agreements/",
        "/accounts/settings/",
        f"/accounts/{rich_account.pk}/edit/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(html), (url, pattern.pattern)


def test_the_pages_speak_simplified_chinese(client, salesperson, rich_account):
    client.force_login(salesperson)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(f"/accounts/{rich_account.pk}/roadmap/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "潜在客户开发" in html and "识别并确认目标客户" in html  # vocabulary data
    assert "路线图" in html and "联系人地图" in html  # template strings
    overview = client.get(f"/accounts/{rich_account.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "普通" in overview and "关系等级" in overview


def test_create_and_edit_an_account_from_the_pages(client, salesperson):
    client.force_login(salesperson)
    bad = client.post(
        "/accounts/new/",
        {"name": "", "account_type": "corporate", "account_class": "key", "relationship_level": "ordinary"},
    )
    assert bad.status_code == 400 and not Account.objects.exists()
    response = client.post(
        "/accounts/new/",
        {
            "name": "Acme",
            "account_type": "corporate",
            "account_class": "key",
            "relationship_level": "partner",
            "level_reason": "Big spender",
        },
    )
    account = Account.objects.get()
    assert response.status_code == 302 and account.owner == salesperson
    edit = client.post(
        f"/accounts/{account.pk}/edit/",
        {"name": "Acme Group", "account_type": "corporate", "account_class": "key", "parent": account.pk},
    )
    assert edit.status_code == 400  # its own parent
    client.post(
        f"/accounts/{account.pk}/edit/", {"name": "Acme Group", "account_type": "corporate", "account_class": "key"}
    )
    account.refresh_from_db()
    assert account.name == "Acme Group"


def test_level_form_requires_a_reason(client, salesperson, own_account):
    client.force_login(salesperson)
    refused = client.post(f"/accounts/{own_account.pk}/level/", {"level": "partner", "reason": ""})
    assert refused.status_code == 400 and "Give the reason for the level." in refused.content.decode()
    assert LevelChange.objects.filter(account=own_account).count() == 1
    ok = client.post(f"/accounts/{own_account.pk}/level/", {"level": "partner", "reason": "QBR"})
    assert ok.status_code == 302 and LevelChange.objects.filter(account=own_account).count() == 2


def test_tab_forms_post_through_the_services(client, salesperson, own_account, hotel):
    client.force_login(salesperson)
    pk = own_account.pk
    today = timezone.localdate().isoformat()
    posts = [
        (
            f"/accounts/{pk}/contacts/add/",
            {"name": "Li Wei", "role": "booker", "level": "low", "influence": "3", "attitude": "neutral"},
        ),
        (f"/accounts/{pk}/plan/save/", {"business_goals": "Grow", "share_of_wallet": "20"}),
        (f"/accounts/{pk}/plan/scores/", {"importance_price": "5", "our_score_price": "2"}),
        (f"/accounts/{pk}/plan/competitors/", {"name": "City Suites", "position": "ahead"}),
        (f"/accounts/{pk}/plan/documents/", {"title": "Plan", "url": "https://docs.example/p", "kind": "plan"}),
        (f"/accounts/{pk}/roadmap/tick/", {"milestone": "identify-account"}),
        (
            f"/accounts/{pk}/activities/add/",
            {
                "kind": "visit",
                "subject": "Visit",
                "due_on": today,
                "outcome": "Good",
                "next_step": "Call back",
                "next_due_on": today,
            },
        ),
        (
            f"/accounts/{pk}/agreements/add/",
            {
                "property": hotel.pk,
                "rate_code": "ACME",
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
                "rate_amount": "100",
                "status": "draft",
                "commitment_period": "year",
            },
        ),
        (f"/accounts/{pk}/external-ids/", {"system": "pms", "external_id": "A-1"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.content[:2000])
    assert AccountContact.objects.count() == 1 and AccountMilestone.objects.count() == 1
    assert Activity.objects.filter(status="open", subject="Call back").exists()
    follow = Activity.objects.get(status="open")
    assert client.post(f"/accounts/{pk}/activities/{follow.pk}/complete/", {"outcome": "Done"}).status_code == 302
    agreement = Agreement.objects.get()
    assert client.post(f"/accounts/{pk}/agreements/{agreement.pk}/status/", {"status": "sent"}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "sent"


@pytest.mark.parametrize(
    ("suffix", "data", "message"),
    [
        ("roadmap/tick/", {"milestone": "first-contact"}, "Tick “Account identified and qualified” first"),
        (
            "agreements/add/",
            {
                "property": "",
                "rate_code": "X",
                "valid_from": "2026-02-01",
                "valid_to": "2026-01-01",
                "status": "draft",
                "commitment_period": "year",
            },
            "The end cannot be before the start.",
        ),
        (
            "activities/add/",
            {"kind": "call", "subject": "x", "due_on": "2026-01-01", "next_step": "y"},
            "Record the outcome",
        ),
        ("contacts/add/", {"role": "booker", "level": "low"}, "Give the contact&#x27;s name"),
        ("plan/documents/", {"title": "x", "url": "javascript:alert(1)", "kind": "other"}, "Give an http(s) link."),
    ],
)
def test_a_refused_form_comes_back_with_its_errors(client, salesperson, own_account, suffix, data, message):
    client.force_login(salesperson)
    response = client.post(f"/accounts/{own_account.pk}/{suffix}", data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_every_table_exports_to_csv_with_formula_escaping(client, director, rich_account):
    Account.objects.filter(pk=rich_account.pk).update(name="=HYPERLINK(1)")
    client.force_login(director)
    pk = rich_account.pk
    exports = [
        "/accounts/?export=csv",
        f"/accounts/{pk}/?export=levels",
        f"/accounts/{pk}/team/?export=csv",
        f"/accounts/{pk}/contacts/?export=csv",
        f"/accounts/{pk}/plan/?export=scores",
        f"/accounts/{pk}/plan/?export=competitors",
        f"/accounts/{pk}/plan/?export=documents",
        f"/accounts/{pk}/roadmap/?export=csv",
        f"/accounts/{pk}/activities/?export=csv",
        f"/accounts/{pk}/agreements/?export=csv",
        f"/accounts/{pk}/timeline/?export=csv",
        "/accounts/board/?account_class=all&export=csv",
        "/accounts/agenda/?owner=all&export=csv",
        "/accounts/levels/?export=distribution",
        "/accounts/levels/?export=migration",
        "/accounts/agreements/?export=csv",
        "/accounts/settings/?export=csv",
    ]
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines, url
        assert "=HYPERLINK" not in "\n".join(
            line for line in lines if not line.startswith("'=") and "'=HYPERLINK" not in line
        ), url
    rows = client.get("/accounts/?export=csv").content.decode("utf-8-sig").splitlines()
    assert "'=HYPERLINK(1)" in rows[1]


def test_an_export_is_audited_and_so_is_a_refused_one(client, director, front_desk, rich_account):
    from guests.models import AuditEvent

    client.force_login(director)
    assert client.get(f"/accounts/{rich_account.pk}/contacts/?export=csv").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.target, event.actor, event.details["rows"]) == ("export:accounts:contacts", director, 1)
    assert event.details["account"] == rich_account.pk and event.details["table"] == "csv"
    assert client.get(f"/accounts/{rich_account.pk}/contacts/").status_code == 200  # a page is not an export
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1
    client.force_login(front_desk)
    assert client.get("/accounts/?export=csv").status_code == 403
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert (denied.target, denied.actor, denied.details["permission"]) == (
        "export:accounts:list",
        front_desk,
        "accounts.view_account",
    )


def test_a_merged_accounts_page_leads_to_the_survivor(client, salesperson, own_account):
    gone = AccountFactory(name="Gone", merged_into=own_account)
    client.force_login(salesperson)
    response = client.get(f"/accounts/{gone.pk}/contacts/")
    assert response.status_code == 302 and response["Location"] == f"/accounts/{own_account.pk}/contacts/"
    assert client.get("/accounts/999999/").status_code == 404


def test_directors_edit_the_roadmap_salespeople_read_it(client, director, salesperson):
    client.force_login(salesperson)
    assert client.post("/accounts/settings/stage/", {"code": "x", "name": "X"}).status_code == 403
    client.force_login(director)
    assert (
        client.post("/accounts/settings/stage/", {"code": "extra", "name": "Extra", "sort_order": "80"}).status_code
        == 302
    )
    stage = RoadmapStage.objects.get(code="extra")
    response = client.post(f"/accounts/settings/stage/{stage.pk}/", {"name": "Extra stage", "sort_order": "x"})
    assert response.status_code == 400
    client.post(
        f"/accounts/settings/stage/{stage.pk}/",
        {"name": "Extra stage", "name_zh": "额外", "sort_order": "85", "requires_order": "on", "is_active": "on"},
    )
    stage.refresh_from_db()
    assert (stage.name, stage.requires_order) == ("Extra stage", True)
    assert client.post("/accounts/settings/nonsense/", {}).status_code == 403


def test_the_agenda_page_lists_the_salespersons_activities(client, salesperson, own_account):
    late = ActivityFactory(
        account=own_account, owner=salesperson, subject="Late call", due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(salesperson)
    html = client.get("/accounts/agenda/").content.decode()
    assert 'data-testid="agenda-overdue"' in html and late.subject in html


def test_the_admin_lists_accounts_read_only(client, own_account):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    for url in (
        "/admin/accounts/account/",
        f"/admin/accounts/account/{own_account.pk}/change/",
        "/admin/accounts/roadmapstage/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/accounts/account/add/").status_code == 403
