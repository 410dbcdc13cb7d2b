"""Activities: planned, done with an outcome and a next step (the follow-up activity),
the salesperson's agenda and overdue list, the account timeline."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import selectors, services
from accounts.models import Activity
from crm_site.errors import DomainError, Forbidden

from .factories import ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def test_record_a_visit_with_a_next_step_plans_the_follow_up(own_account, salesperson):
    contact = ContactFactory(account=own_account, name="Li Wei")
    visit = services.activity_create(
        account_id=own_account.pk,
        data={
            "kind": "visit",
            "subject": "Visit the travel office",
            "due_on": today().isoformat(),
            "contact": contact.pk,
            "outcome": "They want monthly billing",
            "next_step": "Send the billing proposal",
            "next_due_on": (today() + dt.timedelta(days=5)).isoformat(),
            "next_kind": "proposal",
        },
        by=salesperson,
    )
    assert (visit.status, visit.done_on, visit.owner) == ("done", today(), salesperson)
    follow = visit.follow_up
    assert (follow.kind, follow.subject, follow.status, follow.owner, follow.contact) == (
        "proposal",
        "Send the billing proposal",
        "open",
        salesperson,
        contact,
    )
    contact.refresh_from_db()
    assert contact.last_touch_on == today()
    kinds = list(own_account.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["activity_planned", "activity_done"]  # the follow-up planned, the visit done


def test_complete_a_planned_activity(own_account, salesperson):
    call = services.activity_create(
        account_id=own_account.pk,
        data={"kind": "call", "subject": "Intro call", "due_on": today().isoformat()},
        by=salesperson,
    )
    assert (call.status, call.follow_up) == ("open", None)
    done = services.activity_complete(activity_id=call.pk, outcome="Interested", by=salesperson)
    assert (done.status, done.done_on, done.follow_up) == ("done", today(), None)
    with pytest.raises(DomainError) as caught:
        services.activity_complete(activity_id=call.pk, outcome="Again", by=salesperson)
    assert "status" in caught.value.fields


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "x", "due_on": "2026-01-01"}, "kind"),
        ({"kind": "lunch", "subject": "x", "due_on": "2026-01-01"}, "kind"),
        ({"kind": "call", "due_on": "2026-01-01"}, "subject"),
        ({"kind": "call", "subject": "x"}, "due_on"),
        ({"kind": "call", "subject": "x", "due_on": "01/02/2026"}, "due_on"),
        ({"kind": "call", "subject": "x", "due_on": "2026-01-01", "contact": 999999}, "contact"),
        ({"kind": "call", "subject": "x", "due_on": "2026-01-01", "property": "ZZZ"}, "property"),
        ({"kind": "call", "subject": "x", "due_on": "2026-01-01", "next_step": "Call back"}, "outcome"),
        (
            {"kind": "call", "subject": "x", "due_on": "2026-01-01", "outcome": "ok", "next_step": "Call back"},
            "next_due_on",
        ),
        (
            {
                "kind": "call",
                "subject": "x",
                "due_on": "2026-01-01",
                "outcome": "ok",
                "next_step": "Call",
                "next_due_on": "2025-12-31",
            },
            "next_due_on",
        ),
        ({"kind": "call", "subject": "x", "due_on": "2999-01-01", "outcome": "ok"}, "due_on"),
    ],
)
def test_bad_activities_name_the_field_and_write_nothing(own_account, salesperson, data, field):
    with pytest.raises(DomainError) as caught:
        services.activity_create(account_id=own_account.pk, data=data, by=salesperson)
    assert field in caught.value.fields
    assert not Activity.objects.exists()


def test_a_contact_of_another_account_is_refused(own_account, others_account, salesperson):
    theirs = ContactFactory(account=others_account)
    with pytest.raises(DomainError) as caught:
        services.activity_create(
            account_id=own_account.pk,
            data={"kind": "call", "subject": "x", "due_on": today().isoformat(), "contact": theirs.pk},
            by=salesperson,
        )
    assert "contact" in caught.value.fields


def test_a_salesperson_assigns_activities_to_themselves_or_the_team(
    own_account, salesperson, other_salesperson, director
):
    data = {"kind": "call", "subject": "x", "due_on": today().isoformat(), "owner": other_salesperson.pk}
    with pytest.raises(Forbidden) as caught:
        services.activity_create(account_id=own_account.pk, data=data, by=salesperson)
    assert "owner" in caught.value.fields
    services.team_member_add(
        account_id=own_account.pk, user=other_salesperson.pk, role="property_sales", by=salesperson
    )
    assert services.activity_create(account_id=own_account.pk, data=data, by=salesperson).owner == other_salesperson
    # The director assigns to any salesperson.
    assert (
        services.activity_create(account_id=own_account.pk, data={**data, "owner": director.pk}, by=director).owner
        == director
    )


def test_the_agenda_sorts_open_activities_and_lists_what_was_done(
    own_account, others_account, salesperson, other_salesperson
):
    t = today()
    late = ActivityFactory(account=own_account, owner=salesperson, due_on=t - dt.timedelta(days=3))
    now = ActivityFactory(account=own_account, owner=salesperson, due_on=t)
    soon = ActivityFactory(account=own_account, owner=salesperson, due_on=t + dt.timedelta(days=5))
    later = ActivityFactory(account=own_account, owner=salesperson, due_on=t + dt.timedelta(days=40))
    done = ActivityFactory(
        account=own_account,
        owner=salesperson,
        due_on=t - dt.timedelta(days=2),
        status="done",
        done_on=t - dt.timedelta(days=2),
    )
    ActivityFactory(account=own_account, owner=salesperson, due_on=t - dt.timedelta(days=9), status="cancelled")
    ActivityFactory(account=others_account, owner=other_salesperson, due_on=t - dt.timedelta(days=3))  # someone else's
    agenda = selectors.agenda(owner=salesperson, today=t)
    assert [a.pk for a in agenda["overdue"]] == [late.pk]
    assert [a.pk for a in agenda["today"]] == [now.pk]
    assert [a.pk for a in agenda["upcoming"]] == [soon.pk]
    assert [a.pk for a in agenda["later"]] == [later.pk]
    assert [a.pk for a in agenda["done"]] == [done.pk]
    everyone = selectors.agenda(owner=None, today=t)
    assert len(everyone["overdue"]) == 2


def test_cancel_and_edit_an_open_activity(own_account, salesperson):
    call = ActivityFactory(account=own_account, owner=salesperson)
    services.activity_update(activity_id=call.pk, data={"subject": "Renamed", "due_on": "2026-02-01"}, by=salesperson)
    call.refresh_from_db()
    assert (call.subject, call.due_on) == ("Renamed", dt.date(2026, 2, 1))
    services.activity_cancel(activity_id=call.pk, reason="Client postponed", by=salesperson)
    call.refresh_from_db()
    assert (call.status, call.outcome) == ("cancelled", "Client postponed")
    with pytest.raises(DomainError):
        services.activity_update(activity_id=call.pk, data={"subject": "Again"}, by=salesperson)


def test_the_timeline_has_every_activity_level_milestone_and_agreement_event(own_account, salesperson, hotel):
    services.activity_create(
        account_id=own_account.pk,
        data={"kind": "visit", "subject": "Visit", "due_on": today().isoformat(), "outcome": "Good"},
        by=salesperson,
    )
    services.account_level_change(account_id=own_account.pk, level="preferred", reason="Review", by=salesperson)
    services.milestone_tick(account_id=own_account.pk, milestone="identify-account", by=salesperson)
    services.agreement_create(
        account_id=own_account.pk,
        data={
            "property": hotel.pk,
            "rate_code": "ACME",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "rate_amount": "120",
        },
        by=salesperson,
    )
    rows = selectors.account_timeline(own_account)
    kinds = [r["event"].kind for r in rows]
    assert {"activity_done", "level", "milestone", "agreement"} <= set(kinds)
    text = {r["event"].kind: r["text"] for r in rows}
    assert text["level"] == "Ordinary → Preferred"
    assert text["milestone"] == "Account identified and qualified"
    assert "ACME · LIS" in text["agreement"]
    assert text["activity_done"].startswith("Visit: Visit — Good")
