"""A small chain for the authorization matrix: two hotels, a user of every role bound to
the first (LIS, "own"), one object of every property-scoped kind at each hotel ("own"
and "other"), and the chain-wide objects (guests, a membership, tiers, runs).

``ids[OWN][name]`` / ``ids[OTHER][name]`` / ``ids[CHAIN][name]`` are ids;
``ids[ROLE][role][name]`` the objects that belong to the user asking (their token).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from analytics.services import segmentation_run
from complaints.models import ComplaintEscalation, ComplaintNotification
from crm_site import roles
from crm_site.tokens.services import token_issue
from guests import services as guest_services
from guests.models import AuditEvent, ExchangeRate, GuestNote, RoomInventory
from loyalty.defaults import seed_default_tiers
from loyalty.models import Tier
from nightly.models import NightlyRun
from tests.authz import areas
from tests.care.factories import CareTaskFactory, ChurnWarningFactory, StaySurveyFactory
from tests.complaints.factories import ComplaintFactory
from tests.factories import (
    CompanyFactory,
    GuestFactory,
    GuestNoteFactory,
    GuestPreferenceFactory,
    PreferenceTypeFactory,
    PropertyFactory,
    StayFactory,
    UserFactory,
)
from tests.loyalty.factories import MembershipFactory, MissingPointsClaimFactory, RewardFactory, give_points

OWN, OTHER, CHAIN, ROLE = "own", "other", "chain", "role"
ROLE_NAMES = tuple(roles.ROLES)
AMOUNT = Decimal("1234.56")  # every stay's room revenue: easy to spot where it must not be


def _hotel_objects(prop, tag: str, users: dict, member) -> dict:
    """One object of every property-scoped kind at ``prop``; ``tag`` keeps keys apart."""
    guest = GuestFactory(family_name_latin=f"Guest{tag}", given_name_latin="Test", marketing_email_consent=True)
    departed = timezone.localdate() - dt.timedelta(days=30)
    stay_dates = {"arrival_date": departed - dt.timedelta(days=2), "departure_date": departed}
    stay = StayFactory(guest=guest, property=prop, confirmation_number=f"AZ-{tag}-1", room_revenue=AMOUNT, **stay_dates)
    unsurveyed = StayFactory(guest=guest, property=prop, confirmation_number=f"AZ-{tag}-2", **stay_dates)
    survey = StaySurveyFactory(stay=StayFactory(guest=guest, property=prop, confirmation_number=f"AZ-{tag}-3"))
    complaint = ComplaintFactory(property=prop, guest=guest, stay=stay)
    escalation = ComplaintEscalation.objects.create(
        complaint=complaint,
        kind=ComplaintEscalation.Kind.RESOLUTION,
        deadline=timezone.now() - dt.timedelta(hours=1),
        escalated_at=timezone.now(),
    )
    notifications = {
        role: ComplaintNotification.objects.create(escalation=escalation, recipient=user, created_at=timezone.now()).pk
        for role, user in users.items()
    }
    return {
        "property": prop.pk,
        "code": prop.code,
        "stay_guest": guest.pk,
        "stay": stay.pk,
        "unsurveyed_stay": unsurveyed.pk,
        "survey": survey.pk,
        "complaint": complaint.pk,
        "walkin_complaint": ComplaintFactory(property=prop, guest=None).pk,
        "notification": notifications,
        "care_task": CareTaskFactory(guest=guest, property=prop).pk,
        "warning": ChurnWarningFactory(guest=guest, last_property=prop).pk,
        "claim": MissingPointsClaimFactory(membership=member, property=prop).pk,
    }


def build_chain() -> dict:
    seed_default_tiers(Tier)
    own_hotel = PropertyFactory(code="LIS", name="Lisbon City")
    other_hotel = PropertyFactory(code="ALG", name="Algarve Resort")
    users = {role: UserFactory(username=role, roles=[role], properties=[own_hotel]) for role in ROLE_NAMES}
    member_guest = GuestFactory(family_name_latin="Member", given_name_latin="Test")
    member = MembershipFactory(guest=member_guest)
    give_points(member, 5000)
    ids = {
        OWN: _hotel_objects(own_hotel, "L", users, member),
        OTHER: _hotel_objects(other_hotel, "A", users, member),
    }
    survivor, merged_away = GuestFactory(), GuestFactory(family_name_latin="Merged")
    merge = guest_services.guest_merge(survivor_id=survivor.pk, merged_id=merged_away.pk, by=None)
    guest = GuestFactory(family_name_latin="Silva", given_name_latin="Ana")
    run = segmentation_run(as_of=timezone.localdate() - dt.timedelta(days=1))
    ids[CHAIN] = {
        "guest": guest.pk,
        "duplicate": GuestFactory(family_name_latin="Silva", given_name_latin="Ana").pk,
        "preference": GuestPreferenceFactory(guest=guest, preference_type=PreferenceTypeFactory(code="authz-a")).pk,
        "note": GuestNoteFactory(guest=guest, kind=GuestNote.Kind.ALERT, text="Feathers").pk,
        "member_guest": member_guest.pk,
        "membership": member.pk,
        "tier": Tier.objects.get(code="gold").pk,
        "reward": RewardFactory(code="authz-breakfast", points_cost=1000).pk,
        "company": CompanyFactory().pk,
        "merge": merge.pk,
        "run": run.pk,
        "nightly_run": NightlyRun.objects.create(as_of=run.as_of, trigger=NightlyRun.Trigger.COMMAND).pk,
        "exchange_rate": ExchangeRate.objects.create(currency="GBP", valid_from=dt.date(2020, 1, 1), rate="1.1").pk,
        "room_inventory": RoomInventory.objects.create(
            property=own_hotel, valid_from=dt.date(2020, 1, 1), rooms=120
        ).pk,
        "audit_event": AuditEvent.objects.filter(guest_ref=merged_away.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
    }
    ids[CHAIN]["preference_type"] = PreferenceTypeFactory(code="authz-b").pk
    ids[CHAIN]["users"] = {role: user.pk for role, user in users.items()}
    ids[ROLE] = {role: {"token": token_issue(user=user)[0].pk} for role, user in users.items()}
    for module in areas.modules():
        if hasattr(module, "build_objects"):
            module.build_objects(ids, own_hotel=own_hotel, other_hotel=other_hotel, users=users)
    return ids


def objects_for(ids: dict, kind: str, role: str | None) -> dict:
    """What a request of ``kind`` names: the chain-wide objects, the hotel's (own or
    other; own for requests naming no hotel) and the asker's own (their token; their
    notification at that hotel)."""
    hotel = ids[OTHER if kind == OTHER else OWN]
    merged = {**ids[CHAIN], **hotel}
    merged["notification"] = hotel["notification"].get(role) or hotel["notification"][roles.CHAIN_ADMIN]
    if kind == OTHER:  # someone else's token: the chain administrator's (the admin: the integrator's)
        owner = roles.INTEGRATOR if role == roles.CHAIN_ADMIN else roles.CHAIN_ADMIN
    else:
        owner = role or roles.CHAIN_ADMIN
    merged["token"] = ids[ROLE][owner]["token"]
    return merged
