"""Complaint pages: intake, the queues, the detail with its timeline, the analysis."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site import scope
from crm_site.errors import DomainError, Forbidden, NotFound, add_to_form
from crm_site.http import redirect_back
from guests.models import Guest, Stay

from . import selectors, services, sla
from .filtersets import ComplaintFilterSet
from .forms import AnalysisForm, ComplaintIntakeForm, LinkGuestForm, TransitionForm
from .models import Complaint, ComplaintSeverity

PAGE_SIZE = 50


def _queue_page(request, queryset, *, mine: bool):
    params = request.GET.copy()
    if not [v for v in params.getlist("status") if v]:
        params.pop("status", None)
        if not mine and "active" not in params:
            params["active"] = "true"
    filterset = ComplaintFilterSet(params, queryset=queryset, request=request)
    valid = filterset.is_valid()
    rows = filterset.qs if valid else queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/queue.html",
        {
            "mine": mine,
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "properties": scope.properties(request.user),
            "status_selected": params.getlist("status"),
            "notifications": selectors.notifications_for(viewer=request.user),
        },
        status=200 if valid else 400,
    )


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
def queue(request):
    """The property queue: every complaint at the user's properties, least time left first."""
    return _queue_page(request, selectors.complaint_list(viewer=request.user), mine=False)


@login_required
@permission_required("complaints.handle_complaint", raise_exception=True)
def my_queue(request):
    """The complaints assigned to the user that are not closed yet."""
    return _queue_page(request, selectors.complaint_queue(viewer=request.user, mine=True), mine=True)


def _intake_guest(request) -> Guest | None:
    """The guest the agent started from (``?guest=``), if any; 404 when unknown."""
    guest_id = request.POST.get("guest") or request.GET.get("guest")
    if not guest_id:
        return None
    if not str(guest_id).isdigit():
        raise Http404
    guest = Guest.objects.active().filter(pk=int(guest_id)).first()
    if guest is None:
        raise Http404
    return guest


def _likely_stay(guest: Guest, properties, stay_id: str | None) -> Stay | None:
    """The stay asked for, else the one most likely concerned: in house now, else the
    latest one that began."""
    if stay_id and stay_id.isdigit():
        stay = Stay.objects.filter(pk=int(stay_id), guest=guest, property__in=properties).first()
        if stay is not None:
            return stay
    stays = Stay.objects.filter(guest=guest, property__in=properties).select_related("property")
    return (
        stays.filter(status=Stay.Status.IN_HOUSE).order_by("-arrival_date", "-pk").first()
        or stays.filter(
            arrival_date__lte=timezone.localdate(),
            status__in=[Stay.Status.CHECKED_OUT, Stay.Status.RESERVED],
        )
        .order_by("-arrival_date", "-pk")
        .first()
    )


def _intake_initial(guest: Guest | None, properties, stay_id: str | None) -> dict:
    initial = {}
    if guest is not None:
        initial["guest"] = guest.pk
        stay = _likely_stay(guest, properties, stay_id)
        if stay is not None:
            initial.update(stay=stay.pk, property=stay.property.code)
    if "property" not in initial:
        home = properties.first()
        if home is not None:
            initial["property"] = home.code
    return initial


@login_required
@permission_required("complaints.add_complaint", raise_exception=True)
def complaint_create(request):
    properties = scope.properties(request.user)
    guest = _intake_guest(request)
    initial = _intake_initial(guest, properties, request.GET.get("stay"))
    form = ComplaintIntakeForm(request.POST or None, initial=initial, properties=properties, guest=guest)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if data:
            try:
                complaint = services.complaint_create(by=request.user, **data)
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Complaint #%(id)s logged.") % {"id": complaint.pk})
                return redirect("complaints:detail", pk=complaint.pk)
    return render(
        request, "complaints/complaint_form.html", {"form": form, "guest": guest}, status=400 if form.errors else 200
    )


def _detail_context(request, pk: int, *, failed: tuple[str, TransitionForm] | None = None, link_form=None) -> dict:
    try:
        detail = selectors.complaint_detail(complaint_id=pk, viewer=request.user)
    except Complaint.DoesNotExist:
        raise Http404 from None
    actions = []
    for move in detail.transitions:
        if failed and failed[0] == move.key:
            form = failed[1]
        else:
            form = TransitionForm(initial=_initial_for(move, detail.complaint), assignees=detail.assignees)
        names = [n for n in move.accepts if n in form.fields] + ["comment"]
        if move.is_reopen:
            form.fields["comment"].label = _("Reason for reopening")
        actions.append({"move": move, "form": form, "fields": [form[n] for n in names]})
    can_link = request.user.has_perm("complaints.change_complaint") and not (
        detail.complaint.guest_id and detail.complaint.stay_id
    )
    return {
        "detail": detail,
        "complaint": detail.complaint,
        "actions": actions,
        "link_form": link_form or (LinkGuestForm() if can_link else None),
        "now": timezone.now(),
    }


