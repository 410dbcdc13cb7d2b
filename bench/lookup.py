"""Guest lookup: is the INTENDED guest first (and in the top 5), and how fast, per kind of
query an agent types — in process and over real HTTP against gunicorn.

A query is drawn from one real guest of the loaded chain and counts as right only when
that guest (not a namesake with the same name) comes back first / in the first five.
The namesake case draws guests from names shared by 100+ guests and compares the name
alone with the name + phone tail and the name + birth year (goal: the right guest first
in >= 95 % with a phone tail or a birth year).  Beside them, the share of those guests
who are the only one with that name and tail (or birth year): where two namesakes share
both, no lookup can know which one stands at the desk.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from .timing import summarise

NAMESAKES_MIN = 100
SAMPLE = 60


def _rows(ids: list[int]) -> list[dict]:
    from guests.models import Guest

    return list(
        Guest.objects.filter(pk__in=ids).values(
            "id",
            "family_name",
            "given_name",
            "family_name_latin",
            "given_name_latin",
            "name_key",
            "email",
            "phone",
            "birth_date",
        )
    )


def _sample_ids(per_kind: int) -> list[int]:
    from guests.models import Guest

    bounds = Guest.objects.filter(email__endswith="@bench.example").order_by("id").values_list("id", flat=True)
    first, last = bounds.first(), bounds.last()
    span = last - first + 1
    return [first + (k * 104_729) % span for k in range(1, per_kind * 6)]


def intended_queries(per_kind: int = 40) -> dict[str, list[tuple[str, int]]]:
    """``{kind: [(query, intended guest id)]}`` drawn from real rows."""
    from guests import search_keys

    from .guests import _typo

    rows = _rows(_sample_ids(per_kind))
    chinese = [r for r in rows if r["family_name"]][:per_kind]
    latin = [r for r in rows if not r["family_name"]][:per_kind]
    mixed = [r for pair in zip(chinese, latin, strict=False) for r in pair][:per_kind]
    with_birth = [r for r in mixed if r["birth_date"]]

    def pinyin(r):
        return f"{search_keys.to_latin(r['family_name'])} {search_keys.to_latin(r['given_name']).replace(' ', '')}"

    def name(r):
        return pinyin(r) if r["family_name"] else f"{r['given_name_latin']} {r['family_name_latin']}"

    kinds = {
        "pinyin spaced (zhang wei)": [(pinyin(r), r["id"]) for r in chinese],
        "pinyin joined (zhangwei)": [(r["name_key"], r["id"]) for r in chinese],
        "chinese characters": [(r["family_name"] + r["given_name"], r["id"]) for r in chinese],
        "latin full name": [(name(r), r["id"]) for r in latin],
        "latin typo": [
            (f"{_typo(search_keys.to_latin(r['family_name_latin']), k)} {r['given_name_latin']}", r["id"])
            for k, r in enumerate(latin)
        ],
        "phone tail (4 digits)": [(r["phone"][-4:], r["id"]) for r in mixed],
        "phone tail (7 digits)": [(r["phone"][-7:], r["id"]) for r in mixed],
        "e-mail": [(r["email"], r["id"]) for r in mixed],
        "e-mail local part": [(r["email"].split("@")[0], r["id"]) for r in mixed],
        "name + phone tail": [(f"{name(r)} {r['phone'][-4:]}", r["id"]) for r in mixed],
        "phone tail + name": [(f"{r['phone'][-4:]} {name(r)}", r["id"]) for r in mixed],
        "name + birth year": [(f"{name(r)} {r['birth_date'].year}", r["id"]) for r in with_birth],
    }
    return {k: v for k, v in kinds.items() if v}


def namesake_queries(sample: int = SAMPLE, seed: int = 11) -> tuple[dict[str, list[tuple[str, int]]], dict]:
    """Guests drawn at random from names shared by ``NAMESAKES_MIN``+ guests: the name
    alone, with the phone tail, with the birth year."""
    from django.db.models import Count

    from guests import search_keys
    from guests.models import Guest

    # 100+ namesakes exist at the SPEC's 1,000,000 guests; a smaller chain is measured
    # with the same share of the chain (at least 5 namesakes), and says so.
    total = Guest.objects.active().count()
    least = max(5, min(NAMESAKES_MIN, round(NAMESAKES_MIN * total / 1_000_000)))
    shared = list(
        Guest.objects.active()
        .values("name_key")
        .annotate(n=Count("id"))
        .filter(n__gte=least)
        .values_list("name_key", flat=True)
    )
    info = {"namesakes at least": least, "names shared by that many": len(shared)}
    if not shared:
        return {}, info
    rng = random.Random(seed)
    picked_names = [rng.choice(shared) for _ in range(sample)]
    rows = []
    for key in dict.fromkeys(picked_names):
        ids = list(Guest.objects.active().filter(name_key=key).values_list("id", flat=True))
        rows += [rng.choice(ids) for _ in range(picked_names.count(key))]
    by_id = {r["id"]: r for r in _rows(rows)}
    picked = [by_id[i] for i in rows]

    def spoken(r):
        if r["family_name"]:
            return f"{search_keys.to_latin(r['family_name'])} {search_keys.to_latin(r['given_name']).replace(' ', '')}"
        return f"{r['given_name_latin']} {r['family_name_latin']}"

    # The ceiling: a lookup can put the intended guest first only where no other guest
    # shares the name AND the tail (or the birth year); the rest are true ties.
    info["name + phone tail unambiguous"] = _unambiguous_share(
        picked, lambda r: {"phone_reversed__startswith": r["phone"][-4:][::-1]}
    )
    info["name + birth year unambiguous"] = _unambiguous_share(
        [r for r in picked if r["birth_date"]], lambda r: {"birth_date__year": r["birth_date"].year}
    )
    return {
        "namesakes: name alone": [(spoken(r), r["id"]) for r in picked],
        "namesakes: name + phone tail": [(f"{spoken(r)} {r['phone'][-4:]}", r["id"]) for r in picked],
        "namesakes: name + birth year": [
            (f"{spoken(r)} {r['birth_date'].year}", r["id"]) for r in picked if r["birth_date"]
        ],
    }, info


def _unambiguous_share(rows: list[dict], narrowing) -> float | None:
    """Share of ``rows`` that are the only guest with their name key and ``narrowing``."""
    from guests.models import Guest

    if not rows:
        return None
    alone = sum(Guest.objects.active().filter(name_key=r["name_key"], **narrowing(r)).count() == 1 for r in rows)
    return round(alone / len(rows), 3)


def _score(found_ids: list[int], intended: int) -> tuple[bool, bool]:
    return bool(found_ids) and found_ids[0] == intended, intended in found_ids[:5]


def run_in_process(client, kinds: dict, *, repeat: int, log=print) -> dict:
    """Each query once for the shares (and timed), then cycled up to ``repeat`` timed calls."""
    results = {}
    for kind, queries in kinds.items():
        samples, cpu, first, top5 = [], [], 0, 0
        for i in range(max(repeat, len(queries))):
            query, intended = queries[i % len(queries)]
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get("/api/v1/guests/", {"q": query})
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"search {query!r}: HTTP {response.status_code}: {response.content[:300]!r}")
            if i < len(queries):
                hit_first, hit_top5 = _score([g["id"] for g in response.json()["results"]], intended)
                first, top5 = first + hit_first, top5 + hit_top5
        stats = summarise(samples) | {
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "queries": len(queries),
            "right_first": round(first / len(queries), 3),
            "right_top5": round(top5 / len(queries), 3),
            "example": queries[0][0],
        }
        results[kind] = stats
        log(
            f"    {kind:<30} first {stats['right_first']:>5.0%}  top5 {stats['right_top5']:>5.0%}"
            f"  p50 {stats['p50_ms']:>6.1f}  p95 {stats['p95_ms']:>6.1f}  cpu p50 {stats['cpu_p50_ms']:>5.1f} ms"
            f"  e.g. {stats['example']!r}"
        )
    return results


# --- Over real HTTP -----------------------------------------------------------------------------


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(*, workers: int = 2):
    """gunicorn serving this project on a free local port, against the bench database
    (the environment ``bench.db.setup_django`` prepared)."""
    port = _free_port()
    root = Path(__file__).resolve().parents[1]
    # Request logs off, and stderr into a file: a pipe nobody reads fills up after a few
    # hundred JSON log lines and blocks every worker mid-request (the "timed out" lookups).
    env = dict(os.environ, LOG_LEVEL="WARNING")
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crm_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"gunicorn ended: {errors.read()[-2000:]!r}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start within 60 s")
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        errors.close()


def _http_get(port: int, path: str, token: str, timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Authorization": f"Token {token}", "Host": "localhost"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_over_http(port: int, token: str, kinds: dict, *, repeat: int, log=print) -> dict:
    results = {}
    for kind, queries in kinds.items():
        for query, _intended in queries[:4]:  # warm both workers (their first request loads Django)
            _http_get(port, "/api/v1/guests/?" + urllib.parse.urlencode({"q": query}), token, timeout=180)
        samples, first, timeouts = [], 0, []
        for i in range(max(repeat, len(queries))):
            query, intended = queries[i % len(queries)]
            start = time.perf_counter()
            try:
                status, body = _http_get(port, "/api/v1/guests/?" + urllib.parse.urlencode({"q": query}), token)
            except TimeoutError:
                # Counted and named, not fatal: one stuck request must not hide the others.
                timeouts.append(query)
                log(f"    HTTP {kind}: {query!r} timed out after 30 s")
                continue
            samples.append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise RuntimeError(f"HTTP search {query!r}: {status}: {body[:300]!r}")
            if i < len(queries):
                first += _score([g["id"] for g in json.loads(body)["results"]], intended)[0]
        stats = summarise(samples) | {"right_first": round(first / len(queries), 3), "timeouts": timeouts}
        results[kind] = stats
        log(f"    HTTP {kind:<25} p50 {stats['p50_ms']:>6.1f}  p95 {stats['p95_ms']:>6.1f} ms")
    return results


def bench_lookup(chain, *, repeat: int, log=print) -> dict:
    from .guests import api_client

    client = api_client(chain, "front_desk")
    kinds = intended_queries()
    namesakes, info = namesake_queries()
    log(f"    {info}")
    results = run_in_process(client, kinds | namesakes, repeat=repeat, log=log)
    http_kinds = {
        k: kinds[k] for k in ("pinyin spaced (zhang wei)", "latin full name", "name + phone tail") if k in kinds
    } | {k: v for k, v in namesakes.items() if "phone" in k}
    try:
        with gunicorn() as port:
            for kind, stats in run_over_http(
                port, chain.users["front_desk"]["token"], http_kinds, repeat=repeat, log=log
            ).items():
                results[f"HTTP gunicorn: {kind}"] = stats
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        results["HTTP gunicorn"] = {"status": "failed", "reason": str(exc)[:500]}
        log(f"    HTTP gunicorn failed: {exc}")
    every = [s for s in results.values() if "p95_ms" in s]
    results["all lookups"] = {"n": sum(s["n"] for s in every), "p95_ms": max(s["p95_ms"] for s in every)}
    return results | {"namesake names": info}
