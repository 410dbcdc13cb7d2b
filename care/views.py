"""Pages: the win-back worklist, a warning, the lost-guest analysis, the daily care list
and surveys.  Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm_site import roles, scope
from crm_site.csvexport import csv_response
from crm_site.errors import DomainError, add_to_form
from crm_site.http import redirect_back
from crm_site.timezones import hotel_today
from guests import audit
from guests.models_consent import ConsentPurpose
from guests.selectors import contactable_guest_ids, visible_properties

from . import rules, selectors, services
from .definitions import churn_definitions
from .filtersets import ChurnWarningFilterSet
from .forms import (
    AssignForm,
    CareListForm,
    CareTaskDoneForm,
    LostAnalysisForm,
    OutcomeForm,
)
from .models import CareTask, ChurnWarning

FIELD_LABELS = {
    "assigned_to": gettext_lazy("Assignee"),
    "outcome": gettext_lazy("Outcome"),
    "lost_reason": gettext_lazy("Reason lost"),
    "competitor": gettext_lazy("Competitor"),
    "channel": gettext_lazy("Channel"),
    "email": gettext_lazy("E-mail"),
    "status": gettext_lazy("Status"),
    "property": gettext_lazy("Property"),
    "stay": gettext_lazy("Stay"),
    "overall": gettext_lazy("Overall satisfaction"),
    "received_on": gettext_lazy("Received on"),
    "template": gettext_lazy("E-mail template"),
    "comment": gettext_lazy("Comment"),
    "note": gettext_lazy("Note"),
}


def _error_text(error: DomainError) -> str:
    """Every field's message, labelled, for a flash message."""
    if not error.fields:
        return str(error.message)
    parts = []
    for name, field_messages in error.fields.items():
        label = FIELD_LABELS.get(name)
        parts += [f"{label}: {m}" if label else str(m) for m in field_messages]
    return "; ".join(parts)


def _page(request, queryset, per_page):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- Win-back worklist ---------------------------------------------------------------------


@login_required
def worklist(request):
    if not selectors.can_use_worklist(request.user):
        raise PermissionDenied
    filterset = ChurnWarningFilterSet(request.GET, queryset=selectors.worklist(request.user), request=request)
    valid = filterset.is_valid()
    page = _page(request, filterset.qs if valid else filterset.queryset.none(), 50)
    rows = [
        {
            "warning": w,
            "reasons": selectors.explain_reasons(w.reasons),
            "segment": selectors.segment_label(w.segment),
            "do_not_contact": rules.do_not_contact(w.guest),
        }
        for w in page.object_list
    ]
    return render(
        request,
        "care/worklist.html",
        {
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "last_scan": selectors.last_scan(),
            "definitions": churn_definitions(),
        },
        status=200 if valid else 400,
    )


def _warning_page(request, warning, *, assign_form=None, outcome_form=None, status=200):
    can_work = rules.can_work_warning(request.user, warning)
    can_assign = request.user.has_perm("care.assign_churnwarning")
    return render(
        request,
        "care/warning_detail.html",
        {
            "warning": warning,
            "guest": warning.guest,
            "reasons": selectors.explain_reasons(warning.reasons),
            "segment": selectors.segment_label(warning.segment),
            "do_not_contact": rules.do_not_contact(warning.guest),
            "contacts": [{"entry": c, "text": selectors.contact_text(c)} for c in selectors.warning_contacts(warning)],
            "can_work": can_work and warning.is_open,
            "can_assign": can_assign and warning.is_open,
            "assign_form": assign_form
            or (AssignForm(initial={"assignee": warning.assigned_to_id}) if can_assign and warning.is_open else None),
            "outcome_form": outcome_form or (OutcomeForm() if can_work and warning.is_open else None),
        },
        status=status,
    )


def _visible_warning(request, pk) -> ChurnWarning:
    if not selectors.can_use_worklist(request.user):
        raise PermissionDenied
    return get_object_or_404(selectors.worklist(request.user).select_related("outcome_by"), pk=pk)


@login_required
def warning_detail(request, pk: int):
    return _warning_page(request, _visible_warning(request, pk))


