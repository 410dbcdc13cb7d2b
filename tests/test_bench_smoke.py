"""The benchmark still loads and runs: ``python -m bench`` on a tiny chain in its own
database.  New NOT NULL columns on the tables the loader fills with SQL (guests, stays,
preferences, notes) break the 1,000,000-guest load long after the change; this catches it
in CI.  Figures are not checked here (targets live in ``make bench``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_loads_a_chain_and_measures(tmp_path):
    params = connection.settings_dict
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"crm_bench_smoke_{params['NAME']}_{worker}"[:60]
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    url = f"postgres://{user}{password}@{host}:{port}/{name}"
    assert urlparse(url).path == f"/{name}"
    report = tmp_path / "report.json"
    env = {**os.environ, "BENCH_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "crm_site.settings.test"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--guests",
            "1000",
            "--repeat",
            "2",
            "--ingest-batches",
            "1",
            "--only",
            "search,profile,arrivals,ingest",
            "--report",
            str(report),
            "--drop",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(report.read_text())
    assert data, "the bench wrote an empty report"
