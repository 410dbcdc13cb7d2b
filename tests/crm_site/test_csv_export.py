"""The one CSV writer: every export goes through it and no cell runs as a formula."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from crm_site.csvexport import csv_cell, csv_response

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "analytics", "care", "complaints", "crm_site", "guests", "loyalty", "nightly", "outbox")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ana Lima", "Ana Lima"),
        ("a=b", "a=b"),
        ("+8613800138000", "+8613800138000"),
        ("-12.50", "-12.50"),
        (-5, -5),
        (Decimal("-12.50"), Decimal("-12.50")),
        (None, ""),
    ],
)
def test_a_cell_is_escaped_only_when_a_spreadsheet_would_run_it(value, written):
    assert csv_cell(value) == written


@pytest.mark.parametrize("stream", [False, True])
def test_the_response_escapes_header_and_rows(stream):
    response = csv_response("x.csv", ["=head"], [["=1+1", 3], [], ["ok", None]], stream=stream)
    body = b"".join(response.streaming_content) if stream else response.content
    assert list(csv.reader(io.StringIO(body.decode()))) == [["'=head"], ["'=1+1", "3"], [], ["ok", ""]]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_no_module_writes_csv_but_the_shared_writer():
    """A second CSV writer would be a second place to forget the formula escaping."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "csvexport.py" or "migrations" in path.parts:
                continue
            if re.search(r"\bcsv\.(writer|DictWriter)\b", path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
