"""``make bench``: load a synthetic hotel chain into a dedicated PostgreSQL database and
measure what SPEC §4 promises (guest lookup, guest 360, arrivals, stay ingestion, CSV
import, nightly segmentation and churn scan).

Run ``python -m bench --help``.  Pieces:

* :mod:`bench.db` — the dedicated database (``BENCH_DATABASE_URL``), created and migrated;
* :mod:`bench.chain` — the synthetic chain, loaded with ``INSERT ... SELECT
  generate_series`` and ``COPY`` (search keys computed by :mod:`guests.search_keys`);
* :mod:`bench.timing` — repetitions and percentiles;
* :mod:`bench.guests` — the guests app's cases (search, 360, arrivals, ingestion, import);
* :mod:`bench.report` — the printed table and ``bench/report.json``.

Other apps add ``bench/<name>.py`` with ``run(**context) -> dict`` (see
:func:`bench.__main__.run_optional`).
"""
