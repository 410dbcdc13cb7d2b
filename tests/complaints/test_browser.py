"""In a real browser: log a complaint from the guest's page, work it to resolved, and see
every step in the timeline."""

import pytest

from complaints.models import Complaint
from crm_site import roles
from tests.factories import GuestFactory, PropertyFactory, StayFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_log_a_complaint_from_the_guest_page_and_resolve_it(page, login):
    hotel = PropertyFactory(code="LIS", name="Lisbon City")
    relations = UserFactory(
        username="rui", first_name="Rui", last_name="Costa", roles=[roles.GUEST_RELATIONS], properties=[hotel]
    )
    guest = GuestFactory(family_name_latin="Moreau", given_name_latin="Camille")
    StayFactory(guest=guest, property=hotel, confirmation_number="LIS-4711")

    login(relations)
    page.goto(f"/guests/{guest.pk}/")
    page.click("[data-testid=log-complaint]")
    page.check("input[name=category][value=facilities]")
    page.check("input[name=severity][value=high]")
    page.fill("textarea[name=description]", "Air conditioning rattles all night")
    page.click("[data-testid=complaint-form] button[type=submit]")

    page.wait_for_selector("[data-testid=timeline]")
    complaint = Complaint.objects.get()
    assert complaint.stay.confirmation_number == "LIS-4711"
    assert "Air conditioning rattles" in page.inner_text("[data-testid=description]")

    page.select_option("[data-testid=action-assigned] select[name=assignee]", str(relations.pk))
    page.click("[data-testid=action-assigned] button[type=submit]")
    page.fill("[data-testid=action-investigating] textarea[name=comment]", "Engineer on the way")
    page.click("[data-testid=action-investigating] button[type=submit]")
    # Resolving without an action is refused on the field, and nothing changes.
    page.click("[data-testid=action-resolved] button[type=submit]")
    assert "Describe the action taken" in page.inner_text("[data-testid=action-resolved]")
    page.fill("[data-testid=action-resolved] textarea[name=action_taken]", "Fan motor replaced")
    page.click("[data-testid=action-resolved] button[type=submit]")

    page.wait_for_selector("[data-testid=action-feedback_recorded]")
    timeline = page.inner_text("[data-testid=timeline]")
    for text in ("Logged", "Assigned", "Investigating", "Resolved", "Engineer on the way", "Fan motor replaced"):
        assert text in timeline
    assert len(page.query_selector_all("[data-testid=timeline-row]")) == 4
    assert page.inner_text("[data-testid=status]") == "Resolved"
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.action_taken == "Fan motor replaced"

    # Back on the guest page the complaint shows with its outcome.
    page.goto(f"/guests/{guest.pk}/")
    section = page.inner_text("[data-testid=guest-complaints]")
    assert f"#{complaint.pk}" in section and "Fan motor replaced" in section
