"""Merges move care rows to the survivor and back; erasure scrubs care's free text."""

import datetime as dt

from care.models import CareTask, ChurnWarning, ContactLog, StaySurvey
from guests import services as guest_services
from tests.factories import GuestFactory, StayFactory

from .factories import CareTaskFactory, ChurnWarningFactory, StaySurveyFactory


def test_merge_moves_care_rows_and_undo_restores_them(hotel, chain_admin):
    survivor, duplicate = GuestFactory(), GuestFactory()
    survey = StaySurveyFactory(stay=StayFactory(guest=duplicate, property=hotel))
    log = ContactLog.objects.create(guest=duplicate, kind="care_done", note="Called")
    day = dt.date(2026, 5, 1)
    clash = CareTaskFactory(guest=duplicate, kind="birthday", due_date=day)
    CareTaskFactory(guest=survivor, kind="birthday", due_date=day)
    moving = CareTaskFactory(guest=duplicate, kind="post_stay", due_date=day)
    ChurnWarningFactory(guest=survivor)
    duplicate_warning = ChurnWarningFactory(guest=duplicate)
    old_warning = ChurnWarningFactory(guest=duplicate, status="closed", outcome="lost", lost_reason="price")

    record = guest_services.guest_merge(survivor_id=survivor.pk, merged_id=duplicate.pk, by=chain_admin)

    survey.refresh_from_db(), log.refresh_from_db(), moving.refresh_from_db(), clash.refresh_from_db()
    duplicate_warning.refresh_from_db(), old_warning.refresh_from_db()
    assert survey.guest == survivor and log.guest == survivor and moving.guest == survivor
    assert (clash.guest, clash.status) == (duplicate, "cancelled")
    assert (duplicate_warning.guest, duplicate_warning.status) == (duplicate, "closed")
    assert old_warning.guest == survivor
    assert ChurnWarning.objects.filter(guest=survivor, status="open").count() == 1

    guest_services.guest_merge_undo(merge_id=record.pk, by=chain_admin)

    survey.refresh_from_db(), log.refresh_from_db(), moving.refresh_from_db(), clash.refresh_from_db()
    duplicate_warning.refresh_from_db(), old_warning.refresh_from_db()
    assert survey.guest == duplicate and log.guest == duplicate and moving.guest == duplicate
    assert clash.status == "open"
    assert (duplicate_warning.status, duplicate_warning.outcome) == ("open", "")
    assert old_warning.guest == duplicate


def test_erasure_scrubs_free_text_and_stops_care(hotel, chain_admin):
    guest = GuestFactory()
    StaySurveyFactory(stay=StayFactory(guest=guest, property=hotel), comment="My wife Anna was unhappy")
    ContactLog.objects.create(guest=guest, kind="care_done", note="Spoke to Anna")
    CareTaskFactory(guest=guest, note="Anna's birthday")
    ChurnWarningFactory(guest=guest, outcome_note="Moved to Porto")

    guest_services.guest_erase(guest_id=guest.pk, reference="DSR-1", by=chain_admin)

    assert StaySurvey.objects.get(guest=guest).comment == ""
    assert ContactLog.objects.get(guest=guest).note == ""
    task = CareTask.objects.get(guest=guest)
    assert (task.note, task.details, task.status) == ("", {}, "cancelled")
    warning = ChurnWarning.objects.get(guest=guest)
    assert (warning.outcome_note, warning.status, warning.outcome) == ("", "closed", "cleared")
