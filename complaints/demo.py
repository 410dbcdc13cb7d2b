"""Demo complaints for ``seed_demo``: every workflow state, some overdue, linked to demo
guests and their stays, some compensated in points (posted to the loyalty ledger) or money.

Everything goes through the real services (intake, transitions, compensation), replayed
at past times, so the timeline, deadlines and analysis are what production would show.
Each demo complaint carries a source reference ``DEMO-<seed>-<n>``; a rerun skips those
that exist, so it adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from guests.models import Stay

from . import services, sla
from .models import Complaint

S = Complaint.Status

# (final state, overdue?) — how many of each.
PLAN = (
    [("closed", False)] * 22
    + [("feedback_recorded", False)] * 8
    + [("resolved", False)] * 8
    + [("reopened", False)] * 2
    + [("investigating", False)] * 5
    + [("investigating", True)] * 3
    + [("assigned", False)] * 4
    + [("assigned", True)] * 2
    + [("received", False)] * 4
    + [("received", True)] * 3
)

STORIES = {
    "service_quality": [
        (
            "Waited 40 minutes at check-in; no one apologised.",
            "Apologised, upgraded the room for the rest of the stay.",
        ),
        ("Room service order arrived cold and incomplete.", "Replaced the order, removed it from the folio."),
        (
            "Housekeeping skipped the room two days running.",
            "Room serviced immediately, housekeeping schedule checked.",
        ),
        ("Wake-up call never came; guest missed a meeting.", "Apology from the duty manager, wake-up system tested."),
    ],
    "facilities": [
        ("Air conditioning noisy all night.", "Engineer replaced the fan motor; room moved for the night."),
        ("No hot water in the morning.", "Boiler valve fixed; late check-out offered."),
        ("Wi-Fi kept dropping in the room.", "Access point on the floor replaced."),
        ("Shower door broken, water on the floor.", "Door repaired, room changed."),
    ],
    "management": [
        ("Charged twice for the minibar.", "Duplicate charge refunded, billing checked."),
        ("Reservation lost: no room on arrival.", "Walked to partner hotel at our cost, transport paid."),
        ("Rude answer from the night manager.", "General manager apologised; coaching given."),
    ],
    "expectation_gap": [
        ("Sea view room faces the car park.", "Moved to a sea-view room, booking texts corrected."),
        ("Breakfast much smaller than on the website.", "Breakfast photos updated, voucher for the restaurant."),
        ("Pool closed for maintenance without notice.", "Notice added to booking confirmations; spa access offered."),
    ],
    "other": [
        ("Construction noise next door from 7 am.", "Moved to the quiet wing; earplugs in all rooms on that side."),
        ("Parcel for the guest lost at the concierge.", "Parcel found in storage and delivered to the room."),
    ],
}
CATEGORY_WEIGHTS = [
    ("service_quality", 35),
    ("facilities", 30),
    ("management", 10),
    ("expectation_gap", 20),
    ("other", 5),
]
CHANNELS = [("front_desk", 45), ("phone", 15), ("email", 20), ("online_review", 15), ("other", 5)]
ROOT_CAUSES = [
    "Staffing gap on the shift",
    "Preventive maintenance overdue",
    "Booking text misleading",
    "Procedure not followed",
    "Supplier failure",
]
# Handled in time, the guest is usually pleased; late, much less so.
SATISFACTION_FAST = [5, 5, 5, 4, 4, 3]
SATISFACTION_SLOW = [4, 3, 3, 2, 1]

# Who logs and who handles complaints at each demo property.
DESK = {"LIS": "desk", "SHA": "desk.sha"}
RELATIONS = {"SHA": "relations", "BJS": "relations", "LIS": "relations.lis", "ALG": "relations.lis"}


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _day_time(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(7, 22), rng.randrange(0, 60))))


def seed(ctx) -> None:
    rng = random.Random(ctx.seed * 7919 + 4)
    prefix = f"DEMO-{ctx.seed}-"
    existing = set(
        Complaint.objects.filter(source_reference__startswith=prefix).values_list("source_reference", flat=True)
    )
    if len(existing) >= len(PLAN) or not ctx.guest_ids:
        ctx.log.append(f"complaints: {len(existing)} demo complaints already there")
        return
    now = timezone.now()
    users = ctx.users
    sample_ids = rng.sample(ctx.guest_ids, k=min(len(ctx.guest_ids), 400))
    stays = list(
        Stay.objects.filter(
            guest_id__in=sample_ids,
            property__code__in=list(RELATIONS),
            status__in=[Stay.Status.CHECKED_OUT, Stay.Status.IN_HOUSE],
            arrival_date__lte=ctx.today - dt.timedelta(days=1),
        )
        .select_related("property", "guest")
        .order_by("pk")
    )
    # History mostly from the last year, so the analysis's default window has it.
    past = [
        s for s in stays if ctx.today - dt.timedelta(days=350) <= s.departure_date <= ctx.today - dt.timedelta(days=30)
    ]
    if len(past) < 20:
        past = [s for s in stays if s.departure_date <= ctx.today - dt.timedelta(days=30)]
    # Guests who came back after a stay: handled fast, most of them did (the demo shows the
    # pattern the analysis measures, it does not invent the returns: they are real stays).
    arrivals: dict[int, list[dt.date]] = {}
    for s in stays:
        arrivals.setdefault(s.guest_id, []).append(s.arrival_date)
    recent = sorted(stays, key=lambda s: (s.departure_date, s.pk))[-60:]
    if not past or not recent:
        ctx.log.append("complaints: no demo stays to attach complaints to")
        return

    created = 0
    for index, (state, overdue) in enumerate(PLAN):
        reference = f"{prefix}{index:03d}"
        # Draw every random number even for existing complaints, so a rerun is the same.
        is_past = state in ("closed", "feedback_recorded", "resolved")
        stay = rng.choice(past if is_past else recent)
        came_back = any(a > stay.departure_date + dt.timedelta(days=2) for a in arrivals.get(stay.guest_id, []))
        category = _pick(rng, CATEGORY_WEIGHTS)
        description, action = rng.choice(STORIES[category])
        severity = _pick(rng, [("low", 25), ("medium", 40), ("high", 25), ("critical", 10)])
        channel = _pick(rng, CHANNELS)
        late = rng.random() < (0.15 if came_back else 0.6)
        gap_hours = rng.uniform(0.2, 0.9)
        points = rng.choice([0, 0, 0, 500, 1000, 2000])
        money = rng.choice([0, 0, 0, 0, 30, 50, 120])
        satisfaction = rng.choice(SATISFACTION_SLOW if late else SATISFACTION_FAST)
        base_time = _day_time(stay.departure_date - dt.timedelta(days=1), rng)
        late_factor = rng.uniform(1.2, 3.0)
        feedback_hours = rng.uniform(20, 60)
        root_cause = rng.choice(ROOT_CAUSES)
        overdue_hours, window_share = rng.uniform(1, 20), rng.uniform(0.2, 0.6)
        if reference in existing:
            continue
        code = stay.property.code
        handler = users[RELATIONS[code]]
        logger = users[DESK.get(code, RELATIONS[code])]
        target = sla.sla_for(severity)
        if is_past:
            received = base_time
        elif overdue:
            received = now - target.resolution - dt.timedelta(hours=overdue_hours)
        else:
            # Still inside the first-response window, so "received" is not overdue yet.
            received = now - target.first_response * window_share
        if is_past:
            # Picked up within (or after) the first-response window, resolved within or
            # after the resolution deadline; feedback a day or two later.
            assigned_at = received + target.first_response * (1.4 if late else 0.3 + gap_hours / 2)
            resolved_at = received + target.resolution * (late_factor if late else gap_hours)
            times = {
                "assigned": assigned_at,
                "investigating": assigned_at + (resolved_at - assigned_at) / 4,
                "resolved": resolved_at,
                "feedback_recorded": resolved_at + dt.timedelta(hours=feedback_hours),
            }
            times["closed"] = times["feedback_recorded"] + dt.timedelta(hours=1)
        elif state == "reopened":
            # Resolved yesterday, the guest wrote again this morning.
            received = now - dt.timedelta(days=2, hours=overdue_hours)
            times = {
                "assigned": received + dt.timedelta(minutes=30),
                "investigating": received + dt.timedelta(hours=1),
                "resolved": received + dt.timedelta(hours=20),
                "reopen": now - dt.timedelta(hours=2),
            }
        else:
            span = now - received
            times = {"assigned": received + span * 0.2, "investigating": received + span * 0.4}
        moves = {
            "received": [],
            "assigned": ["assigned"],
            "investigating": ["assigned", "investigating"],
            "resolved": ["assigned", "investigating", "resolved"],
            "feedback_recorded": ["assigned", "investigating", "resolved", "feedback_recorded"],
            "closed": ["assigned", "investigating", "resolved", "feedback_recorded", "closed"],
            "reopened": ["assigned", "investigating", "resolved", "reopen"],
        }[state]

        with transaction.atomic():
            complaint = services.complaint_create(
                property=stay.property,
                guest=stay.guest,
                stay=stay,
                category=category,
                severity=severity,
                channel=channel,
                description=description,
                received_at=received,
                source_reference=reference,
                by=logger,
                at=received + dt.timedelta(minutes=2),
            )
            for move in moves:
                kwargs = {}
                if move == "assigned":
                    kwargs["assignee"] = handler
                elif move == "resolved":
                    kwargs.update(
                        action_taken=action,
                        root_cause=root_cause,
                        compensation_points=points,
                        compensation_money=money,
                    )
                elif move == "feedback_recorded":
                    kwargs["satisfaction"] = satisfaction
                elif move == "reopen":
                    kwargs["comment"] = "Guest wrote again: the problem came back."
                complaint = services.complaint_transition(
                    complaint=complaint,
                    to="investigating" if move == "reopen" else move,
                    by=handler,
                    at=min(times[move], now - dt.timedelta(minutes=1)),
                    **kwargs,
                )
        created += 1
    ctx.log.append(f"complaints: {created} demo complaints added ({len(existing)} were there)")
