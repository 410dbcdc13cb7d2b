"""Post-stay satisfaction surveys."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.errors import ConflictError, ErrorBag
from crm_site.parsing import as_choice, as_int, as_of_date, as_text
from guests.models import Stay
from guests.services import guest_check_writable

from ..models import StaySurvey


def _survey_inputs(bag: ErrorBag, *, overall, comment, received_on, source) -> dict:
    return {
        "overall": bag.check(as_int, overall, field="overall", minimum=1, maximum=5),
        "comment": bag.check(as_text, comment, field="comment", max_length=4000) or "",
        "received_on": bag.check(as_of_date, received_on, field="received_on"),
        "source": bag.check(as_choice, source, field="source", choices=StaySurvey.Source, message=_("Unknown source.")),
    }


def _stay_problems(bag: ErrorBag, stay: Stay | None, *, guest_id, received_on: dt.date | None) -> None:
    """Why this stay cannot take a survey (added to ``bag``)."""
    if stay is None:
        bag.add(_("Unknown stay."), field="stay")
    elif stay.guest_id is None:
        bag.add(_("This stay has no guest profile."), field="stay")
    elif guest_id is not None and str(guest_id) != str(stay.guest_id):
        bag.add(_("This stay belongs to another guest."), field="stay")
    elif stay.status != Stay.Status.CHECKED_OUT:
        bag.add(_("Only a checked-out stay can be surveyed."), field="stay")
    if stay is not None and received_on is not None and received_on < stay.departure_date:
        bag.add(_("A post-stay survey cannot be dated before the departure."), field="received_on")


def _locked_stay(stay_id, by) -> Stay | None:
    """The stay, locked; a stay at another property than ``by``'s is unknown to them
    (``crm_site.scope``)."""
    try:
        return scope.scoped(Stay.objects.select_for_update(), by).filter(pk=int(stay_id)).first()
    except (TypeError, ValueError):
        return None


def survey_record(
    *,
    stay_id: int,
    overall,
    by=None,
    guest_id: int | None = None,
    comment: str = "",
    received_on: dt.date | str | None = None,
    source: str = StaySurvey.Source.STAFF,
) -> StaySurvey:
    """Record a post-stay survey: one per checked-out stay, for that stay's guest, an
    overall score from 1 to 5 (5 = completely satisfied, the top box).  Every invalid
    field is reported at once; nothing is written unless all are valid."""
    bag = ErrorBag()
    data = _survey_inputs(bag, overall=overall, comment=comment, received_on=received_on, source=source)
    with transaction.atomic():
        stay = _locked_stay(stay_id, by)
        _stay_problems(bag, stay, guest_id=guest_id, received_on=data["received_on"])
        bag.raise_if_any()
        guest_check_writable(stay.guest)  # an erased profile takes no new survey (409)
        if StaySurvey.objects.filter(stay_id=stay.pk).exists():
            raise ConflictError(_("This stay already has a survey."), field="stay")
        try:
            with transaction.atomic():
                survey = StaySurvey.objects.create(stay=stay, guest_id=stay.guest_id, recorded_by=by, **data)
        except IntegrityError:
            raise ConflictError(_("This stay already has a survey."), field="stay") from None
    return survey
