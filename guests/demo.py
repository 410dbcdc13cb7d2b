"""Demo chain for ``seed_demo``: properties, staff of every role, guests with Chinese
and Latin names, three years of stays with a heavy-tailed (Pareto) spend distribution,
preferences, alerts and companies.

Everything is derived from the seed, so a rerun produces the same rows; inserts skip
what exists (guests by e-mail, stays by property + confirmation number).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import demo as accounts_demo
from crm_site import roles

from . import demo_facts, money, search_keys
from .models import (
    ConsentEntry,
    Guest,
    GuestNote,
    GuestPreference,
    PreferenceType,
    Property,
    StaffProfile,
    Stay,
)

DEMO_PASSWORD = "demo-pass-2026"
DEMO_EMAIL_DOMAIN = "demo.example"

# Hotel names in Chinese (Property.name_zh: shown under the Chinese interface).
PROPERTY_NAMES_ZH = {
    "SHA": "外滩滨江上海酒店",
    "BJS": "北京花园酒店",
    "LIS": "里斯本城市酒店",
    "ALG": "阿尔加维度假酒店",
}

# code, name, city, country, currency, IANA time zone (the hotel's business date)
PROPERTIES = [
    ("SHA", "Bund Riverside Shanghai", "Shanghai", "CHN", "CNY", "Asia/Shanghai"),
    ("BJS", "Beijing Garden Hotel", "Beijing", "CHN", "CNY", "Asia/Shanghai"),
    ("LIS", "Lisbon City Hotel", "Lisbon", "PRT", "EUR", "Europe/Lisbon"),
    ("ALG", "Algarve Resort", "Albufeira", "PRT", "EUR", "Europe/Lisbon"),
]

# username, role, first, last, home property codes, duty manager, salesperson
STAFF = [
    ("desk", roles.FRONT_DESK, "Ana", "Silva", ["LIS"], False, False),
    ("desk.sha", roles.FRONT_DESK, "Li", "Na", ["SHA"], False, False),
    ("relations", roles.GUEST_RELATIONS, "Chen", "Jing", ["SHA", "BJS"], True, False),
    ("relations.lis", roles.GUEST_RELATIONS, "Rui", "Costa", ["LIS", "ALG"], True, False),
    ("sales", roles.SALES_MANAGER, "Wang", "Fang", ["SHA", "BJS", "LIS", "ALG"], False, True),
    ("sales.eu", roles.SALES_MANAGER, "Marta", "Sousa", ["LIS", "ALG"], False, True),
    ("admin", roles.CHAIN_ADMIN, "Chain", "Admin", ["SHA", "BJS", "LIS", "ALG"], True, False),
    ("integrator", roles.INTEGRATOR, "PMS", "Bridge", [], False, False),
]

CN_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
CN_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "建国",
    "志强",
    "婷",
    "晓东",
    "海燕",
    "丹",
    "鹏",
    "欣怡",
    "子轩",
    "浩然",
    "雨涵",
    "梓涵",
    "一诺",
    "思远",
]
LATIN_FAMILY = [
    "Silva",
    "Santos",
    "Ferreira",
    "Pereira",
    "Oliveira",
    "Costa",
    "Rodrigues",
    "Martins",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Rossi",
    "Russo",
    "Bianchi",
    "Nowak",
    "Kowalski",
    "Andersson",
    "Johansson",
    "Novák",
    "Yılmaz",
    "O'Brien",
    "Murphy",
    "Tanaka",
    "Suzuki",
    "Kim",
    "Park",
    "Nguyen",
]
LATIN_GIVEN = [
    "João",
    "Maria",
    "Ana",
    "Pedro",
    "Sofia",
    "Miguel",
    "Inês",
    "Thomas",
    "Anna",
    "Lukas",
    "Emma",
    "James",
    "Olivia",
    "William",
    "Lucía",
    "Javier",
    "Camille",
    "Louis",
    "Giulia",
    "Marco",
    "Zofia",
    "Erik",
    "Elif",
    "Seán",
    "Aoife",
    "Yuki",
    "Min-jun",
    "Linh",
    "René",
    "Chloé",
]
NATIONALITIES_LATIN = ["PRT", "DEU", "GBR", "ESP", "FRA", "ITA", "POL", "SWE", "USA", "IRL", "NLD", "BRA"]
COMPANIES = [
    ("Huawei Technologies", "strategic", "HUA-CORP"),
    ("Alibaba Group", "partner", "ALI-CORP"),
    ("Siemens AG", "preferred", "SIE-CORP"),
    ("EDP Energias", "preferred", "EDP-CORP"),
    ("China Eastern Airlines", "partner", "MU-CREW"),
    ("Deloitte", "ordinary", "DEL-CORP"),
    ("Galp", "ordinary", ""),
    ("Tencent", "strategic", "TEN-CORP"),
]
ROOM_TYPES = ["STD", "SUP", "DLX", "EXE", "STE"]
ALERTS = [
    "Severe nut allergy — inform the kitchen",
    "Complained about noise last stay: give a quiet room",
    "Prefers not to be disturbed before 10:00",
    "Celebrating wedding anniversary on this stay",
    "Uses a wheelchair: accessible room only",
]


@dataclass
class DemoContext:
    """What the guests part hands to the other apps' demo hooks."""

    rng: random.Random
    seed: int
    today: dt.date
    properties: dict[str, Property]
    users: dict[str, object]
    guest_ids: list[int] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def _ensure_properties() -> dict[str, Property]:
    result = {}
    for code, name, city, country, currency, zone in PROPERTIES:
        prop, _ = Property.objects.get_or_create(
            code=code,
            defaults={"name": name, "city": city, "country": country, "currency": currency, "timezone": zone},
        )
        if not prop.name_zh:
            prop.name_zh = PROPERTY_NAMES_ZH.get(code, "")
            prop.save(update_fields=["name_zh"])
        result[code] = prop
    return result


