"""The care part of the guest 360 view (page and profile API) and the churn-risk badge,
registered as the "care" guest section in ``care.apps``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.extensions import Badge
from crm_site.prepared import Prepared
from guests.models import Guest, Stay

from . import rules
from .models import CareTask, ChurnWarning, ContactLog, StaySurvey
from .selectors import _person, contact_text, explain_reasons, segment_label


def _warning_dict(w: ChurnWarning) -> dict:
    return {
        "id": w.pk,
        "status": w.status,
        "score": w.score,
        "score_detail": w.score_detail,
        "segment": w.segment,
        "segment_label": segment_label(w.segment),
        "reasons": explain_reasons(w.reasons),
        "opened_on": w.opened_on.isoformat(),
        "assigned_to": _person(w.assigned_to),
        "outcome": w.outcome,
        "outcome_label": str(w.get_outcome_display()) if w.outcome else "",
        "lost_reason": str(w.get_lost_reason_display()) if w.lost_reason else "",
        "competitor": w.competitor,
        "closed_at": w.closed_at.isoformat() if w.closed_at else None,
    }


def _kind_label(kind: str) -> str:
    """A care item's kind as ``get_kind_display()`` says it (the value itself if unknown)."""
    return str(dict(CareTask.Kind.choices).get(kind, kind))


def _warnings(*, guest_id: int, user_id: int | None = None):
    return (
        _mine(ChurnWarning.objects.filter(guest_id=guest_id), ChurnWarning, user_id)
        .select_related("assigned_to")
        .order_by("-created_at", "-id")[:6]
    )


def _contacts(*, guest_id: int):
    return (
        ContactLog.objects.filter(guest_id=guest_id)
        .select_related("created_by", "care_task__email")
        # What the history shows: the entry, its author and the e-mail's state.
        .only(
            "kind",
            "channel",
            "outcome",
            "details",
            "note",
            "created_at",
            "care_task_id",
            "created_by__username",
            "created_by__first_name",
            "created_by__last_name",
            "care_task__email__status",
        )
        .order_by("-created_at", "-id")[:20]
    )


# Surveys, care items and stays as values() rows: what the section shows, without
# building model instances through joined only() reads.
def _surveys(*, guest_id: int, user_id: int | None = None):
    return (
        _mine(StaySurvey.objects.filter(guest_id=guest_id), StaySurvey, user_id)
        .order_by("-received_on", "-id")
        .values("stay_id", "overall", "comment", "received_on", "stay__confirmation_number", "stay__property__code")[
            :10
        ]
    )


def _care_items(*, guest_id: int, user_id: int | None = None):
    return (
        _mine(CareTask.objects.filter(guest_id=guest_id, status=CareTask.Status.OPEN), CareTask, user_id)
        .order_by("due_date", "id")
        .values("id", "kind", "due_date")[:5]
    )


def _stays_without_survey(*, guest_id: int, user_id: int | None = None):
    stays = Stay.objects.filter(guest_id=guest_id, status=Stay.Status.CHECKED_OUT, survey__isnull=True)
    return (
        _mine(stays, Stay, user_id)
        .order_by("-departure_date", "-id")
        .values("id", "confirmation_number", "departure_date", "property__code")[:10]
    )


def _mine(queryset, model, user_id: int | None):
    """The viewer's properties' part (``crm_site.scope``); ``user_id`` None: every property."""
    return queryset if user_id is None else queryset.filter(scope.condition_of_user_id(model, user_id))


# The section's statements, compiled once per process (crm_site.prepared).
_warnings_of = Prepared(_warnings)
_contacts_of = Prepared(_contacts)
_surveys_of = Prepared(_surveys)
_care_items_of = Prepared(_care_items)
_stays_without_survey_of = Prepared(_stays_without_survey)


def guest_care_profile(guest: Guest, viewer) -> dict:
    """The care part of the guest 360 view: the open churn warning with its reasons,
    past outcomes, contact history, open care items and surveys (five queries).  The
    warnings, care items and surveys are the viewer's properties' (``crm_site.scope``);
    the contact history is the guest's."""
    user_id = scope.bound_user_id(viewer)
    mine = {} if user_id is None else {"user_id": user_id}
    warnings = _warnings_of(guest_id=guest.pk, **mine)
    open_warning = next((w for w in warnings if w.is_open), None)
    contacts = _contacts_of(guest_id=guest.pk)
    surveys = _surveys_of(guest_id=guest.pk, **mine)
    care_items = _care_items_of(guest_id=guest.pk, **mine)
    survey_stays = []
    if viewer is not None and viewer.has_perm("care.add_staysurvey"):
        survey_stays = [
            {
                "id": s["id"],
                "label": f"{s['property__code']} · {s['confirmation_number']} · {s['departure_date']:%Y-%m-%d}",
            }
            for s in _stays_without_survey_of(guest_id=guest.pk, **mine)
        ]
    return {
        "do_not_contact": rules.do_not_contact(guest),
        "open_warning": _warning_dict(open_warning) if open_warning else None,
        "past_warnings": [_warning_dict(w) for w in warnings if not w.is_open][:5],
        "contacts": [
            {
                "at": c.created_at.isoformat(),
                "kind": c.kind,
                "text": contact_text(c),
                "channel": str(c.get_channel_display()) if c.channel else "",
                "note": c.note,
                "by": _person(c.created_by),
            }
            for c in contacts
        ],
        "care_items": [
            {"id": t["id"], "kind": t["kind"], "label": _kind_label(t["kind"]), "due_date": t["due_date"].isoformat()}
            for t in care_items
        ],
        "surveys": [
            {
                "stay": s["stay_id"],
                "property": s["stay__property__code"],
                "confirmation_number": s["stay__confirmation_number"],
                "overall": s["overall"],
                "top_box": s["overall"] == 5,
                "comment": s["comment"],
                "received_on": s["received_on"].isoformat(),
            }
            for s in surveys
        ],
        "survey_stays": survey_stays,
    }


def churn_badges_from_section(data: dict) -> list[Badge]:
    """The churn-risk badge from the 360 view's care data (its open warning)."""
    return [Badge(_("churn risk"), "warning")] if data.get("open_warning") else []


def churn_badges(guest_ids: list[int]) -> dict[int, list[Badge]]:
    """ "churn risk" on every guest with an open warning (one query)."""
    label = _("churn risk")
    return {gid: [Badge(label, "warning")] for gid in _with_open_warnings(guest_ids=list(guest_ids))}


def _open_warnings(*, guest_ids: list[int]):
    return ChurnWarning.objects.filter(guest_id__in_ids=guest_ids, status=ChurnWarning.Status.OPEN).values_list(
        "guest_id", flat=True
    )


_with_open_warnings = Prepared(_open_warnings)
