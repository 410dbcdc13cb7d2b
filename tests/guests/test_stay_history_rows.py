"""``{% stay_history_rows %}`` writes exactly what the template loop it replaced wrote:
escaping, dates, localized numbers, grouped amounts, labels, in English and Chinese."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from guests.models import Stay
from guests.templatetags.stay_labels import _amount
from tests.factories import StayFactory

pytestmark = pytest.mark.django_db

# guests/_stay_history.html before the tag (kept here as the reference).
LOOP = Template(
    "{% load stay_labels %}{% for s in stays %}\n"
    '    <tr><td>{{ s.property.code }}</td><td>{{ s.confirmation_number }}</td><td>{{ s.arrival_date|date:"Y-m-d" }}'
    '</td><td class="num">{{ s.nights }}</td><td>{{ s.room_type }} {{ s.room_number }}</td><td>{{ s.channel|stay_channel }}'
    '</td><td>{{ s.status|stay_status }}</td>{% if revenue %}<td class="num">{{ s.room_revenue|floatformat:"2g" }} / '
    '{{ s.fnb_revenue|floatformat:"2g" }} / {{ s.other_revenue|floatformat:"2g" }} {{ s.currency }}</td>'
    '<td class="num">{{ s.total_revenue|floatformat:"2g" }}</td>{% endif %}</tr>\n'
    "  {% endfor %}"
)
TAG = Template("{% load stay_labels %}{% stay_history_rows stays revenue=revenue %}")


@pytest.fixture
def stays(hotel):
    made = [
        StayFactory(property=hotel, room_revenue=Decimal("12345.5"), fnb_revenue=Decimal("0.05"), room_number="101"),
        StayFactory(
            property=hotel,
            status=Stay.Status.CANCELLED,
            channel="ota",
            room_type='<b>"D"&',
            room_number="",
            arrival_date=dt.date(2024, 2, 29),
            confirmation_number="A&B<1>",
        ),
        StayFactory(property=hotel, status=Stay.Status.IN_HOUSE, room_revenue=Decimal("1000000.99")),
    ]
    Stay.objects.filter(pk=made[2].pk).update(channel="other<x>")
    rows = list(Stay.objects.filter(pk__in=[s.pk for s in made]).select_related("property").order_by("pk"))
    rows[2].total_revenue = None  # an amount left empty
    return rows


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("revenue", [True, False])
def test_same_markup_as_the_template_loop(stays, language, revenue):
    with translation.override(language):
        context = {"stays": stays, "revenue": revenue}
        assert TAG.render(Context(context)) == LOOP.render(Context(context))
    assert "&lt;b&gt;&quot;D&quot;&amp;" in TAG.render(Context({"stays": stays, "revenue": revenue}))


@pytest.mark.parametrize("language", ["en", "zh-hans", "de", "fr", "hi"])
@settings(max_examples=300, deadline=None)
@given(
    amount=st.one_of(
        st.decimals(min_value=-(10**10), max_value=10**10, places=2, allow_nan=False, allow_infinity=False),
        st.decimals(min_value=-1, max_value=1, places=4, allow_nan=False, allow_infinity=False),
        st.integers(min_value=-(10**9), max_value=10**9),
        st.none(),
    )
)
def test_amounts_are_written_as_floatformat_2g_writes_them(language, amount):
    with translation.override(language):
        assert _amount(amount) == floatformat(amount, "2g")
