"""Pages across accounts: the roadmap board, a salesperson's agenda, the level
distribution and quarterly migration, agreement alerts, bulk handover and the roadmap /
expected-value vocabularies directors edit."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site.errors import DomainError, add_to_form

from .. import exports, selectors, services
from ..api.views import board_accounts
from ..exports import csv_response
from ..forms import BoardForm, BulkHandoverForm, DriverForm, MilestoneForm, QuarterForm, StageForm
from ..models import AccountType, Level, RoadmapMilestone, RoadmapStage, ValueDriver
from .common import wants_csv
from .work import activities_csv, agreements_csv

VIEW = "accounts.view_account"


# --- Roadmap board --------------------------------------------------------------------------


@exports.audited("board")
@login_required
@permission_required(VIEW, raise_exception=True)
def board(request):
    form = BoardForm(request.GET or None, initial={"account_class": "key"})
    try:
        accounts = board_accounts(request)
    except DomainError as error:
        form.is_valid()
        add_to_form(form, error)
        return render(request, "accounts/board.html", {"form": form, "board": None}, status=400)
    data = selectors.roadmap_board(accounts)
    if wants_csv(request) == "csv":
        rows = [
            [
                card["account"].name,
                column["stage"].label if column["stage"] else _("All reached"),
                card["progress"].next_milestone.label if card["progress"].next_milestone else "",
                f"{card['progress'].done}/{card['progress'].total}",
                card["account"].owner.get_username() if card["account"].owner_id else "",
            ]
            for column in data["columns"]
            for card in column["cards"]
        ]
        header = [_("account"), _("stage"), _("next milestone"), _("milestones reached"), _("owner")]
        return csv_response("roadmap-board.csv", header, rows)
    return render(
        request, "accounts/board.html", {"form": form, "board": data, "mine": request.GET.get("owner") == "me"}
    )


# --- Agenda -----------------------------------------------------------------------------------


def _agenda_owner(request):
    """Whose agenda: one's own; the director (or anyone reading) may pick a salesperson."""
    value = request.GET.get("owner", "").strip()
    if not value or value == "me":
        return request.user
    if value == "all" and selectors.is_director(request.user):
        return None
    if not value.isdigit():
        return request.user
    return selectors.salespeople().filter(pk=int(value)).first() or request.user


@exports.audited("agenda", "accounts.change_account")
@login_required
@permission_required("accounts.change_account", raise_exception=True)
def agenda(request):
    today = timezone.localdate()
    owner = _agenda_owner(request)
    data = selectors.agenda(owner=owner, today=today, viewer=request.user)
    if wants_csv(request) == "csv":
        rows = [*data["overdue"], *data["today"], *data["upcoming"], *data["later"], *data["done"]]
        return activities_csv("agenda.csv", rows)
    return render(
        request,
        "accounts/agenda.html",
        {
            "agenda": data,
            "owner": owner,
            "today": today,
            "salespeople": selectors.salespeople(),
            "is_director": selectors.is_director(request.user),
        },
    )


# --- Levels ----------------------------------------------------------------------------------


@exports.audited("levels")
@login_required
@permission_required(VIEW, raise_exception=True)
def levels(request):
    form = QuarterForm(request.GET or None)
    try:
        label, start, end = selectors.quarter_bounds(request.GET.get("quarter"))
    except DomainError as error:
        form.is_valid()
        add_to_form(form, error)
        context = {"form": form, "distribution": None, "quarter": ""}
        return render(request, "accounts/levels.html", context, status=400)
    distribution = selectors.level_distribution(request.user)
    migration = selectors.level_migration(start=start, end=end, viewer=request.user)
    export = wants_csv(request)
    if export == "distribution":
        header = [_("type"), *[Level(lv).label for lv in Level.values]]
        rows = [[t["label"], *t["counts"]] for t in distribution["types"]]
        rows.append([_("Total"), *[lv["count"] for lv in distribution["levels"]]])
        return csv_response("account-levels.csv", header, rows)
    if export == "migration":
        header = [_("from \\ to"), *[c["label"] for c in migration["columns"]], _("Total")]
        rows = [[r["label"], *[c["count"] for c in r["cells"]], r["total"]] for r in migration["rows"]]
        return csv_response(f"account-level-migration-{label}.csv", header, rows)
    previous = selectors.quarter_of(start - dt.timedelta(days=1))
    return render(
        request,
        "accounts/levels.html",
        {
            "form": form,
            "quarter": label,
            "previous_quarter": previous,
            "distribution": distribution,
            "migration": migration,
            "types": AccountType,
        },
    )


