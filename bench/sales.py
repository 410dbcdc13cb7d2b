"""Benchmark of the sales performance reads on the loaded chain (``python -m bench`` calls
``run`` when the ``sales`` case is chosen).

The chain's stays carry no account: the first run attributes one stay in five to 200
accounts in 20 groups (one set-based UPDATE, kept for later runs), with five salespeople
owning them.  Then each read is timed ``repeat`` times (median and worst): an account
group's production page data, the 12-month account Pareto, the decline warnings and the
scorecards of the month.
"""

from __future__ import annotations

import statistics
import time

ACCOUNTS, GROUPS, SALESPEOPLE = 200, 20, 5


def _setup(log) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.models import Account
    from accounts.services.common import account_search_keys
    from guests.models import StaffProfile

    users = []
    for i in range(SALESPEOPLE):
        user, _created = get_user_model().objects.get_or_create(username=f"bench-rep-{i}")
        StaffProfile.objects.update_or_create(user=user, defaults={"is_salesperson": True})
        users.append(user)
    existing = list(Account.objects.filter(name__startswith="Bench account ").order_by("pk"))
    if len(existing) >= ACCOUNTS + GROUPS:
        parents = [a for a in existing if a.parent_id is None]
        return {"parent": parents[0].pk, "users": [u.pk for u in users]}
    parents = Account.objects.bulk_create(
        [
            Account(
                name=f"Bench account group {g}",
                owner=users[g % SALESPEOPLE],
                **account_search_keys(f"Bench account group {g}", ""),
            )
            for g in range(GROUPS)
        ]
    )
    children = Account.objects.bulk_create(
        [
            Account(
                name=f"Bench account {i}",
                parent=parents[i % GROUPS],
                owner=users[i % SALESPEOPLE],
                **account_search_keys(f"Bench account {i}", ""),
            )
            for i in range(ACCOUNTS)
        ]
    )
    ids = [a.pk for a in children]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE guests_stay SET company_account_id = (%s::bigint[])[1 + (id / 5) %% %s] WHERE id %% 5 = 0",
            [ids, len(ids)],
        )
        attributed = cursor.rowcount
    log(f"    attributed {attributed:,} stays to {ACCOUNTS} accounts in {time.perf_counter() - started:.1f} s")
    return {"parent": parents[0].pk, "users": [u.pk for u in users]}


def _time(call, repeat: int) -> dict:
    call()  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1), "runs": repeat}


def run(*, repeat: int = 20, log=print, **context) -> dict:
    from django.utils import timezone

    from accounts import selectors
    from accounts.models import Account
    from accounts.selectors.production import add_months, month_start

    setup = _setup(log)
    today = timezone.localdate()
    parent = Account.objects.get(pk=setup["parent"])
    end = month_start(today)
    cases = {
        "account production (group of 10)": lambda: selectors.account_production(
            account=parent, year=today.year, today=today
        ),
        "account Pareto (12 months)": lambda: selectors.account_pareto(start=add_months(end, -12), end=end),
        "decline warnings": lambda: selectors.account_warnings(today=today),
        "scorecards (5 salespeople)": lambda: selectors.scorecards(month=end, salesperson_ids=setup["users"]),
    }
    results = {}
    for name, call in cases.items():
        results[name] = _time(call, repeat)
        log(f"    {name}: median {results[name]['median_ms']} ms, max {results[name]['max_ms']} ms")
    return results