def _initial_for(move, complaint: Complaint) -> dict:
    initial = {"to": move.target}
    if "action_taken" in move.requires:
        initial.update(
            action_taken=complaint.action_taken,
            root_cause=complaint.root_cause,
            compensation_points=complaint.compensation_points or None,
            compensation_money=complaint.compensation_money or None,
        )
    if "assignee" in move.requires and complaint.assignee_id:
        initial["assignee"] = complaint.assignee_id
    return initial


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_detail(request, pk: int):
    return render(request, "complaints/complaint_detail.html", _detail_context(request, pk))


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
@require_POST
def complaint_transition(request, pk: int):
    complaint = get_object_or_404(selectors.visible_complaints(request.user), pk=pk)
    assignees = selectors.assignable_users(property_id=complaint.property_id)
    form = TransitionForm(request.POST, assignees=assignees)
    status = 400
    if form.is_valid():
        kwargs = form.service_kwargs()
        try:
            services.complaint_transition(complaint=complaint, by=request.user, **kwargs)
        except DomainError as error:
            add_to_form(form, error)
            status = 403 if isinstance(error, Forbidden) else 400
        else:
            messages.success(
                request,
                _("Complaint #%(id)s is now %(status)s.") % {"id": pk, "status": Complaint.Status(kwargs["to"]).label},
            )
            return redirect("complaints:detail", pk=pk)
    key = f"{complaint.status}->{request.POST.get('to', '')}"
    context = _detail_context(request, pk, failed=(key, form))
    if not any(a["move"].key == key for a in context["actions"]):
        # The move is not on offer (illegal or not permitted): say so at the top.
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return render(request, "complaints/complaint_detail.html", context, status=status)


@login_required
@permission_required("complaints.change_complaint", raise_exception=True)
@require_POST
def complaint_link(request, pk: int):
    complaint = get_object_or_404(selectors.visible_complaints(request.user), pk=pk)
    form = LinkGuestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        stay = guest = None
        try:
            if data.get("confirmation_number"):
                stay = Stay.objects.filter(
                    property_id=complaint.property_id, confirmation_number=data["confirmation_number"].strip()
                ).first()
                if stay is None:
                    raise DomainError(
                        _("No stay with this confirmation number at this property."), field="confirmation_number"
                    )
            if data.get("guest_email"):
                matches = list(Guest.objects.active().filter(email__iexact=data["guest_email"])[:2])
                if len(matches) != 1:
                    raise DomainError(
                        _("No single guest has this e-mail.") if matches else _("No guest has this e-mail."),
                        field="guest_email",
                    )
                guest = matches[0]
            services.complaint_link_guest(
                complaint=complaint, guest=guest, stay=stay, by=request.user, comment=data.get("comment", "")
            )
        except DomainError as error:
            if error.field == "stay":
                error.field = "confirmation_number"
            elif error.field == "guest" and data.get("guest_email"):
                error.field = "guest_email"
            add_to_form(form, error)
        else:
            messages.success(request, _("Guest linked."))
            return redirect("complaints:detail", pk=pk)
    return render(request, "complaints/complaint_detail.html", _detail_context(request, pk, link_form=form), status=400)


@login_required
@require_POST
def notification_acknowledge(request, pk: int):
    try:
        services.notification_acknowledge(notification_id=pk, by=request.user)
    except NotFound:
        raise Http404 from None  # someone else's, another property's, or acknowledged already
    return redirect_back(request, "complaints:queue")


@login_required
@permission_required("complaints.view_complaint_analysis", raise_exception=True)
def analysis(request):
    properties = scope.properties(request.user)
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("date_to", today.isoformat())
    data.setdefault("date_from", (today - dt.timedelta(days=365)).isoformat())
    form = AnalysisForm(data, properties=properties)
    figures = None
    if form.is_valid():
        figures = selectors.complaint_analysis(
            viewer=request.user,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            property=form.cleaned_data.get("property"),
        )
    context = {
        "form": form,
        "figures": figures,
        "period": form.cleaned_data if figures else {},
        # The deadlines follow settings.COMPLAINT_SLA: state the ones in force.
        "sla_targets": [
            {"severity": ComplaintSeverity(code).label, "first_response": t.first_response, "resolution": t.resolution}
            for code, t in sla.sla_table().items()
        ],
    }
    return render(request, "complaints/analysis.html", context, status=200 if figures else 400)