def _ensure_staff(properties) -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, role, first, last, homes, duty, sales in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@hotel.example"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == roles.CHAIN_ADMIN
            user.save()
        user.groups.add(Group.objects.get(name=role))
        profile, _ = StaffProfile.objects.get_or_create(user=user)
        profile.is_duty_manager, profile.is_salesperson = duty, sales
        profile.save()
        profile.properties.set([properties[c] for c in homes])
        users[username] = user
    return users


DEMO_OPERATIONAL_NEED = "Told at check-in: kitchen and housekeeping must know"


def _make_guest(rng: random.Random, i: int) -> Guest:
    chinese = rng.random() < 0.45
    if chinese:
        family = rng.choice(CN_FAMILY)
        given = rng.choice(CN_GIVEN)
        fam_latin = search_keys.to_latin(family).title()
        giv_latin = search_keys.to_latin(given).replace(" ", "").title()
        names = dict(family_name=family, given_name=given, family_name_latin=fam_latin, given_name_latin=giv_latin)
        phone = f"+86138{rng.randrange(10**8):08d}"
        nationality, language = "CHN", "zh-hans"
        email_local = f"{giv_latin}.{fam_latin}".lower()
    else:
        family, given = rng.choice(LATIN_FAMILY), rng.choice(LATIN_GIVEN)
        names = dict(family_name="", given_name="", family_name_latin=family, given_name_latin=given)
        phone = f"+3519{rng.randrange(10**8):08d}"
        nationality = rng.choice(NATIONALITIES_LATIN)
        language = "pt" if nationality in ("PRT", "BRA") else "en"
        email_local = search_keys.to_latin(f"{given}.{family}").replace(" ", "").replace("'", "")
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 52))
    consent = rng.random() < 0.6
    guest = Guest(
        **names,
        gender=rng.choice(["F", "M"]),
        birth_date=birth if rng.random() < 0.9 else None,
        nationality=nationality,
        language=language,
        email=f"{email_local}.{i}@{DEMO_EMAIL_DOMAIN}",
        phone=phone,
        phone_reversed=search_keys.phone_reversed(phone),
        marketing_email_consent=consent,
        marketing_email_consent_at=timezone.now() if consent else None,
        marketing_email_consent_source="demo" if consent else "",
        marketing_sms_consent=consent and rng.random() < 0.5,
        **search_keys.guest_name_keys(**names),
    )
    return guest


def _demo_consents(guests: list[Guest], id_by_email: dict[str, int]) -> list[ConsentEntry]:
    """The consent ledger behind the demo guests' consent flags (one entry per yes)."""
    now = timezone.now()
    return [
        ConsentEntry(
            guest_id=id_by_email[guest.email],
            purpose=purpose,
            granted=True,
            at=now,
            source="demo",
            wording_version=settings.CONSENT_WORDING_VERSION,
            channel="system",
        )
        for guest in guests
        for purpose, flag in (
            ("marketing_email", guest.marketing_email_consent),
            ("marketing_sms", guest.marketing_sms_consent),
        )
        if flag
    ]


