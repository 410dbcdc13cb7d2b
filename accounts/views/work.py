"""Pages: the account's activities and agreements tabs with their actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site.errors import DomainError, add_to_form

from .. import exports, selectors, services
from ..exports import csv_response
from ..forms import ActivityForm, AgreementForm, CompleteForm
from ..models import Activity, ActivityStatus
from .common import account_or_404, run_action, tab_page, wants_csv
from .tabs import CHANGE, VIEW, post_form

# --- Activities -----------------------------------------------------------------------------


def _activity_form(account, data=None):
    owners = selectors.salespeople()
    contact_rows = account.contacts.filter(is_erased=False).select_related("guest")
    return ActivityForm(
        data,
        owners=owners,
        contacts=[(c.pk, selectors.contact_label(c)) for c in contact_rows],
        initial={"kind": "visit"},
    )


@exports.audited("activities")
@login_required
@permission_required(VIEW, raise_exception=True)
def activities(request, pk: int, *, forms=None, status: int = 200):
    if wants_csv(request) == "csv":
        account = account_or_404(request, pk)
        return activities_csv(f"account-{account.pk}-activities.csv", _account_activities(account))

    def build(account, head):
        rows = _account_activities(account)
        edit = head["can_edit"]
        return {
            "open": [a for a in rows if a.status == ActivityStatus.OPEN],
            "closed": [a for a in rows if a.status != ActivityStatus.OPEN][::-1],
            "activity_form": _activity_form(account) if edit else None,
            "complete_form": CompleteForm() if edit else None,
        }

    return tab_page(request, pk, "activities", "accounts/tab_activities.html", build, forms=forms, status=status)


def _account_activities(account) -> list[Activity]:
    return list(account.activities.select_related("owner", "contact__guest", "follow_up").order_by("due_on", "id"))


def activities_csv(filename: str, rows) -> object:
    header = [
        _("account"),
        _("kind"),
        _("subject"),
        _("owner"),
        _("due on"),
        _("status"),
        _("done on"),
        _("outcome"),
        _("next step"),
    ]
    return csv_response(
        filename,
        header,
        [
            [
                a.account.name,
                a.get_kind_display(),
                a.subject,
                a.owner.get_username(),
                a.due_on,
                a.get_status_display(),
                a.done_on,
                a.outcome,
                a.next_step,
            ]
            for a in rows
        ],
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def activity_add(request, pk: int):
    account = account_or_404(request, pk)
    return post_form(
        request,
        pk,
        _activity_form(account, request.POST),
        lambda f: services.activity_create(account_id=pk, data=f.service_data(), by=request.user),
        success=_("Activity saved."),
        tab_view=activities,
        form_name="activity_form",
        target="accounts:activities",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def activity_complete(request, pk: int, activity_id: int):
    form = CompleteForm(request.POST)
    return post_form(
        request,
        pk,
        form,
        lambda f: services.activity_complete(activity_id=activity_id, by=request.user, **f.service_data()),
        success=_("Activity done."),
        tab_view=activities,
        form_name="complete_form",
        target="accounts:activities",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def activity_cancel(request, pk: int, activity_id: int):
    run_action(
        request,
        lambda: services.activity_cancel(
            activity_id=activity_id, reason=request.POST.get("reason", ""), by=request.user
        ),
        success=_("Activity cancelled."),
    )
    return redirect("accounts:activities", pk=pk)


# --- Agreements -----------------------------------------------------------------------------


@exports.audited("agreements")
@login_required
@permission_required(VIEW, raise_exception=True)
def agreements(request, pk: int, *, forms=None, status: int = 200):
    if wants_csv(request) == "csv":
        account = account_or_404(request, pk)
        return agreements_csv(
            f"account-{account.pk}-agreements.csv", account.agreements.select_related("account", "property")
        )

    def build(account, head):
        today = timezone.localdate()
        rows = list(account.agreements.select_related("property").prefetch_related("documents"))
        return {
            "rows": [{"agreement": a, "state": selectors.agreement_state(a, today)} for a in rows],
            "agreement_form": AgreementForm(initial={"status": "draft"}) if head["can_edit"] else None,
            "editable": head["can_edit"],
        }

    return tab_page(request, pk, "agreements", "accounts/tab_agreements.html", build, forms=forms, status=status)


def agreements_csv(filename: str, rows) -> object:
    header = [
        _("account"),
        _("property"),
        _("rate code"),
        _("valid from"),
        _("valid to"),
        _("rate per night"),
        _("discount (%)"),
        _("currency"),
        _("inclusions"),
        _("room nights committed"),
        _("commitment period"),
        _("commission (%)"),
        _("status"),
        _("renewal date"),
    ]
    return csv_response(
        filename,
        header,
        [
            [
                a.account.name,
                a.property.code,
                a.rate_code,
                a.valid_from,
                a.valid_to,
                a.rate_amount,
                a.discount_percent,
                a.currency,
                a.inclusions,
                a.room_nights_committed,
                a.get_commitment_period_display(),
                a.commission_percent,
                a.get_status_display(),
                a.renewal_on,
            ]
            for a in rows
        ],
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def agreement_add(request, pk: int):
    return post_form(
        request,
        pk,
        AgreementForm(request.POST),
        lambda f: services.agreement_create(account_id=pk, data=f.service_data(), by=request.user),
        success=_("Agreement saved."),
        tab_view=agreements,
        form_name="agreement_form",
        target="accounts:agreements",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def agreement_status(request, pk: int, agreement_id: int):
    run_action(
        request,
        lambda: services.agreement_update(
            agreement_id=agreement_id, data={"status": request.POST.get("status")}, by=request.user
        ),
        success=_("Agreement status changed."),
    )
    return redirect("accounts:agreements", pk=pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
def agreement_edit(request, pk: int, agreement_id: int):
    """Change an agreement's terms on a page of its own."""
    account = account_or_404(request, pk)
    agreement = account.agreements.select_related("property").filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404
    initial = {f: getattr(agreement, f) for f in services.AGREEMENT_FIELDS} | {"property": agreement.property_id}
    form = AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(agreement_id=agreement.pk, data=form.service_data(), by=request.user)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(str(error.message)) from None
            add_to_form(form, error)
        else:
            messages.success(request, _("Agreement saved."))
            return redirect("accounts:agreements", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/agreement_form.html",
        {"form": form, "account": account, "agreement": agreement},
        status=status,
    )
