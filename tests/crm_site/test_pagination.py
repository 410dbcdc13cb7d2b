"""List pages are whole numbers, checked like every other input (a 400 naming the
parameter); a page past the last is a 404."""

import pytest

from tests.factories import GuestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(api, front_desk):
    GuestFactory.create_batch(3)
    return api.as_user(front_desk)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": ""}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"page": "last"}, "page"),
        ({"page_size": ""}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
    ],
)
def test_a_bad_page_is_a_400_naming_it(desk, params, field):
    response = desk.get("/api/v1/guests/", params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()


def test_pages_in_range_and_past_the_last(desk):
    first = desk.get("/api/v1/guests/", {"page_size": 2})
    assert first.status_code == 200 and len(first.json()["results"]) == 2
    second = desk.get("/api/v1/guests/", {"page_size": 2, "page": 2})
    assert second.status_code == 200 and len(second.json()["results"]) == 1
    assert desk.get("/api/v1/guests/", {"page_size": 2, "page": 3}).status_code == 404
    assert desk.get("/api/v1/guests/").status_code == 200  # no page: the first