@login_required
@require_POST
def warning_assign(request, pk: int):
    warning = _visible_warning(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.warning_assign(warning_id=warning.pk, assignee=form.cleaned_data["assignee"], by=request.user)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied from None
            form.add_error("assignee", str(error.message))
        else:
            messages.success(request, _("Warning assigned."))
            return redirect_back(request, reverse("care:warning-detail", args=[warning.pk]))
    return _warning_page(request, warning, assign_form=form, status=400)


@login_required
@require_POST
def warning_outcome(request, pk: int):
    warning = _visible_warning(request, pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.warning_record_outcome(warning_id=warning.pk, by=request.user, **form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied from None
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _("Outcome recorded: %(outcome)s.")
                % {"outcome": ChurnWarning.Outcome(form.cleaned_data["outcome"]).label},
            )
            return redirect_back(request, "care:worklist")
    warning.refresh_from_db()
    return _warning_page(request, warning, outcome_form=form, status=400)


# --- Lost-guest analysis ---------------------------------------------------------------------


LOST_PERMISSION = "care.view_lost_analysis"


@login_required
def lost_analysis(request):
    exporting = request.GET.get("export") == "csv"
    if not request.user.has_perm(LOST_PERMISSION):
        if exporting:  # a refused export is audited
            audit.record_denied(what="care:lost-guests", permission=LOST_PERMISSION, by=request.user)
        raise PermissionDenied
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("end", today.strftime("%Y-%m"))
    start_default = (today.replace(day=1) - dt.timedelta(days=320)).replace(day=1)
    data.setdefault("start", start_default.strftime("%Y-%m"))
    form = LostAnalysisForm(data)
    analysis = None
    if form.is_valid():
        analysis = selectors.lost_analysis(
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            property=form.cleaned_data["property"],
            viewer=request.user,
        )
        if exporting:
            return _lost_csv(request, analysis, form.cleaned_data)
    chart = None
    if analysis and analysis["max_month"]:
        width = 40
        chart = {
            "width": width * len(analysis["rows"]) + 40,
            "height": 172,
            "bars": [
                {
                    "x": 30 + i * width,
                    "h": round(120 * r["total"] / analysis["max_month"]),
                    "y": 130 - round(120 * r["total"] / analysis["max_month"]),
                    "label": r["month"].strftime("%m/%y"),
                    "total": r["total"],
                }
                for i, r in enumerate(analysis["rows"])
            ],
        }
    return render(
        request,
        "care/lost_analysis.html",
        {
            "form": form,
            "analysis": analysis,
            "chart": chart,
            "query": data.urlencode(),
            "period": form.cleaned_data if form.is_valid() else {},
        },
        status=200 if form.is_valid() else 400,
    )


def _lost_csv(request, analysis, params: dict) -> HttpResponse:
    """Lost guests per month by reason, then by competitor (no contact details)."""
    rows = [[row["month"].strftime("%Y-%m"), *row["counts"], row["total"]] for row in analysis["rows"]]
    rows.append([])
    rows.append([_("Competitor"), *[m.strftime("%Y-%m") for m in analysis["months"]], _("Total")])
    rows += [[entry["name"], *entry["counts"], entry["total"]] for entry in analysis["competitors"]]
    audit.record_export(
        what="care:lost-guests",
        rows=len(analysis["rows"]) + len(analysis["competitors"]),
        by=request.user,
        start=params["start"].isoformat(),
        end=params["end"].isoformat(),
        property=params["property"].code if params.get("property") else None,
    )
    header = [_("Month"), *[r["label"] for r in analysis["reasons"]], _("Total")]
    return csv_response("lost-guests.csv", header, rows)


# --- Daily care list -------------------------------------------------------------------------


@login_required
@permission_required("care.view_caretask", raise_exception=True)
def care_list(request):
    properties = scope.properties(request.user)
    data = request.GET.copy()
    if not data.get("day"):  # the hotel's own today, not the server's
        data["day"] = hotel_today(request.user, data.get("property")).isoformat()
    data.setdefault("status", CareTask.Status.OPEN)
    form = CareListForm(data, properties=properties)
    page, rows, day = None, [], None
    if form.is_valid():
        day = form.cleaned_data["day"]
        status = form.cleaned_data["status"]
        tasks = selectors.care_list(
            user=request.user,
            day=day,
            status=None if status in ("", "all") else status,
            kind=form.cleaned_data["kind"],
            property=form.cleaned_data["property"],
        )
        page = _page(request, tasks, 100)
        rows = [
            {
                "task": t,
                "summary": selectors.care_task_summary(t),
                "do_not_contact": rules.do_not_contact(t.guest),
                "email_label": selectors.care_email_label(t),
                "can_email": t.status == CareTask.Status.OPEN
                and t.email_status in ("", "failed")
                and bool(t.guest.email)
                and t.guest.marketing_email_consent,
            }
            for t in page.object_list
        ]
    return render(
        request,
        "care/care_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "day": day,
            "done_form": CareTaskDoneForm(),
            "query": _query_without_page(request),
            "last_build": selectors.last_care_build(),
            "can_build": request.user.has_perm("care.change_caretask") and roles.is_chain_wide(request.user),
            "can_export": request.user.has_perm(CARE_EXPORT_PERMISSION),
        },
        status=200 if form.is_valid() else 400,
    )


CARE_EXPORT_PERMISSION = "care.export_caretask"
# Channel of a contact list → (the consent it needs, the guest field it carries).
EXPORT_CHANNELS = {
    "email": (ConsentPurpose.MARKETING_EMAIL, "email"),
    "sms": (ConsentPurpose.MARKETING_SMS, "phone"),
}


@audit.export_view(what="care:care-list", permission=CARE_EXPORT_PERMISSION)
def care_list_export(request):
    """The care list as a contact list (CSV) for one channel: only guests who consent to
    that channel's marketing right now, with that channel's address; audited."""
    data = request.GET.copy()
    if not data.get("day"):  # the hotel's own today, not the server's
        data["day"] = hotel_today(request.user, data.get("property")).isoformat()
    data.setdefault("status", CareTask.Status.OPEN)
    form = CareListForm(data, properties=visible_properties(request.user))
    channel = request.GET.get("channel", "email")
    if not form.is_valid() or channel not in EXPORT_CHANNELS:
        errors = dict(form.errors) if not form.is_valid() else {}
        if channel not in EXPORT_CHANNELS:
            errors["channel"] = [_("Choose email or sms.")]
        text = "\n".join(f"{field}: {' '.join(str(m) for m in messages_)}" for field, messages_ in errors.items())
        return HttpResponse(text + "\n", status=400, content_type="text/plain; charset=utf-8")
    purpose, contact = EXPORT_CHANNELS[channel]
    status = form.cleaned_data["status"]
    tasks = (
        selectors.care_list(
            user=request.user,
            day=form.cleaned_data["day"],
            status=None if status in ("", "all") else status,
            kind=form.cleaned_data["kind"],
            property=form.cleaned_data["property"],
        )
        .filter(guest_id__in=contactable_guest_ids(purpose))
        .exclude(**{f"guest__{contact}": ""})
    )
    rows = [
        [
            t.due_date.isoformat(),
            t.get_kind_display(),
            t.guest_id,
            t.guest.display_name,
            getattr(t.guest, contact),
            t.guest.language,
            t.property.code if t.property_id else "",
            selectors.care_task_summary(t),
        ]
        for t in tasks
    ]
    day = form.cleaned_data["day"]
    audit.record_export(
        what="care:care-list",
        rows=len(rows),
        by=request.user,
        day=day.isoformat(),
        contact_channel=channel,
        status=status,
    )
    header = [_("Due"), _("Kind"), _("Guest id"), _("Guest"), _("E-mail") if contact == "email" else _("Phone")]
    header += [_("Language"), _("Property"), _("Why")]
    return csv_response(f"care-list-{day.isoformat()}-{channel}.csv", header, rows)


@login_required
@permission_required("care.change_caretask", raise_exception=True)
@require_POST
def care_task_done(request, pk: int):
    get_object_or_404(selectors.visible_care_tasks(request.user), pk=pk)
    form = CareTaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect_back(request, "care:care-list")
    try:
        task = services.care_task_complete(task_id=pk, by=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(kind)s for %(guest)s marked done.")
            % {
                "kind": task.get_kind_display(),
                "guest": task.guest.display_name,
            },
        )
    return redirect_back(request, "care:care-list")


@login_required
@permission_required("care.change_caretask", raise_exception=True)
@require_POST
def care_task_email(request, pk: int):
    get_object_or_404(selectors.visible_care_tasks(request.user), pk=pk)
    try:
        task = services.care_task_send_email(task_id=pk, by=request.user)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("E-mail to %(guest)s queued.") % {"guest": task.guest.display_name})
    return redirect_back(request, "care:care-list")


@login_required
@permission_required("care.change_caretask", raise_exception=True)
@require_POST
def care_list_build(request):
    if not roles.is_chain_wide(request.user):
        raise PermissionDenied
    result = services.care_list_build()
    messages.success(request, _("Care list built: %(n)d new item(s).") % {"n": result["created"]})
    return redirect_back(request, "care:care-list")


# --- Surveys -------------------------------------------------------------------------------