def _stays_for(rng, guest_id, i, properties, today, value, company_code="") -> list[Stay]:
    """Stays of one guest: how many and how expensive follows the guest's value; each
    carries its booking facts (``demo_facts``) and, through the guest's history, how many
    stays and cancellations came before it."""
    codes = list(properties)
    home = codes[i % len(codes)]
    n = max(1, min(60, int(rng.expovariate(1.0) * value * 1.5) + 1))
    start = today - dt.timedelta(days=3 * 365)
    arrivals = sorted(start + dt.timedelta(days=rng.randrange(3 * 365 + 10)) for _k in range(n))
    stays, history = [], (0, 0)  # earlier (stays, cancellations) of the guest
    for k, arrival in enumerate(arrivals):
        nights = max(1, min(14, int(rng.expovariate(0.45)) + 1))
        prop = properties[home if rng.random() < 0.7 else rng.choice(codes)]
        adr = Decimal(str(round(rng.lognormvariate(4.7, 0.35) * (1 + min(value, 20) / 10), 2)))
        if prop.currency == "CNY":
            adr = (adr * 7).quantize(Decimal("0.01"))
        stay = Stay(
            property=prop,
            guest_id=guest_id,
            confirmation_number=f"D{i:06d}-{k:03d}",
            arrival_date=arrival,
            departure_date=arrival + dt.timedelta(days=nights),
            nights=nights,
            room_type=rng.choice(ROOM_TYPES),
            rate_code=rng.choice(["BAR", "BAR", "ADV", "CORP", "PKG"]),
            channel=rng.choice(["direct", "direct", "ota", "ota", "gds", "corporate", "walk_in", "group"]),
            status=_status(rng, arrival, arrival + dt.timedelta(days=nights), today),
            currency=prop.currency,
            adults=rng.choice([1, 1, 2, 2, 2, 3]),
            children=rng.choice([0, 0, 0, 1, 2]),
        )
        _folio(rng, stay, adr)
        demo_facts.booking_facts(rng, stay=stay, adr=adr, company_code=company_code, history=history)
        lost = stay.status in (Stay.Status.CANCELLED, Stay.Status.NO_SHOW)
        history = (history[0] + (not lost), history[1] + lost)
        stays.append(stay)
    return stays


def _status(rng, arrival: dt.date, departure: dt.date, today: dt.date) -> str:
    if arrival > today:
        return Stay.Status.RESERVED
    if departure > today:
        return Stay.Status.IN_HOUSE
    r = rng.random()
    return Stay.Status.CANCELLED if r < 0.08 else Stay.Status.NO_SHOW if r < 0.11 else Stay.Status.CHECKED_OUT


def _folio(rng, stay: Stay, adr: Decimal) -> None:
    """Room revenue is ADR × nights; F&B and other charges on top.  A cancelled or no-show
    booking bills nothing (its ADR values what was lost); a reservation bills the room."""
    room = adr * stay.nights
    fnb = (room * Decimal(str(round(rng.uniform(0, 0.35), 3)))).quantize(Decimal("0.01"))
    other = Decimal(str(round(rng.uniform(0, 40), 2)))
    if stay.status in (Stay.Status.CANCELLED, Stay.Status.NO_SHOW, Stay.Status.RESERVED):
        fnb = other = Decimal("0")
        if stay.status != Stay.Status.RESERVED:
            room = Decimal("0")
    stay.room_number = str(rng.randrange(101, 1999)) if stay.status != Stay.Status.RESERVED else ""
    stay.room_revenue, stay.fnb_revenue, stay.other_revenue = room, fnb, other


