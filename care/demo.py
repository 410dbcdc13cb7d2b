"""Demo data for guest care: a handful of guests whose stay histories show each churn
pattern, low survey scores, birthdays and a first-stay anniversary in the coming week,
a VIP who checked out yesterday, and a year of recorded losses for the analysis page.

Nothing here runs the scan or builds the care list: ``make run`` does that after the
segmentation (``run_segmentation`` then ``scan_churn``, which refreshes today's care list).
Idempotent: guests are found by e-mail, stays by confirmation number, surveys by stay,
the loss history is written once.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from guests import demo_facts, money
from guests.models import Guest, Stay
from guests.services import guest_create

from . import services
from .models import ChurnWarning, ContactChannel, ContactLog, StaySurvey

EMAIL = "care.{key}@demo.example"
# A night in a suite: enough for the guests below to rank among the top few percent.
SUITE_RATE = Decimal("1400.00")


def _day(ctx, offset: int) -> dt.date:
    return ctx.today + dt.timedelta(days=offset)


def _birth(ctx, in_days: int, age: int) -> dt.date:
    date = _day(ctx, in_days)
    try:
        return date.replace(year=date.year - age)
    except ValueError:  # 29 February
        return date.replace(year=date.year - age, day=28)


# key, names, consent, birth (days from today, age) or None, opted out of profiling
PEOPLE = [
    ("lapsed-1", ("Helena", "Vasconcelos"), True, None, False),
    ("lapsed-2", ("Georg", "Lindqvist"), True, None, False),
    ("lapsed-3", ("Mei", "Tanaka"), False, None, False),
    ("lapsed-optout", ("Paulo", "Reis"), True, None, True),
    ("declining-1", ("Ingrid", "Holm"), True, None, False),
    ("declining-2", ("Rafael", "Moura"), False, None, False),
    ("declining-3", ("Claire", "Fontaine"), True, None, False),
    ("risk-1", ("Arjun", "Mehta"), True, None, False),
    ("risk-2", ("Sara", "Bianchi"), False, None, False),
    ("risk-3", ("Tomás", "Ibarra"), True, None, False),
    ("birthday-1", ("Lena", "Krüger"), True, (1, 41), False),
    ("birthday-2", ("Diego", "Navarro"), False, (3, 35), False),
    ("birthday-3", ("Aiko", "Sato"), True, (4, 52), False),
    ("birthday-4", ("Nuno", "Teixeira"), True, (5, 29), False),
    ("poststay-vip", ("Victoria", "Ashford"), True, None, False),
    ("anniversary-vip", ("Henrik", "Dahl"), True, None, False),
]

# When each loss was recorded (days ago): a few a month, more after the summer.
LOST_DAYS_AGO = [6, 12, 20, 33, 41, 47, 58, 90, 95, 150, 210, 300]
LOST = [
    ("price", "Pestana"),
    ("competitor", "Marriott"),
    ("service", ""),
    ("location", ""),
    ("price", "Airbnb"),
    ("company_policy", ""),
    ("competitor", "Hilton"),
    ("complaint", ""),
    ("price", "Marriott"),
    ("personal", ""),
    ("competitor", "Pestana"),
    ("other", ""),
]


def _histories(ctx) -> dict[str, list[tuple]]:
    """key -> [(arrival: days from today or a date, nights, status, rate, property code)]."""
    co, res = Stay.Status.CHECKED_OUT, Stay.Status.RESERVED
    suite = SUITE_RATE
    plain = Decimal("180.00")
    return {
        # Came every ~2.5 months, last left 420-520 days ago: lapsed (and declining).
        "lapsed-1": [
            (-660, 4, co, suite, "LIS"),
            (-585, 4, co, suite, "LIS"),
            (-510, 3, co, suite, "LIS"),
            (-430, 5, co, suite, "LIS"),
        ],
        "lapsed-2": [
            (-700, 3, co, suite, "ALG"),
            (-620, 4, co, suite, "ALG"),
            (-545, 4, co, suite, "ALG"),
            (-470, 3, co, suite, "ALG"),
        ],
        "lapsed-3": [
            (-760, 3, co, suite, "LIS"),
            (-690, 4, co, suite, "ALG"),
            (-600, 5, co, suite, "LIS"),
            (-525, 3, co, suite, "LIS"),
        ],
        "lapsed-optout": [(-640, 3, co, suite, "LIS"), (-560, 3, co, suite, "LIS"), (-480, 3, co, suite, "LIS")],
        # Four stays in the previous 12 months, one in the last 12: declining.
        "declining-1": [
            (-700, 2, co, plain, "LIS"),
            (-610, 2, co, plain, "LIS"),
            (-520, 2, co, plain, "LIS"),
            (-430, 2, co, plain, "LIS"),
            (-150, 2, co, plain, "LIS"),
        ],
        "declining-2": [
            (-690, 3, co, plain, "ALG"),
            (-600, 3, co, plain, "ALG"),
            (-500, 3, co, plain, "ALG"),
            (-400, 3, co, plain, "ALG"),
            (-90, 3, co, plain, "ALG"),
        ],
        "declining-3": [
            (-710, 2, co, plain, "LIS"),
            (-640, 2, co, plain, "ALG"),
            (-560, 2, co, plain, "LIS"),
            (-470, 2, co, plain, "LIS"),
            (-40, 2, co, plain, "LIS"),
        ],
        # Valuable recent guests who will leave a low survey score: at risk.
        "risk-1": [(-300, 5, co, suite, "LIS"), (-120, 5, co, suite, "LIS"), (-25, 4, co, suite, "LIS")],
        "risk-2": [(-260, 4, co, suite, "ALG"), (-18, 6, co, suite, "ALG")],
        "risk-3": [(-200, 3, co, suite, "LIS"), (-12, 4, co, suite, "LIS")],
        # Arriving this week, with a birthday this week.
        "birthday-1": [(-400, 2, co, plain, "LIS"), (0, 3, res, plain, "LIS")],
        "birthday-2": [(1, 2, res, plain, "ALG")],
        "birthday-3": [(-200, 2, co, plain, "LIS"), (2, 4, res, plain, "LIS")],
        "birthday-4": [(3, 2, res, plain, "ALG")],
        # A VIP who checked out yesterday: post-stay follow-up today.
        "poststay-vip": [(-380, 6, co, suite, "LIS"), (-190, 6, co, suite, "LIS"), (-6, 5, co, suite, "LIS")],
        # First stay four years ago in three days' time: anniversary this week (VIP).
        "anniversary-vip": [
            (_birth(ctx, 3, 4), 3, co, suite, "ALG"),
            (-220, 6, co, suite, "ALG"),
            (-70, 6, co, suite, "ALG"),
        ],
    }


def _ensure_guests(ctx) -> dict[str, Guest]:
    emails = {key: EMAIL.format(key=key) for key, *_rest in PEOPLE}
    existing = {g.email: g for g in Guest.objects.filter(email__in=emails.values())}
    guests = {}
    for key, (given, family), consent, birth, opt_out in PEOPLE:
        guest = existing.get(emails[key])
        if guest is None:
            guest = guest_create(
                data={
                    "given_name_latin": given,
                    "family_name_latin": family,
                    "email": emails[key],
                    "birth_date": _birth(ctx, *birth) if birth else None,
                    "language": "en",
                    "marketing_email_consent": consent,
                    "marketing_sms_consent": consent,
                    "profiling_opt_out": opt_out,
                    "consent_source": "demo",
                },
                confirm_new=True,
            )
        guests[key] = guest
    return guests


def _ensure_stays(ctx, guests) -> dict[str, list[Stay]]:
    now, rates = timezone.now(), money.RateBook()
    stays = []
    for key, history in _histories(ctx).items():
        for n, (offset, nights, status, rate, code) in enumerate(history):
            prop = ctx.properties[code]
            arrival = offset if isinstance(offset, dt.date) else _day(ctx, offset)
            departure = arrival + dt.timedelta(days=nights)
            if status == Stay.Status.CHECKED_OUT and departure > ctx.today:
                departure = ctx.today
            room = rate * nights if status == Stay.Status.CHECKED_OUT else Decimal("0")
            stay = Stay(
                property=prop,
                guest=guests[key],
                confirmation_number=f"CARE-{key.upper()}-{n}",
                arrival_date=arrival,
                departure_date=departure,
                nights=(departure - arrival).days,
                room_type="STE" if rate == SUITE_RATE else "STD",
                channel=Stay.Channel.DIRECT,
                market_segment="Transient",
                status=status,
                room_revenue=room,
                currency=prop.currency,
                created_at=now,
                updated_at=now,
            )
            demo_facts.booking_facts(ctx.rng, stay=stay, adr=rate)
            money.convert_stay(stay, rates=rates, today=ctx.today)
            stays.append(stay)
    Stay.objects.bulk_create(stays, batch_size=500, ignore_conflicts=True)
    by_guest: dict[int, list[Stay]] = {}
    for stay in Stay.objects.filter(confirmation_number__startswith="CARE-", guest__in=guests.values()).order_by(
        "arrival_date"
    ):
        by_guest.setdefault(stay.guest_id, []).append(stay)
    return {key: by_guest.get(guest.pk, []) for key, guest in guests.items()}


def _ensure_surveys(ctx, guests, stays) -> int:
    scores = {
        "risk-1": (2, "Air conditioning broken two nights running."),
        "risk-2": (3, "Slow check-in."),
        "risk-3": (1, "Room not ready at 17:00 and nobody apologised."),
        "poststay-vip": (5, "Perfect, as ever."),
        "declining-3": (4, "Good stay."),
    }
    surveyed = set(
        StaySurvey.objects.filter(stay__in=[s for v in stays.values() for s in v]).values_list("stay_id", flat=True)
    )
    added = 0
    for key, (score, comment) in scores.items():
        last = [s for s in stays[key] if s.status == Stay.Status.CHECKED_OUT][-1]
        if last.pk in surveyed:
            continue
        services.survey_record(
            stay_id=last.pk,
            overall=score,
            comment=comment,
            received_on=min(ctx.today, last.departure_date + dt.timedelta(days=1)),
            source=StaySurvey.Source.ONLINE,
        )
        added += 1
    return added


def _loss_history(ctx) -> int:
    """A year of recorded losses (for the lost-guest analysis): guests of the demo chain
    who have not stayed for well over a year, closed as lost by the sales team."""
    if ChurnWarning.objects.filter(outcome=ChurnWarning.Outcome.LOST).exists():
        return 0
    from django.db.models import Count, Max

    cutoff = ctx.today - dt.timedelta(days=500)
    candidates = list(
        Stay.objects.filter(guest_id__in=ctx.guest_ids, status=Stay.Status.CHECKED_OUT)
        .values("guest_id")
        .annotate(last_arrival=Max("arrival_date"), last_departure=Max("departure_date"), n=Count("id"))
        .filter(last_departure__lt=cutoff, n__gte=2)
        .order_by("guest_id")[: len(LOST) * 3]
    )
    reserved = set(
        Stay.objects.filter(guest_id__in=[c["guest_id"] for c in candidates])
        .exclude(status=Stay.Status.CHECKED_OUT)
        .values_list("guest_id", flat=True)
    )
    candidates = [c for c in candidates if c["guest_id"] not in reserved]
    rng = random.Random(ctx.seed * 7 + 6)
    picked = sorted(rng.sample(candidates, k=min(len(LOST), len(candidates))), key=lambda c: c["guest_id"])
    seller = ctx.users.get("sales") or ctx.users.get("sales.eu")
    warnings, logs = [], []
    for row, (reason, competitor), days_ago in zip(picked, LOST, LOST_DAYS_AGO, strict=False):
        closed = timezone.now() - dt.timedelta(days=days_ago)
        opened = closed.date() - dt.timedelta(days=20)
        warning = ChurnWarning(
            guest_id=row["guest_id"],
            status=ChurnWarning.Status.CLOSED,
            reasons={
                "lapsed": {
                    "days_since_last_departure": (opened - row["last_departure"]).days,
                    "last_departure": row["last_departure"].isoformat(),
                    "stays": row["n"],
                }
            },
            score=40,
            last_departure=row["last_departure"],
            last_arrival=row["last_arrival"],
            opened_on=opened,
            as_of=opened,
            assigned_to=seller,
            outcome=ChurnWarning.Outcome.LOST,
            outcome_at=closed,
            outcome_by=seller,
            lost_reason=reason,
            competitor=competitor,
            closed_at=closed,
            created_at=closed - dt.timedelta(days=20),
            updated_at=closed,
        )
        warnings.append(warning)
    ChurnWarning.objects.bulk_create(warnings)
    for warning in ChurnWarning.objects.filter(
        outcome=ChurnWarning.Outcome.LOST, guest_id__in=[w.guest_id for w in warnings]
    ):
        logs.append(
            ContactLog(
                guest_id=warning.guest_id,
                kind=ContactLog.Kind.WARNING_OUTCOME,
                channel=ContactChannel.PHONE,
                outcome=ChurnWarning.Outcome.LOST,
                warning=warning,
                details={"lost_reason": warning.lost_reason, "competitor": warning.competitor},
                created_by=seller,
                created_at=warning.closed_at,
            )
        )
    ContactLog.objects.bulk_create(logs)
    return len(warnings)


# Post-stay survey answers of the demo chain: most guests satisfied, few completely.
SURVEY_SCORES = [5] * 45 + [4] * 35 + [3] * 12 + [2] * 5 + [1] * 3
SURVEY_COMMENTS = {
    5: "Wonderful stay.",
    4: "Good, breakfast could be better.",
    3: "Average.",
    2: "Noisy room.",
    1: "Very disappointed.",
}


def _survey_sample(ctx) -> int:
    """Answers for one in ten checked-out stays of the last year (the same stays on every
    run: reruns add nothing)."""
    rng = random.Random(ctx.seed * 11 + 5)
    stays = list(
        Stay.objects.filter(
            guest_id__in=ctx.guest_ids,
            status=Stay.Status.CHECKED_OUT,
            departure_date__gte=ctx.today - dt.timedelta(days=365),
            departure_date__lt=ctx.today,
        )
        .order_by("id")
        .values_list("id", "guest_id", "departure_date")
    )
    picked = [row for row in stays if rng.random() < 0.1]
    now = timezone.now()
    surveys = []
    for stay_id, guest_id, departure in picked:
        score = rng.choice(SURVEY_SCORES)
        surveys.append(
            StaySurvey(
                stay_id=stay_id,
                guest_id=guest_id,
                overall=score,
                comment=SURVEY_COMMENTS[score] if rng.random() < 0.5 else "",
                received_on=min(ctx.today, departure + dt.timedelta(days=rng.randrange(1, 6))),
                source=StaySurvey.Source.ONLINE,
                created_at=now,
            )
        )
    before = StaySurvey.objects.count()
    StaySurvey.objects.bulk_create(surveys, batch_size=1000, ignore_conflicts=True)
    return StaySurvey.objects.count() - before


@transaction.atomic
def seed(ctx) -> None:
    guests = _ensure_guests(ctx)
    stays = _ensure_stays(ctx, guests)
    surveys = _ensure_surveys(ctx, guests, stays) + _survey_sample(ctx)
    lost = _loss_history(ctx)
    ctx.log.append(
        f"care: {len(guests)} guests with churn / care patterns, {surveys} new surveys, {lost} recorded losses"
    )
