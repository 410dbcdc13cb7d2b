"""Post-stay surveys: validation, scope, top-box share."""

import datetime as dt

import pytest

from care import selectors, services
from care.models import StaySurvey
from crm_site.errors import ConflictError, DomainError
from guests.models import Stay
from tests.factories import GuestFactory, StayFactory

from .factories import StaySurveyFactory


@pytest.fixture
def stay(hotel):
    return StayFactory(property=hotel, arrival_date=dt.date(2026, 1, 10), departure_date=dt.date(2026, 1, 12))


def test_record_a_survey(stay, front_desk):
    survey = services.survey_record(stay_id=stay.pk, overall=4, comment=" Fine ", by=front_desk)
    assert (survey.guest, survey.overall, survey.comment, survey.recorded_by) == (stay.guest, 4, "Fine", front_desk)
    assert survey.received_on == dt.date.today()
    assert survey.source == "staff"


@pytest.mark.parametrize("overall", [0, 6, -1, "five", None, 3.5])
def test_score_outside_1_to_5_is_refused(stay, overall):
    with pytest.raises(DomainError) as exc:
        services.survey_record(stay_id=stay.pk, overall=overall)
    assert exc.value.field == "overall"
    assert not StaySurvey.objects.exists()


def test_stay_of_another_guest_is_refused(stay):
    other = GuestFactory()
    with pytest.raises(DomainError) as exc:
        services.survey_record(stay_id=stay.pk, guest_id=other.pk, overall=5)
    assert exc.value.field == "stay"
    assert not StaySurvey.objects.exists()


def test_only_checked_out_stays_with_a_guest_once(hotel, stay):
    reserved = StayFactory(property=hotel, status=Stay.Status.RESERVED)
    anonymous = StayFactory(property=hotel, guest=None)
    for bad in (reserved, anonymous):
        with pytest.raises(DomainError) as exc:
            services.survey_record(stay_id=bad.pk, overall=3)
        assert exc.value.field == "stay"
    with pytest.raises(DomainError) as exc:
        services.survey_record(stay_id=987654, overall=3)
    assert exc.value.field == "stay"
    services.survey_record(stay_id=stay.pk, overall=3)
    with pytest.raises(ConflictError) as exc:
        services.survey_record(stay_id=stay.pk, overall=5)
    assert exc.value.field == "stay"


def test_dates_must_follow_the_stay(stay):
    with pytest.raises(DomainError) as exc:
        services.survey_record(stay_id=stay.pk, overall=3, received_on=stay.departure_date - dt.timedelta(days=1))
    assert exc.value.field == "received_on"
    with pytest.raises(DomainError) as exc:
        services.survey_record(stay_id=stay.pk, overall=3, received_on=dt.date.today() + dt.timedelta(days=1))
    assert exc.value.field == "received_on"


def test_staff_record_surveys_of_their_properties_only(other_hotel, front_desk, chain_admin):
    elsewhere = StayFactory(property=other_hotel)
    with pytest.raises(DomainError) as refused:  # another hotel's stay is unknown to them
        services.survey_record(stay_id=elsewhere.pk, overall=4, by=front_desk)
    assert refused.value.status_code == 400 and refused.value.fields == {"stay": ["Unknown stay."]}
    services.survey_record(stay_id=elsewhere.pk, overall=4, by=chain_admin)


def test_top_box_share_counts_only_fives(hotel):
    for score in (5, 5, 4, 4, 3, 1, 5, 4):
        StaySurveyFactory(stay__property=hotel, overall=score)
    summary = selectors.satisfaction_summary(StaySurvey.objects.all())
    assert summary["count"] == 8
    assert summary["top_box"] == 3
    assert summary["top_box_share"] == 37.5
    assert summary["average"] == 3.88
    assert summary["distribution"] == {1: 1, 2: 0, 3: 1, 4: 3, 5: 3}
    assert selectors.satisfaction_summary(StaySurvey.objects.none())["top_box_share"] is None


def test_the_database_refuses_a_score_out_of_range(stay):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StaySurvey.objects.create(stay=stay, guest=stay.guest, overall=6, received_on=stay.departure_date)
