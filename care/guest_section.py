"""The care part of the guest 360 view (page and profile API) and the churn-risk badge,
registered as the "care" guest section in ``care.apps``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm_site import scope
from crm_site.extensions import Badge
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


def guest_care_profile(guest: Guest, viewer) -> dict:
    """The care part of the guest 360 view: the open churn warning with its reasons,
    past outcomes, contact history, open care items and surveys (five queries).  The
    warnings, care items and surveys are the viewer's properties' (``crm_site.scope``);
    the contact history is the guest's."""
    warnings = list(
        scope.scoped(ChurnWarning.objects.filter(guest=guest), viewer)
        .select_related("assigned_to")
        .order_by("-created_at", "-id")[:6]
    )
    open_warning = next((w for w in warnings if w.is_open), None)
    contacts = list(
        ContactLog.objects.filter(guest=guest)
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
    surveys = list(
        scope.scoped(StaySurvey.objects.filter(guest=guest), viewer)
        .order_by("-received_on", "-id")
        .values("stay_id", "overall", "comment", "received_on", "stay__confirmation_number", "stay__property__code")[
            :10
        ]
    )
    care_items = list(
        scope.scoped(CareTask.objects.filter(guest=guest, status=CareTask.Status.OPEN), viewer)
        .order_by("due_date", "id")
        .values("id", "kind", "due_date")[:5]
    )
    survey_stays = []
    if viewer is not None and viewer.has_perm("care.add_staysurvey"):
        stays = scope.scoped(
            Stay.objects.filter(guest=guest, status=Stay.Status.CHECKED_OUT, survey__isnull=True), viewer
        )
        survey_stays = [
            {
                "id": s["id"],
                "label": f"{s['property__code']} · {s['confirmation_number']} · {s['departure_date']:%Y-%m-%d}",
            }
            for s in stays.order_by("-departure_date", "-id").values(
                "id", "confirmation_number", "departure_date", "property__code"
            )[:10]
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
    return {
        gid: [Badge(label, "warning")]
        for gid in ChurnWarning.objects.filter(guest_id__in_ids=guest_ids, status=ChurnWarning.Status.OPEN).values_list(
            "guest_id", flat=True
        )
    }
