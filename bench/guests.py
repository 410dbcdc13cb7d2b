"""The guests app's cases: lookup, guest 360, arrivals, stay ingestion, CSV import.

Every request goes through the real URL, middleware, authentication (an API token, or a
logged-in session for pages), permission checks, serializers and templates, in process
(Django's test client: no network, so the numbers are the server's own time).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from . import chain as chain_module
from .timing import measure, summarise

HOST = {"HTTP_HOST": "localhost"}
DATASET = Path(settings.BASE_DIR).parent / "shared" / "data" / "hotel_bookings.csv.gz"


def api_client(chain, role: str) -> APIClient:
    client = APIClient(**HOST)
    client.credentials(HTTP_AUTHORIZATION=f"Token {chain.users[role]['token']}")
    return client


def page_client(chain, role: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client(**HOST)
    client.force_login(get_user_model().objects.get(pk=chain.users[role]["id"]))
    return client


def _check(response, what: str):
    if response.status_code != 200:
        raise RuntimeError(f"{what}: HTTP {response.status_code}: {response.content[:300]!r}")
    return response


def _served(response, what: str):
    """A measured request's answer, checked, without the test client's own reference
    cycle (``response.json`` is a partial holding the response): a gunicorn worker has
    none, and in process it left every answer to the cyclic collector."""
    _check(response, what)
    response.__dict__.pop("json", None)
    return response


def _query_count(call) -> int:
    """The statements of one request as most requests run: right after another, so the
    token and permissions kept for ``API_TOKEN_CACHE_SECONDS`` / ``PERMISSION_CACHE_SECONDS``
    are still kept (counted after a slow measurement they had expired: 4 more statements,
    once per process every 5 s, that read like a cost of the guest's history)."""
    call()
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


# --- Search -------------------------------------------------------------------------------------


def _typo(word: str, salt: int) -> str:
    """A realistic slip of the finger: swap, drop, double or change one inner letter."""
    if len(word) < 4:
        return word + word[-1]
    i = 1 + salt % (len(word) - 2)
    kind = salt % 4
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    vowels = "aeiou"
    ch = word[i]
    repl = vowels[(vowels.index(ch) + 1) % 5] if ch in vowels else ("e" if ch != "e" else "a")
    return word[:i] + repl + word[i + 1 :]


def bench_search(chain, *, repeat: int, log=print) -> dict:
    """The lookup: the intended guest first / in the top 5 and the latency per kind of
    query, namesakes, and the same over HTTP against gunicorn (``bench.lookup``)."""
    from .lookup import bench_lookup

    return bench_lookup(chain, repeat=repeat, log=log)


# --- Guest 360 ----------------------------------------------------------------------------------


def bench_profile(chain, *, repeat: int, log=print) -> dict:
    from guests.models import Stay

    api = api_client(chain, "chain_admin")
    page = page_client(chain, "chain_admin")
    gid = chain.profile_guest_id
    stays = Stay.objects.filter(guest_id=gid).count()
    one_stay = (
        Stay.objects.filter(confirmation_number__startswith="B", guest__isnull=False)
        .values("guest_id")
        .order_by("guest_id")
        .first()["guest_id"]
    )
    out = {}
    for name, client, url in (
        ("api", api, f"/api/v1/guests/{gid}/profile/"),
        ("page", page, f"/guests/{gid}/"),
    ):
        stats, _samples = measure(lambda i, c=client, u=url: _served(c.get(u), u), repeat=repeat)
        stats["queries"] = _query_count(lambda c=client, u=url: _check(c.get(u), u))
        small = url.replace(str(gid), str(one_stay))
        stats["queries_for_guest_with_few_stays"] = _query_count(lambda c=client, u=small: _check(c.get(u), u))
        stats["stays"] = stays
        out[name] = stats
        log(
            f"    360 {name:<5} p95 {stats['p95_ms']:>7.1f} ms, {stats['queries']} queries "
            f"({stats['queries_for_guest_with_few_stays']} for a guest with few stays)"
        )
    return out


# --- Arrivals -----------------------------------------------------------------------------------


def bench_arrivals(chain, *, repeat: int, log=print) -> dict:
    api = api_client(chain, "front_desk")
    page = page_client(chain, "front_desk")
    params = {"property": chain.arrivals_property, "date": chain.arrivals_date}
    count = _check(api.get("/api/v1/arrivals/", params), "arrivals").json()["count"]
    out = {}
    for name, client, url in (("api", api, "/api/v1/arrivals/"), ("page", page, "/guests/arrivals/")):
        stats, _samples = measure(
            lambda i, c=client, u=url: _served(c.get(u, params), u), repeat=max(10, repeat // 2), warmup=2
        )
        stats["queries"] = _query_count(lambda c=client, u=url: _check(c.get(u, params), u))
        stats["arrivals"] = count
        out[name] = stats
        log(f"    arrivals {name:<5} p95 {stats['p95_ms']:>7.1f} ms, {count} arrivals, {stats['queries']} queries")
    return out


# --- Stay ingestion -----------------------------------------------------------------------------


def _ingest_batches(chain, *, batches: int, size: int, run: str) -> list[list[dict]]:
    from guests.models import Guest

    bounds = Guest.objects.filter(email__endswith="@bench.example").order_by("id").values_list("id", flat=True)
    first, last = bounds.first(), bounds.last()
    span = last - first + 1
    today = dt.date.today()
    out = []
    for b in range(batches):
        rows = []
        for i in range(size):
            n = b * size + i
            arrival = today - dt.timedelta(days=n % 700)
            nights = 1 + n % 5
            rows.append(
                {
                    "property": chain_module.INGEST_PROPERTY,
                    "guest": first + (n * 7919) % span if n % 10 < 7 else None,
                    "confirmation_number": f"ING-{run}-{n:06d}",
                    "arrival_date": arrival.isoformat(),
                    "departure_date": (arrival + dt.timedelta(days=nights)).isoformat(),
                    "room_type": "STD",
                    "room_number": str(100 + n % 400),
                    "rate_code": "BAR",
                    "channel": ("direct", "ota", "gds", "corporate")[n % 4],
                    "market_segment": "Transient",
                    "status": "checked_out",
                    "room_revenue": f"{120 * nights:.2f}",
                    "fnb_revenue": "35.50",
                    "other_revenue": "0",
                    "currency": "EUR",
                    "adults": 2,
                    "children": n % 2,
                }
            )
        out.append(rows)
    return out


class _HandedOff:
    """The Celery tasks a request sends, kept instead of run while the request is timed
    (as a broker keeps them for a worker), then run one after another as one worker
    would, timed apart: what the integrator waits for and what the workers must keep
    up with are two figures."""

    def __init__(self):
        self.sent: list[tuple] = []

    def __enter__(self):
        from celery.app.task import Task

        self._original = Task.apply_async
        sent = self.sent

        def hand_off(task, args=None, kwargs=None, **options):
            sent.append((task, tuple(args or ()), dict(kwargs or {})))

        Task.apply_async = hand_off
        return self

    def __exit__(self, *exc):
        from celery.app.task import Task

        Task.apply_async = self._original

    def run_all(self) -> tuple[float, int]:
        """Run the kept tasks (each as a worker runs it); seconds and how many."""
        count, started = len(self.sent), time.perf_counter()
        while self.sent:
            task, args, kwargs = self.sent.pop(0)
            task.apply(args=args, kwargs=kwargs, throw=True)
        return time.perf_counter() - started, count


def bench_ingest(chain, *, batches: int, size: int = 500, log=print) -> dict:
    """The bulk API's throughput as an integrator sees it (the write; the tasks it sends
    handed to the broker), and the throughput of those tasks (facts, journeys, points,
    care) on one worker, run after each batch so the next batch meets their results."""
    client = api_client(chain, "integrator")
    run = f"{int(time.time()) % 10_000_000:07d}"
    payloads = _ingest_batches(chain, batches=batches, size=size, run=run)
    out = {}
    for phase in ("insert", "resend"):
        samples, cpu, task_seconds, tasks = [], [], 0.0, 0
        for rows in payloads:
            with _HandedOff() as handed:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.post("/api/v1/stays/bulk/", {"stays": rows}, format="json")
                samples.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"bulk ingest: HTTP {response.status_code}: {response.content[:500]!r}")
            seconds, count = handed.run_all()
            task_seconds, tasks = task_seconds + seconds, tasks + count
        stats = summarise(samples)
        total_s = sum(samples) / 1000
        stays = size * len(payloads)
        stats.update(
            batch_size=size,
            batches=len(payloads),
            stays=stays,
            stays_per_s=round(stays / total_s),
            cpu_p50_ms=round(statistics.median(cpu), 2),
        )
        out[phase] = stats
        worker = {"tasks": tasks, "seconds": round(task_seconds, 2), "stays": stays}
        # A re-send of unchanged stays sends no task: nothing for a worker to keep up with.
        worker["stays_per_s"] = round(stays / task_seconds) if tasks else None
        out[f"tasks after {phase}"] = worker
        log(
            f"    ingest {phase:<6} {stats['stays_per_s']:>6,} stays/s through the API (batch of {size}: "
            f"p95 {stats['p95_ms']:.0f} ms); its {tasks} tasks on one worker: "
            + (f"{worker['stays_per_s']:,} stays/s" if tasks else "none (nothing changed)")
        )
    return out


# --- CSV import of the real dataset -------------------------------------------------------------


def bench_import(chain, *, log=print) -> dict:
    try:
        from guests import importers
    except ImportError:
        return {"status": "not available", "reason": "guests.importers is missing"}
    if not DATASET.exists():
        return {"status": "not available", "reason": f"{DATASET} is absent"}
    from django.db import IntegrityError, transaction

    try:  # a first import, not a re-import: remove the stays a previous run imported
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "DELETE FROM guests_stay WHERE property_id IN (SELECT id FROM guests_property WHERE code = ANY(%s))",
                [list(importers.HBD_PROPERTIES.values())],
            )
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        fresh = True
    except IntegrityError:
        fresh = False  # other apps refer to those stays: measure a re-import instead
    out = {}
    for phase in ("first import", "re-import"):
        start = time.perf_counter()
        result = importers.import_stays(path=DATASET, format=importers.FORMAT_HOTEL_BOOKING_DEMAND)
        seconds = time.perf_counter() - start
        out[phase] = {
            "seconds": round(seconds, 2),
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rows_per_s": round(result.rows / seconds),
        }
        if phase == "first import" and not fresh:
            out[phase]["note"] = "stays were referenced by other apps and could not be deleted first"
        log(
            f"    import {phase:<12} {seconds:>6.1f} s for {result.rows:,} rows "
            f"({result.created:,} created, {result.updated:,} updated, {result.unchanged:,} unchanged)"
        )
    # Untimed, as autovacuum would have by the next report: the previous run's imported
    # stays deleted above and this run's ingest leave dead rows and pages not yet marked
    # all-visible, and the cases after this one (performance: index-only scans of the
    # stays) read the table back through them — pace took 0.7-0.8 s instead of 0.1 s in a
    # second run on the same database.
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) guests_stay, guests_guest")
    log(f"    vacuum after the import (untimed): {time.perf_counter() - start:.1f} s")
    return out
