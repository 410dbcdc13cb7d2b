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
from dataclasses import dataclass

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


MOVES = {
    "received": [],
    "assigned": ["assigned"],
    "investigating": ["assigned", "investigating"],
    "resolved": ["assigned", "investigating", "resolved"],
    "feedback_recorded": ["assigned", "investigating", "resolved", "feedback_recorded"],
    "closed": ["assigned", "investigating", "resolved", "feedback_recorded", "closed"],
    "reopened": ["assigned", "investigating", "resolved", "reopen"],
}
PAST_STATES = ("closed", "feedback_recorded", "resolved")


@dataclass
class Draw:
    """The random choices behind one demo complaint (drawn in a fixed order)."""

    stay: Stay
    came_back: bool
    category: str
    description: str
    action: str
    severity: str
    channel: str
    late: bool
    gap_hours: float
    points: int
    money: int
    satisfaction: int
    base_time: dt.datetime
    late_factor: float
    feedback_hours: float
    root_cause: str
    overdue_hours: float
    window_share: float


def _draw(rng: random.Random, stay: Stay, arrivals: dict[int, list[dt.date]]) -> Draw:
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
    return Draw(
        stay,
        came_back,
        category,
        description,
        action,
        severity,
        channel,
        late,
        gap_hours,
        points,
        money,
        satisfaction,
        base_time,
        late_factor,
        feedback_hours,
        root_cause,
        overdue_hours,
        window_share,
    )


def _timeline(state: str, overdue: bool, draw: Draw, now: dt.datetime) -> tuple[dt.datetime, dict]:
    """When the complaint was received and when each move happened."""
    target = sla.sla_for(draw.severity)
    if state in PAST_STATES:
        # Picked up within (or after) the first-response window, resolved within or
        # after the resolution deadline; feedback a day or two later.
        received = draw.base_time
        assigned_at = received + target.first_response * (1.4 if draw.late else 0.3 + draw.gap_hours / 2)
        resolved_at = received + target.resolution * (draw.late_factor if draw.late else draw.gap_hours)
        feedback_at = resolved_at + dt.timedelta(hours=draw.feedback_hours)
        return received, {
            "assigned": assigned_at,
            "investigating": assigned_at + (resolved_at - assigned_at) / 4,
            "resolved": resolved_at,
            "feedback_recorded": feedback_at,
            "closed": feedback_at + dt.timedelta(hours=1),
        }
    if state == "reopened":
        # Resolved yesterday, the guest wrote again this morning.
        received = now - dt.timedelta(days=2, hours=draw.overdue_hours)
        return received, {
            "assigned": received + dt.timedelta(minutes=30),
            "investigating": received + dt.timedelta(hours=1),
            "resolved": received + dt.timedelta(hours=20),
            "reopen": now - dt.timedelta(hours=2),
        }
    if overdue:
        received = now - target.resolution - dt.timedelta(hours=draw.overdue_hours)
    else:
        # Still inside the first-response window, so "received" is not overdue yet.
        received = now - target.first_response * draw.window_share
    span = now - received
    return received, {"assigned": received + span * 0.2, "investigating": received + span * 0.4}


def _move_inputs(move: str, draw: Draw, handler) -> dict:
    if move == "assigned":
        return {"assignee": handler}
    if move == "resolved":
        return {
            "action_taken": draw.action,
            "root_cause": draw.root_cause,
            "compensation_points": draw.points,
            "compensation_money": draw.money,
        }
    if move == "feedback_recorded":
        return {"satisfaction": draw.satisfaction}
    if move == "reopen":
        return {"comment": "Guest wrote again: the problem came back."}
    return {}


def _replay(ctx, draw: Draw, state: str, overdue: bool, reference: str, now: dt.datetime) -> None:
    """Log the complaint and walk it to ``state`` through the real services, at past times."""
    stay = draw.stay
    code = stay.property.code
    handler = ctx.users[RELATIONS[code]]
    received, times = _timeline(state, overdue, draw, now)
    with transaction.atomic():
        complaint = services.complaint_create(
            property=stay.property,
            guest=stay.guest,
            stay=stay,
            category=draw.category,
            severity=draw.severity,
            channel=draw.channel,
            description=draw.description,
            received_at=received,
            source_reference=reference,
            by=ctx.users[DESK.get(code, RELATIONS[code])],
            at=received + dt.timedelta(minutes=2),
        )
        for move in MOVES[state]:
            complaint = services.complaint_transition(
                complaint=complaint,
                to="investigating" if move == "reopen" else move,
                by=handler,
                at=min(times[move], now - dt.timedelta(minutes=1)),
                **_move_inputs(move, draw, handler),
            )


def _demo_stays(ctx, rng: random.Random):
    """(stays of past complaints, recent stays, arrivals per guest) among sampled guests."""
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
    return past, recent, arrivals


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
    past, recent, arrivals = _demo_stays(ctx, rng)
    if not past or not recent:
        ctx.log.append("complaints: no demo stays to attach complaints to")
        return
    created = 0
    for index, (state, overdue) in enumerate(PLAN):
        reference = f"{prefix}{index:03d}"
        # Draw every random number even for existing complaints, so a rerun is the same.
        draw = _draw(rng, rng.choice(past if state in PAST_STATES else recent), arrivals)
        if reference not in existing:
            _replay(ctx, draw, state, overdue, reference, now)
            created += 1
    ctx.log.append(f"complaints: {created} demo complaints added ({len(existing)} were there)")
