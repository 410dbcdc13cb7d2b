"""The orjson renderer writes what DRF's JSONRenderer writes."""

import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from crm_site.renderers import CrmJSONRenderer

SAMPLE = {
    "utc": dt.datetime(2026, 12, 1, 21, 30, 5, 123456, tzinfo=dt.UTC),
    "shanghai": dt.datetime(2026, 12, 1, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    "naive": dt.datetime(2026, 12, 1, 7, 30),
    "day": dt.date(2026, 2, 28),
    "time": dt.time(23, 30),
    "duration": dt.timedelta(days=2, seconds=5),
    "money": Decimal("1234.50"),
    "label": gettext_lazy("Open complaint"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "by_guest": {7: ["a", "b"], 8: []},
    "tags": ("vip", "tier"),
    "ids": {3},
    "text": "王伟 · Müller \u2028",
    "nothing": None,
    "ratio": 0.1 + 0.2,
    "big": 2**53 + 1,
}


def test_same_json_as_drf():
    ours = CrmJSONRenderer().render(SAMPLE)
    theirs = JSONRenderer().render(SAMPLE)
    assert json.loads(ours) == json.loads(theirs)
    parsed = json.loads(ours)
    assert parsed["utc"] == "2026-12-01T21:30:05.123456Z"
    assert parsed["shanghai"] == "2026-12-01T07:30:00+08:00"
    assert parsed["money"] == 1234.5  # as DRF: a raw Decimal is a number (serializer fields give strings)
    assert parsed["by_guest"] == {"7": ["a", "b"], "8": []}


def test_none_is_an_empty_body_and_the_browsable_api_indents():
    assert CrmJSONRenderer().render(None) == b""
    indented = CrmJSONRenderer().render({"a": [1]}, "application/json; indent=4")
    assert b"\n" in indented and json.loads(indented) == {"a": [1]}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.dates()
    | st.datetimes(timezones=st.just(dt.UTC)),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_any_value_reads_back_as_drf_writes_it(value):
    assert json.loads(CrmJSONRenderer().render({"v": value})) == json.loads(JSONRenderer().render({"v": value}))
