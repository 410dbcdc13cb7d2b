"""The one audit log: reads of a guest (page and API), changes of profiles, preferences,
notes, consents and tier rules, every admin change — with old and new values — and the
audit page and API for chain administrators."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from crm_site.admin_site import AuditedAdmin
from guests import services
from guests.models import AuditEvent, PreferenceType
from loyalty import services as loyalty_services
from loyalty.models import Tier
from tests.factories import GuestFactory, PreferenceTypeFactory

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_reading_a_guest_is_audited_on_the_page_and_both_api_reads(client, api, front_desk):
    guest = GuestFactory()
    client.force_login(front_desk)
    assert client.get(f"/guests/{guest.pk}/").status_code == 200
    assert api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/").status_code == 200
    assert api.as_user(front_desk).get(f"/api/v1/guests/{guest.pk}/profile/").status_code == 200
    reads = [(e.action, e.channel, e.actor, e.target) for e in events(guest_ref=guest.pk)]
    assert reads == [("view", "web", front_desk, "guest")] + [("view", "api", front_desk, "guest")] * 2
    assert api.as_user(front_desk).get("/api/v1/guests/").status_code == 200  # a list is not a read of one guest
    assert AuditEvent.objects.count() == 3


def test_a_profile_change_keeps_old_and_new_values_and_masks_the_document(front_desk):
    guest = GuestFactory(language="en", email="old@mail.example")
    services.guest_update(
        guest_id=guest.pk,
        expected_version=1,
        data={"language": "pt", "email": "new@mail.example", "notes": "", "document_number": "X123"},
        by=front_desk,
    )
    change = AuditEvent.objects.get(action="change")
    assert change.details["changes"] == {
        "language": ["en", "pt"],
        "email": ["old@mail.example", "new@mail.example"],
        "document_hash": ["***", "***"],
    }


def test_preference_changes_are_audited_with_old_and_new_values(front_desk, hotel):
    guest = GuestFactory()
    ptype = PreferenceTypeFactory(code="qc-pillow")
    pref = services.preference_set(guest=guest, preference_type=ptype, note="firm", by=front_desk)
    services.preference_set(guest=guest, preference_type=ptype, note="soft", source="guest", by=front_desk)
    services.preference_remove(guest=guest, preference_id=pref.pk, by=front_desk)
    trail = [(e.action, e.details["changes"]) for e in events(target="preference")]
    assert trail[0][0] == "create" and trail[0][1]["note"] == [None, "firm"]
    assert trail[1] == ("change", {"note": ["firm", "soft"], "source": ["staff", "guest"]})
    assert trail[2][0] == "delete" and trail[2][1]["note"] == ["soft", None]
    assert {e.object_ref for e in events(target="preference")} == {str(pref.pk)}


def test_note_changes_are_audited(front_desk):
    guest = GuestFactory()
    note = services.guest_note_add(guest=guest, text="Prefers tea", kind="alert", by=front_desk)
    services.guest_note_deactivate(guest=guest, note_id=note.pk, by=front_desk)
    services.guest_note_deactivate(guest=guest, note_id=note.pk, by=front_desk)  # already cleared: nothing new
    trail = [(e.action, e.details["changes"]) for e in events(target="note")]
    assert trail == [
        ("create", {"kind": [None, "alert"], "text": [None, "Prefers tea"]}),
        ("change", {"is_active": [True, False]}),
    ]


def test_tier_rule_changes_are_audited(chain_admin, api):
    gold = Tier.objects.get(code="gold")
    loyalty_services.tier_update(tier=gold, data={"qualifying_nights": 30}, by=chain_admin)
    event = AuditEvent.objects.get(target="tier")
    assert (event.action, event.actor, event.object_ref, event.guest_ref) == ("change", chain_admin, str(gold.pk), None)
    assert event.details["changes"] == {"qualifying_nights": [25, 30]}
    loyalty_services.tier_create(data={"code": "diamond", "rank": 99, "qualifying_nights": 90}, by=chain_admin)
    assert AuditEvent.objects.filter(target="tier", action="create").count() == 1


# --- Every admin change --------------------------------------------------------------------------


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", "root@hotel.example", "pass12345!")
    client.force_login(user)
    client.user = user
    return client


def test_every_registered_model_admin_is_audited():
    from django.contrib import admin

    assert all(isinstance(model_admin, AuditedAdmin) for model_admin in admin.site._registry.values())


def test_an_admin_change_records_old_and_new_values(root):
    ptype = PreferenceType.objects.get(code="bed-king")
    form = {
        "code": ptype.code,
        "category": ptype.category,
        "group": ptype.group,
        "label": "King-size bed",
        "label_zh": ptype.label_zh,
        "is_active": "on",
        "sort_order": ptype.sort_order,
    }
    response = root.post(f"/admin/guests/preferencetype/{ptype.pk}/change/", form)
    assert response.status_code == 302
    event = AuditEvent.objects.get(target="admin:guests.preferencetype")
    assert (event.action, event.actor, event.channel, event.object_ref) == ("change", root.user, "admin", str(ptype.pk))
    assert event.details["changes"] == {"label": ["King bed", "King-size bed"]}


def test_an_admin_password_change_is_audited_without_the_password(root):
    user = User.objects.create_user("clerk", password="pass12345!")
    response = root.post(
        f"/admin/auth/user/{user.pk}/password/", {"password1": "N3w-secret-pass", "password2": "N3w-secret-pass"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(target="admin:auth.user")
    assert "N3w-secret-pass" not in str(event.details)
    assert event.details["changes"] == {"password": ["***", "***"]}


def test_an_admin_deletion_is_audited(root):
    from care.models import CareEmailTemplate

    template = CareEmailTemplate.objects.create(kind="birthday", language="pt", subject="Parabéns", body="Olá")
    response = root.post(f"/admin/care/careemailtemplate/{template.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(target="admin:care.careemailtemplate")
    assert (event.action, event.object_ref) == ("delete", str(template.pk))


def test_an_admin_guest_change_is_audited_once_by_the_service(root):
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana", language="")
    form = {
        "family_name_latin": "Silva",
        "given_name_latin": "Ana",
        "email": guest.email,
        "phone": guest.phone,
        "language": "pt",
        "loaded_version": 1,
        "preferences-TOTAL_FORMS": 0,
        "preferences-INITIAL_FORMS": 0,
        "guest_notes-TOTAL_FORMS": 0,
        "guest_notes-INITIAL_FORMS": 0,
    }
    assert root.post(f"/admin/guests/guest/{guest.pk}/change/", form).status_code == 302
    [event] = events(guest_ref=guest.pk)
    assert (event.channel, event.details["changes"]) == ("admin", {"language": ["", "pt"]})


# --- The audit page and API ----------------------------------------------------------------------


@pytest.fixture
def trail(front_desk, chain_admin):
    ana, rui = GuestFactory(), GuestFactory()
    services.guest_note_add(guest=ana, text="hello", by=front_desk)
    services.guest_note_add(guest=rui, text="hi", by=chain_admin)
    services.guest_export(guest=rui, by=chain_admin)
    return {"ana": ana, "rui": rui}


def test_the_audit_api_filters_by_guest_actor_action_what_and_date(api, chain_admin, front_desk, trail):
    client = api.as_user(chain_admin)

    def targets(query):
        response = client.get(f"/api/v1/audit-events/?{query}")
        assert response.status_code == 200, response.json()
        return [(e["action"], e["target"], e["guest"]) for e in response.json()["results"]]

    rui = trail["rui"].pk
    assert targets(f"guest={rui}") == [("export", "export:guest", rui), ("create", "note", rui)]
    assert targets("actor=front_desk") == [("create", "note", trail["ana"].pk)]
    assert targets("action=export") == [("export", "export:guest", rui)]
    assert targets("target=export:") == [("export", "export:guest", rui)]
    today = dt.date.today().isoformat()
    assert len(targets(f"date_from={today}&date_to={today}")) == 3
    assert targets("date_to=2000-01-01") == []
    bad = client.get("/api/v1/audit-events/?date_from=9999-01-01&action=explode")
    assert bad.status_code == 400 and {"date_from", "action"} <= set(bad.json()["errors"])
    assert api.as_user(front_desk).get("/api/v1/audit-events/").status_code == 403


def test_the_audit_page_is_for_chain_admins_and_filters(client, chain_admin, front_desk, trail):
    client.force_login(front_desk)
    assert client.get("/guests/audit/").status_code == 403
    assert client.get(f"/guests/{trail['ana'].pk}/audit/").status_code == 403
    client.force_login(chain_admin)
    page = client.get(f"/guests/audit/?guest={trail['rui'].pk}&action=export")
    assert page.status_code == 200
    body = page.content.decode()
    assert "export:guest" in body and "note" not in body.split('data-testid="audit-events"')[1]
    assert client.get("/guests/audit/?date_from=2026-13-45").status_code == 400
    assert "Exported" in client.get(f"/guests/{trail['rui'].pk}/audit/").content.decode()
