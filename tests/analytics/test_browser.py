"""A sales manager opens the pyramid dashboard in a real browser; front desk is refused."""

import pytest

from analytics import services
from tests.analytics.factories import AS_OF, chain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def segmented(hotel):
    chain([1000 - 7 * i for i in range(40)], prop=hotel)
    return services.segmentation_run(as_of=AS_OF)


def test_sales_manager_sees_the_pyramid_chart(page, login, sales_manager, segmented):
    login(sales_manager)
    page.click("text=Customer pyramid")
    page.wait_for_url("**/analytics/")
    chart = page.locator("svg[data-testid=pyramid-chart]")
    chart.wait_for()
    assert chart.is_visible()
    assert page.locator("svg[data-testid=pyramid-chart] polygon").count() == 4
    assert page.locator("svg[data-testid=lorenz-chart] polyline").count() == 1
    assert "VIP · 1" in chart.text_content()
    # drill down from the pyramid to the VIP guest list
    page.locator("svg[data-testid=pyramid-chart] g[data-segment=vip] a").click()
    page.wait_for_url("**/analytics/segments/vip/**")
    assert page.locator("table[data-testid=segment-guests] tbody tr").count() == 1


def test_front_desk_is_refused(page, login, front_desk, segmented):
    login(front_desk)
    response = page.goto("/analytics/")
    assert response.status == 403
    assert page.locator("text=Customer pyramid").count() == 0
