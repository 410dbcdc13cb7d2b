"""Demo key accounts for ``seed_demo``: two property salespeople, accounts of every type
at all four levels with groups (parents), a level history across two quarters, account
teams, contacts at every level (guest profiles and contact-only people), plans with
expected-value scores, competitors and documents, agreements (one expiring within the
alert window, a draft, an agency commission), activities (done, planned and overdue) and
roadmap progress at different stages.

Everything goes through the services (as a salesperson or the director would) except
the backdating of the first level of each account, so the quarterly migration matrix
has history to show.  Idempotent: a rerun finds the plan of the last demo account and
adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from guests.models import Guest, StaffProfile

from . import services
from .models import Account, AccountPlan, LevelChange
from .roles import SALESPERSON

# username, first, last, home property codes
SALESPEOPLE = [
    ("sales.sha", "Zhou", "Min", ["SHA", "BJS"]),
    ("sales.lis", "Inês", "Carvalho", ["LIS", "ALG"]),
]

# name, Latin name, type, class, levels over time (last quarter → now), owner, parent
ACCOUNTS = [
    ("Huawei Technologies", "", "corporate", "key", ["partner", "strategic"], "sales", None),
    (
        "华为上海研究所",
        "Huawei Shanghai Research Center",
        "corporate",
        "major",
        ["preferred", "partner"],
        "sales.sha",
        "Huawei Technologies",
    ),
    ("Alibaba Group", "", "corporate", "key", ["partner"], "sales", None),
    ("Tencent", "", "corporate", "key", ["strategic"], "sales", None),
    ("Siemens AG", "", "corporate", "major", ["ordinary", "preferred"], "sales.eu", None),
    ("EDP Energias", "", "corporate", "major", ["preferred"], "sales.eu", None),
    ("China Eastern Airlines", "", "corporate", "major", ["partner"], "sales", None),
    ("Deloitte", "", "corporate", "ordinary", ["preferred", "ordinary"], "sales.eu", None),
    ("Galp", "", "corporate", "ordinary", ["ordinary"], "sales.eu", None),
    ("携程商旅", "Trip.com Business Travel", "travel_agency", "key", ["preferred", "partner"], "sales.sha", None),
    ("American Express GBT", "", "travel_agency", "key", ["strategic"], "sales.lis", None),
    ("Expedia Partner Solutions", "", "wholesaler", "major", ["preferred"], "sales.lis", None),
    ("Hotelbeds", "", "wholesaler", "ordinary", ["ordinary"], "sales.lis", None),
    (
        "上海市商务委员会",
        "Shanghai Municipal Commission of Commerce",
        "government",
        "key",
        ["ordinary", "preferred"],
        "sales.sha",
        None,
    ),
    ("Câmara Municipal de Lisboa", "", "government", "ordinary", ["ordinary"], "sales.lis", None),
    ("MCI Group", "", "event_organiser", "major", ["partner"], "sales.lis", None),
]

# account, [(contact name or None for a guest of the account, role, level, influence, attitude, title)]
CONTACTS = {
    "Huawei Technologies": [
        ("Li Wei", "decision_maker", "high", 5, "champion", "VP Global Procurement"),
        ("Chen Yu", "travel_manager", "middle", 4, "supporter", "Travel Manager APAC"),
        (None, "booker", "low", 2, "neutral", "Executive Assistant"),
        (None, "traveller", "low", 1, "supporter", "Engineer"),
        ("Wang Hong", "finance", "middle", 3, "sceptic", "Finance Controller"),
    ],
    "携程商旅": [
        ("Zhang Lan", "decision_maker", "high", 5, "supporter", "Head of Hotel Sourcing"),
        ("Liu Fang", "booker", "low", 3, "champion", "Reservations Lead"),
    ],
    "American Express GBT": [
        ("Sophie Martin", "travel_manager", "middle", 4, "neutral", "Account Director"),
        ("Rui Almeida", "finance", "low", 2, "neutral", "Billing Analyst"),
    ],
    "上海市商务委员会": [("Sun Qiang", "decision_maker", "high", 5, "neutral", "Director, Foreign Affairs")],
    "Siemens AG": [(None, "traveller", "low", 1, "supporter", "Consultant")],
}

# account, property, rate code, valid from / to (days from today), price, commitment per year, status, commission
AGREEMENTS = [
    ("Huawei Technologies", "SHA", "HUA-CORP", -300, 65, {"rate_amount": "980.00"}, 1200, "signed", None),
    ("Huawei Technologies", "BJS", "HUA-CORP", -300, 400, {"rate_amount": "860.00"}, 800, "signed", None),
    ("华为上海研究所", "SHA", "HUA-RC", -100, 265, {"discount_percent": "18.00"}, 300, "signed", None),
    ("Alibaba Group", "SHA", "ALI-CORP", -200, 30, {"rate_amount": "1020.00"}, 900, "signed", None),
    ("Tencent", "BJS", "TEN-CORP", -50, 315, {"discount_percent": "15.00"}, 600, "signed", None),
    ("Siemens AG", "LIS", "SIE-CORP", 10, 375, {"rate_amount": "145.00"}, 250, "draft", None),
    ("携程商旅", "SHA", "CTRIP-NET", -150, 215, {"discount_percent": "12.00"}, 1500, "signed", "8.00"),
    ("American Express GBT", "LIS", "AMEX-GBT", -330, 35, {"rate_amount": "158.00"}, 700, "sent", "5.00"),
    ("Expedia Partner Solutions", "ALG", "EPS-NET", -90, 275, {"discount_percent": "20.00"}, 0, "signed", "15.00"),
    ("MCI Group", "LIS", "MCI-EVT", -20, 160, {"rate_amount": "170.00"}, 400, "signed", "10.00"),
]

# account, milestones reached (in roadmap order)
ROADMAP_PROGRESS = {
    "Huawei Technologies": 24,
    "Alibaba Group": 17,
    "Tencent": 19,
    "携程商旅": 12,
    "American Express GBT": 8,
    "上海市商务委员会": 3,
    "华为上海研究所": 6,
    "MCI Group": 14,
}


def ensure_account(*, name: str, level: str, rate_code: str, owner) -> Account:
    """The demo account of this name, created through the service the first time (the
    guests demo links travellers to these)."""
    account = Account.objects.active().filter(name=name).first()
    if account is None:
        account = services.account_create(
            data={
                "name": name,
                "relationship_level": level,
                "rate_code": rate_code,
                "owner": owner,
                "level_reason": "Demo: level agreed at the last annual review.",
            }
        )
    return account


def _ensure_salespeople(ctx) -> None:
    from guests.demo import DEMO_PASSWORD

    User = get_user_model()
    group = Group.objects.get(name=SALESPERSON)
    for username, first, last, codes in SALESPEOPLE:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@hotel.example"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(group)
        profile, _new = StaffProfile.objects.get_or_create(user=user)
        profile.is_salesperson = True
        profile.save()
        profile.properties.set([ctx.properties[c] for c in codes if c in ctx.properties])
        ctx.users[username] = user


def _day(ctx, offset: int) -> dt.date:
    return ctx.today + dt.timedelta(days=offset)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _accounts(ctx) -> dict[str, Account]:
    accounts = {}
    for name, latin, kind, klass, levels, owner, parent in ACCOUNTS:
        account = Account.objects.active().filter(name=name).first()
        if account is None:
            account = services.account_create(
                data={
                    "name": name,
                    "relationship_level": levels[0],
                    "owner": ctx.users[owner],
                    "level_reason": "Demo: first level.",
                }
            )
        data = {"name_latin": latin, "account_type": kind, "account_class": klass}
        if parent:
            data["parent"] = accounts[parent].pk
        accounts[name] = services.account_update(account_id=account.pk, data=data)
    return accounts


def _level_history(ctx, accounts) -> None:
    """Start every account a year ago at its first level, then move it: last quarter and
    this quarter (so the migration matrices of both quarters show movement)."""
    this_quarter = _quarter_start(ctx.today)
    moves = [this_quarter - dt.timedelta(days=40), max(this_quarter, ctx.today - dt.timedelta(days=3))]
    for i, (name, _latin, _kind, _klass, levels, _owner, _parent) in enumerate(ACCOUNTS):
        account = accounts[name]
        LevelChange.objects.filter(account=account).update(
            to_level=levels[0], from_level="", effective_on=ctx.today - dt.timedelta(days=400)
        )
        Account.objects.filter(pk=account.pk).update(relationship_level=levels[0])
        for level in levels[1:]:
            services.account_level_change(
                account_id=account.pk,
                level=level,
                reason="Demo: quarterly review of the relationship.",
                target_level="strategic" if level != "strategic" else "",
                effective_on=moves[i % 2],
                review_on=_day(ctx, 90),
            )
        account.refresh_from_db()


def _team(ctx, accounts) -> None:
    admin, sales = ctx.users.get("admin"), ctx.users.get("sales")
    for name in ("Huawei Technologies", "携程商旅", "上海市商务委员会"):
        account = accounts[name]
        if sales is not None and account.owner_id != sales.pk:
            services.team_member_add(account_id=account.pk, user=sales, role="executive_sponsor")
        if account.owner_id != ctx.users["sales.sha"].pk:
            services.team_member_add(
                account_id=account.pk,
                user=ctx.users["sales.sha"],
                role="property_sales",
                property=ctx.properties["SHA"],
            )
        if admin is not None:
            services.team_member_add(account_id=account.pk, user=admin, role="revenue_manager")


def _contacts(ctx, accounts) -> dict[str, list]:
    made = {}
    used: set[int] = set()
    pool = list(Guest.objects.identified().filter(pk__in=ctx.guest_ids).order_by("pk").values_list("pk", flat=True))
    for name, people in CONTACTS.items():
        account = accounts[name]
        made[name] = []
        for person, role, level, influence, attitude, title in people:
            data = {
                "role": role,
                "level": level,
                "influence": influence,
                "attitude": attitude,
                "job_title": title,
                "last_touch_on": _day(ctx, -ctx.rng.randrange(5, 60)),
            }
            guest_id = next((g for g in pool if g not in used), None) if person is None else None
            if guest_id is not None:
                used.add(guest_id)
                data["guest"] = guest_id
            else:
                data["name"] = person or f"{title} ({account.name})"
                data["email"] = f"{(person or title).lower().replace(' ', '.')}@{account.pk}.demo.example"
            made[name].append(services.contact_add(account_id=account.pk, data=data))
    return made


def _plans(ctx, accounts) -> None:
    plans = {
        "Huawei Technologies": (
            "Travel budgets cut 10 % after the new export rules; competitors offer dynamic rates.",
            "Open two R&D centres in Shanghai and Lisbon; 30 % more engineer trips.",
            "Bookings spread over six agencies; finance cannot see total spend.",
            "35.00",
            "One chain-wide rate with monthly billing, an engineer-friendly room with a desk and late check-out, "
            "and a quarterly spend report for finance.",
        ),
        "携程商旅": (
            "Margins squeezed by direct hotel channels.",
            "Grow corporate share in East China.",
            "Needs content and live availability through its API.",
            "20.00",
            "Net rates with last-room availability and a 24-hour reservations desk for their agents.",
        ),
    }
    scores = {"price": (5, 3), "location": (4, 5), "flexibility": (4, 2), "billing": (5, 3), "meeting-space": (3, 4)}
    for name, (pressures, goals, challenges, wallet, proposal) in plans.items():
        account = accounts[name]
        services.plan_update(
            account_id=account.pk,
            data={
                "external_pressures": pressures,
                "business_goals": goals,
                "internal_challenges": challenges,
                "share_of_wallet": wallet,
                "unique_proposal": proposal,
            },
        )
        services.driver_scores_set(
            account_id=account.pk,
            scores=[{"driver": code, "importance": i, "our_score": s} for code, (i, s) in scores.items()],
        )
        services.competitor_save(
            account_id=account.pk, data={"name": "Grand Harbour Hotels", "position": "behind", "strengths": "Price"}
        )
        services.competitor_save(account_id=account.pk, data={"name": "City Suites", "position": "ahead"})
        services.document_add(
            account_id=account.pk,
            data={
                "title": "Account plan 2026",
                "url": f"https://docs.hotel.example/accounts/{account.pk}/plan",
                "kind": "plan",
            },
        )


def _agreements(ctx, accounts) -> None:
    for name, code, rate_code, start, end, price, nights, status, commission in AGREEMENTS:
        data = {
            "property": ctx.properties[code].pk,
            "rate_code": rate_code,
            "valid_from": _day(ctx, start),
            "valid_to": _day(ctx, end),
            "room_nights_committed": nights,
            "status": status,
            "inclusions": "Breakfast, Wi-Fi",
            "renewal_on": _day(ctx, end - 45),
            **price,
        }
        if commission:
            data["commission_percent"] = commission
        services.agreement_create(account_id=accounts[name].pk, data=data)


def _activities(ctx, accounts, contacts) -> None:
    rng = ctx.rng
    kinds = ["call", "visit", "site_inspection", "proposal", "entertainment", "quarterly_review"]
    for i, (name, account) in enumerate(sorted(accounts.items())):
        owner = account.owner
        people = contacts.get(name) or []
        contact = people[0].pk if people else None
        for back in (60, 25):
            services.activity_create(
                account_id=account.pk,
                data={
                    "kind": kinds[(i + back) % len(kinds)],
                    "subject": f"Meeting with {account.name}",
                    "owner": owner,
                    "due_on": _day(ctx, -back),
                    "contact": contact,
                    "outcome": "Demo: agreed the next steps.",
                },
            )
        services.activity_create(
            account_id=account.pk,
            data={
                "kind": "call",
                "subject": f"Follow-up call — {account.name}",
                "owner": owner,
                "due_on": _day(ctx, -rng.randrange(2, 9) if i % 3 == 0 else rng.randrange(1, 30)),
            },
        )
    key = accounts["Huawei Technologies"]
    services.activity_create(
        account_id=key.pk,
        data={
            "kind": "quarterly_review",
            "subject": "Quarterly business review",
            "owner": key.owner,
            "due_on": ctx.today,
            "outcome": "Production on pace; finance asked for monthly reports.",
            "next_step": "Send the monthly spend report",
            "next_due_on": _day(ctx, 7),
            "next_kind": "proposal",
        },
    )


def _roadmap(ctx, accounts) -> None:
    from .selectors import roadmap

    milestones = [m for view in roadmap() for m in view.milestones]
    for name, reached in ROADMAP_PROGRESS.items():
        for i, milestone in enumerate(milestones[:reached]):
            services.milestone_tick(
                account_id=accounts[name].pk, milestone=milestone.code, done_on=_day(ctx, -(reached - i) * 5)
            )


def _external_ids(accounts) -> None:
    ids = [
        ("携程商旅", "hotel-booking-demand:agent", "9"),
        ("American Express GBT", "hotel-booking-demand:agent", "240"),
        ("Expedia Partner Solutions", "hotel-booking-demand:agent", "1"),
        ("Huawei Technologies", "hotel-booking-demand:company", "40"),
        ("Huawei Technologies", "pms", "C-000113"),
    ]
    for name, system, external in ids:
        services.external_id_add(account_id=accounts[name].pk, system=system, external_id=external)


@transaction.atomic
def seed(ctx) -> None:
    _ensure_salespeople(ctx)
    last = ACCOUNTS[-1][0]
    if AccountPlan.objects.filter(account__name="携程商旅", account__merged_into__isnull=True).exists() and (
        Account.objects.active().filter(name=last).exists()
    ):
        ctx.log.append("accounts: demo accounts already there")
        seed_sales(ctx)
        return
    accounts = _accounts(ctx)
    _level_history(ctx, accounts)
    _team(ctx, accounts)
    contacts = _contacts(ctx, accounts)
    _plans(ctx, accounts)
    _agreements(ctx, accounts)
    _activities(ctx, accounts, contacts)
    _roadmap(ctx, accounts)
    _external_ids(accounts)
    seed_sales(ctx)
    ctx.log.append(
        f"accounts: {len(accounts)} accounts; salespeople {', '.join(u for u, *_r in SALESPEOPLE)} (demo password)"
    )


# --- Sales performance: attributed stays and targets ----------------------------------------------

# Monthly targets of every demo salesperson: revenue (chain currency), room nights, new
# accounts, activities.
DEMO_TARGET = {"revenue": "30000", "room_nights": 80, "new_accounts": 1, "activities": 6}
REVIEW_STAYS = 8


def _agreement_for(agreements, account_id, property_id, day):
    for agreement in agreements.get((account_id, property_id), ()):
        if agreement.valid_from <= day <= agreement.valid_to:
            return agreement
    return None


def _attribute(ctx) -> int:
    """Corporate and group stays to the traveller's company (as it was when the demo
    booked them) or a demo corporate account; a third of OTA / GDS stays to a demo agency
    or wholesaler; each on the account's negotiated code where an agreement covers it;
    and a few direct stays on a negotiated code left unlinked for the review list.  A
    demo shortcut (one bulk update); real stays are attributed by the stay write path."""
    from guests.models import Stay

    from .models import COMMISSIONABLE_TYPES, Agreement

    accounts = list(Account.objects.active().filter(name__in=[a[0] for a in ACCOUNTS]).order_by("pk"))
    companies = [a for a in accounts if a.account_type not in COMMISSIONABLE_TYPES]
    agents = [a for a in accounts if a.account_type in COMMISSIONABLE_TYPES]
    known = {a.pk for a in accounts}
    agreements: dict[tuple[int, int], list] = {}
    for agreement in Agreement.objects.exclude(status="draft").order_by("valid_from"):
        agreements.setdefault((agreement.account_id, agreement.property_id), []).append(agreement)
    stays = list(
        Stay.objects.filter(channel__in=["corporate", "group", "ota", "gds"], company_account__isnull=True)
        .filter(agent_account__isnull=True)
        .select_related("guest")
        .order_by("pk")
    )
    changed = []
    for index, stay in enumerate(stays):
        if stay.channel in ("corporate", "group"):
            employer = stay.guest.company_id if stay.guest_id else None
            account_id = employer if employer in known else companies[index % len(companies)].pk
            stay.company_account_id = account_id
        elif index % 3 == 0:
            account_id = stay.agent_account_id = agents[index % len(agents)].pk
        else:
            continue
        agreement = _agreement_for(agreements, account_id, stay.property_id, stay.arrival_date)
        if agreement is not None:
            stay.rate_code = agreement.rate_code
        changed.append(stay)
    for agreement in [a for group in agreements.values() for a in group][:REVIEW_STAYS]:
        stay = (
            Stay.objects.filter(
                property_id=agreement.property_id,
                arrival_date__range=(agreement.valid_from, agreement.valid_to),
                company_account__isnull=True,
                agent_account__isnull=True,
                channel="direct",
            )
            .order_by("pk")
            .first()
        )
        if stay is not None:
            stay.rate_code = agreement.rate_code
            changed.append(stay)
    Stay.objects.bulk_update(changed, ["company_account", "agent_account", "rate_code"], batch_size=1000)
    return len(changed)


def seed_sales(ctx) -> None:
    """Attributed stays and the salespeople's targets (idempotent: skipped once any demo
    stay is attributed)."""
    from guests.models import Stay

    from .selectors import salespeople
    from .selectors.production import add_months, month_start

    if Stay.objects.filter(company_account__isnull=False).exists():
        ctx.log.append("accounts: demo stays already attributed")
        return
    attributed = _attribute(ctx)
    this_month = month_start(ctx.today)
    people = list(salespeople())
    for person in people:
        for back in range(-3, 1):
            month = add_months(this_month, back)
            services.sales_target_set(data={"salesperson": person.pk, "month": month.isoformat(), **DEMO_TARGET})
    ctx.log.append(f"accounts: {attributed} stays attributed to accounts; targets for {len(people)} salespeople")