def _arrivals_today(rng, guest_ids, properties, today, per_property=6) -> list[Stay]:
    """Reservations arriving today and tomorrow, so the arrivals page has work."""
    stays = []
    for p_index, (code, prop) in enumerate(sorted(properties.items())):
        for offset in (0, 1):
            day = today + dt.timedelta(days=offset)
            for j in range(per_property):
                gid = guest_ids[(p_index * 31 + offset * 7 + j * 13) % len(guest_ids)]
                nights = rng.randrange(1, 5)
                stay = Stay(
                    property=prop,
                    guest_id=gid,
                    confirmation_number=f"A{day:%Y%m%d}-{code}-{j:02d}",
                    arrival_date=day,
                    departure_date=day + dt.timedelta(days=nights),
                    nights=nights,
                    room_type=rng.choice(ROOM_TYPES),
                    channel=rng.choice(["direct", "ota", "corporate"]),
                    status=Stay.Status.RESERVED,
                    special_requests=rng.choice(["", "", "Late arrival ~23:00", "Airport pick-up", "Baby cot"]),
                    currency=prop.currency,
                )
                adr = Decimal("120.00") * (7 if prop.currency == "CNY" else 1)
                demo_facts.booking_facts(rng, stay=stay, adr=adr)
                stays.append(stay)
    return stays


@transaction.atomic
def seed(*, guests: int, seed: int) -> DemoContext:
    rng = random.Random(seed)
    today = timezone.localdate()
    properties = _ensure_properties()
    users = _ensure_staff(properties)
    ctx = DemoContext(rng=rng, seed=seed, today=today, properties=properties, users=users)
    demo_facts.ensure_rates(today)
    demo_facts.ensure_inventory(properties, today)

    companies = []
    for name, level, rate in COMPANIES:
        owner = users["sales" if rng.random() < 0.6 else "sales.eu"]
        companies.append(accounts_demo.ensure_account(name=name, level=level, rate_code=rate, owner=owner))

    built = [_make_guest(rng, i) for i in range(guests)]
    values = [rng.paretovariate(1.16) for _ in range(guests)]  # 80/20-like value
    for guest, value in zip(built, values, strict=True):
        if value > 3 and rng.random() < 0.5:
            guest.company = rng.choice(companies)
    existing = set(Guest.objects.filter(email__in=[g.email for g in built]).values_list("email", flat=True))
    new = [g for g in built if g.email not in existing]
    Guest.objects.bulk_create(new, batch_size=1000)
    id_by_email = dict(Guest.objects.filter(email__in=[g.email for g in built]).values_list("email", "id"))
    ConsentEntry.objects.bulk_create(_demo_consents(new, id_by_email), batch_size=1000)
    guest_ids = [id_by_email[g.email] for g in built]
    ctx.guest_ids = guest_ids

    stays = []
    for i, (gid, value, guest) in enumerate(zip(guest_ids, values, built, strict=True)):
        company_code = guest.company.rate_code if guest.company else ""
        stays.extend(_stays_for(rng, gid, i, properties, today, value, company_code))
    stays.extend(_arrivals_today(rng, guest_ids, properties, today))
    now, rates = timezone.now(), money.RateBook()
    for s in stays:
        money.convert_stay(s, rates=rates, today=today)
        s.created_at = s.updated_at = now
    Stay.objects.bulk_create(stays, batch_size=2000, ignore_conflicts=True)

    pref_types = list(PreferenceType.objects.filter(is_active=True))
    prefs = []
    for i, gid in enumerate(guest_ids):
        for ptype in rng.sample(pref_types, k=min(rng.choice([0, 1, 1, 2, 3]), len(pref_types))):
            prefs.append(
                GuestPreference(
                    guest_id=gid,
                    preference_type=ptype,
                    source=rng.choice(["guest", "staff", "pms"]),
                    source_property=properties[list(properties)[i % len(properties)]],
                    last_confirmed=today - dt.timedelta(days=rng.randrange(700)),
                    # A sensitive preference is kept only for a stated need (no demo guest
                    # gave consent to sensitive preferences).
                    operational_need=DEMO_OPERATIONAL_NEED if ptype.is_sensitive else "",
                )
            )
    GuestPreference.objects.bulk_create(prefs, batch_size=2000, ignore_conflicts=True)

    if not GuestNote.objects.filter(guest_id__in=guest_ids).exists():
        notes = [
            GuestNote(guest_id=gid, kind=GuestNote.Kind.ALERT, text=rng.choice(ALERTS))
            for gid in guest_ids
            if rng.random() < 0.04
        ]
        GuestNote.objects.bulk_create(notes)
    ctx.log.append(f"guests: {len(guest_ids)} guests, {Stay.objects.count()} stays, {len(properties)} properties")
    return ctx