# --- Agreement alerts --------------------------------------------------------------------------


@exports.audited("agreement-alerts")
@login_required
@permission_required(VIEW, raise_exception=True)
def agreement_alerts(request):
    today = timezone.localdate()
    rows = selectors.expiring_agreements(today=today, viewer=request.user)
    if wants_csv(request) == "csv":
        return agreements_csv("expiring-agreements.csv", rows)
    return render(
        request,
        "accounts/agreement_alerts.html",
        {
            "rows": [
                {"agreement": a, "state": selectors.agreement_state(a, today), "days": (a.valid_to - today).days}
                for a in rows
            ],
            "days": selectors.EXPIRY_ALERT_DAYS,
        },
    )


# --- Bulk handover -------------------------------------------------------------------------------


@login_required
@permission_required("accounts.direct_sales", raise_exception=True)
def handover(request):
    """Director of sales: move a salesperson's accounts (and their open activities) to
    another salesperson in one go."""
    source = request.GET.get("from", "")
    accounts = selectors.visible_accounts(request.user).select_related("owner").order_by("name")
    if source.isdigit():
        accounts = accounts.filter(owner_id=int(source))
    form = BulkHandoverForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.account_handover(
                account_ids=form.cleaned_data["accounts"], new_owner=form.cleaned_data["owner"], by=request.user
            )
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(accounts)d account(s) handed over; %(activities)d open activities moved.")
                % {"accounts": result.accounts, "activities": result.activities},
            )
            return redirect("accounts:handover")
    return render(
        request,
        "accounts/handover.html",
        {"form": form, "salespeople": selectors.salespeople(), "source": source},
        status=400 if request.method == "POST" else 200,
    )


# --- Vocabularies (roadmap and expected-value drivers) -------------------------------------------


def _settings_page(request, *, forms=None, status=200):
    stages = list(RoadmapStage.objects.order_by("sort_order", "id"))
    milestones = list(
        RoadmapMilestone.objects.select_related("stage").order_by("stage__sort_order", "sort_order", "id")
    )
    context = {
        "stages": [{"stage": s, "milestones": [m for m in milestones if m.stage_id == s.pk]} for s in stages],
        "drivers": list(ValueDriver.objects.order_by("sort_order", "code")),
        "stage_form": StageForm(initial={"is_active": True}),
        "milestone_form": MilestoneForm(stages=stages, initial={"is_active": True}),
        "driver_form": DriverForm(initial={"is_active": True}),
        "can_edit": request.user.has_perm("accounts.change_roadmapstage"),
    }
    context.update(forms or {})
    return render(request, "accounts/settings.html", context, status=status)


@exports.audited("roadmap-settings", "accounts.view_roadmapstage")
@login_required
@permission_required("accounts.view_roadmapstage", raise_exception=True)
def roadmap_settings(request):
    if wants_csv(request) == "csv":
        rows = [
            [m.stage.label, m.stage.requires_order, m.code, m.name, m.name_zh, m.sort_order, m.is_active]
            for m in RoadmapMilestone.objects.select_related("stage").order_by("stage__sort_order", "sort_order")
        ]
        header = [
            _("stage"),
            _("milestones in order"),
            _("code"),
            _("name (English)"),
            _("name (Chinese)"),
            _("order"),
            _("active"),
        ]
        return csv_response("roadmap.csv", header, rows)
    return _settings_page(request)


_VOCABULARIES = {
    "stage": (StageForm, services.stage_save, "stage_id", "stage_form", "accounts.change_roadmapstage"),
    "milestone": (
        MilestoneForm,
        services.milestone_save,
        "milestone_id",
        "milestone_form",
        "accounts.change_roadmapmilestone",
    ),
    "driver": (DriverForm, services.driver_save, "driver_id", "driver_form", "accounts.change_valuedriver"),
}


@login_required
@require_POST
def vocabulary_save(request, kind: str, entry_id: int | None = None):
    if kind not in _VOCABULARIES:
        raise PermissionDenied
    form_class, save, id_name, form_name, perm = _VOCABULARIES[kind]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    kwargs = {"stages": RoadmapStage.objects.order_by("sort_order")} if kind == "milestone" else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = form.service_data()
        if entry_id is not None:
            data.pop("code", None)
        try:
            save(data=data, by=request.user, **({id_name: entry_id} if entry_id is not None else {}))
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:settings")
    return _settings_page(request, forms={form_name: form}, status=400)
