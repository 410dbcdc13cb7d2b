"""Pages: the account list, a new account, and the account's overview, details, team and
timeline tabs with their actions (level, handover, merge, external ids)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site.errors import DomainError, add_to_form

from .. import exports, selectors, services
from ..exports import csv_response
from ..filtersets import AccountFilterSet
from ..forms import AccountCreateForm, AccountForm, ExternalIdForm, HandoverForm, LevelForm, MergeForm, TeamForm
from ..models import AccountClass, AccountMerge, AccountType, Level
from .common import account_or_404, run_action, run_form, tab_page, wants_csv

VIEW = "accounts.view_account"
CHANGE = "accounts.change_account"


@exports.audited("list")
@login_required
@permission_required(VIEW, raise_exception=True)
def account_list(request):
    base = selectors.account_list(selectors.visible_accounts(request.user)).order_by("name", "id")
    filterset = AccountFilterSet(request.GET, queryset=base, request=request)
    valid = filterset.is_valid()
    accounts = filterset.qs if valid else base.none()
    if wants_csv(request) == "csv":
        return _accounts_csv(accounts)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    ids = [a.pk for a in page.object_list]
    coverage = selectors.coverage_for_accounts(ids)
    progress = selectors.progress_for_accounts(ids)
    editable = selectors.editable_ids(request.user, ids)
    rows = [
        {"account": a, "coverage": coverage[a.pk], "progress": progress[a.pk], "editable": a.pk in editable}
        for a in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/account_list.html",
        {"filterset": filterset, "page": page, "rows": rows, "query": query.urlencode()},
        status=200 if valid else 400,
    )


def _accounts_csv(accounts):
    accounts = list(accounts)
    ids = [a.pk for a in accounts]
    coverage = selectors.coverage_for_accounts(ids)
    progress = selectors.progress_for_accounts(ids)
    header = [
        _("id"),
        _("name"),
        _("name (Latin)"),
        _("type"),
        _("account class"),
        _("relationship level"),
        _("target level"),
        _("parent account"),
        _("owner"),
        _("IATA code"),
        _("corporate id"),
        _("tax number"),
        _("levels covered"),
        _("roles covered"),
        _("roadmap stage"),
        _("next milestone"),
    ]
    rows = [
        [
            a.pk,
            a.name,
            a.name_latin,
            AccountType(a.account_type).label,
            AccountClass(a.account_class).label,
            Level(a.relationship_level).label,
            Level(a.level_target).label if a.level_target else "",
            a.parent.name if a.parent_id else "",
            a.owner.get_username() if a.owner_id else "",
            a.iata_code,
            a.corporate_id,
            a.tax_number,
            len(coverage[a.pk].levels),
            len(coverage[a.pk].roles),
            progress[a.pk].stage.label if progress[a.pk].stage else _("All reached"),
            progress[a.pk].next_milestone.label if progress[a.pk].next_milestone else "",
        ]
        for a in accounts
    ]
    return csv_response("accounts.csv", header, rows)


def _parents(exclude=None):
    parents = selectors.visible_accounts().only("pk", "name").order_by("name")
    return parents.exclude(pk=exclude) if exclude else parents


@login_required
@permission_required("accounts.add_account", raise_exception=True)
def account_create(request):
    initial = {"account_type": AccountType.CORPORATE, "account_class": AccountClass.ORDINARY, "owner": request.user.pk}
    form = AccountCreateForm(request.POST or None, parents=_parents(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(data=form.service_data(), by=request.user)
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Account created."))
            return redirect("accounts:detail", pk=account.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/account_form.html", {"form": form, "account": None}, status=status)


# --- Overview -------------------------------------------------------------------------


def _overview(request, account, head):
    today = timezone.localdate()
    can_edit = head["can_edit"]
    return {
        "rollup": selectors.account_rollup(account, today=today),
        "external_ids": list(account.external_ids.all()),
        "levels": selectors.level_history(account, limit=10),
        "coverage": selectors.coverage_for_accounts([account.pk])[account.pk],
        "progress": selectors.progress_for_accounts([account.pk])[account.pk],
        "level_form": LevelForm(initial={"level": account.relationship_level, "target_level": account.level_target})
        if can_edit
        else None,
        "external_id_form": ExternalIdForm() if can_edit else None,
        "handover_form": HandoverForm(initial={"owner": account.owner_id}) if head["is_director"] else None,
        "merge_form": MergeForm() if request.user.has_perm("accounts.merge_account") else None,
    }


@exports.audited("account")
@login_required
@permission_required(VIEW, raise_exception=True)
def account_detail(request, pk: int, *, forms=None, status: int = 200):
    if wants_csv(request) == "levels":
        return _levels_csv(account_or_404(request, pk))
    return tab_page(
        request,
        pk,
        "overview",
        "accounts/tab_overview.html",
        lambda account, head: _overview(request, account, head),
        forms=forms,
        status=status,
    )


def _levels_csv(account):
    rows = [
        [
            c.effective_on,
            Level(c.from_level).label if c.from_level else "",
            Level(c.to_level).label,
            Level(c.target_level).label if c.target_level else "",
            c.review_on,
            c.reason,
            c.changed_by.get_username() if c.changed_by_id else "",
        ]
        for c in selectors.level_history(account)
    ]
    header = [_("effective on"), _("from level"), _("level"), _("target level"), _("review date"), _("reason"), _("by")]
    return csv_response(f"account-{account.pk}-levels.csv", header, rows)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def account_level(request, pk: int):
    form = LevelForm(request.POST)
    done = run_form(
        request,
        form,
        lambda f: services.account_level_change(account_id=pk, by=request.user, **f.service_data()),
        success=_("Relationship level recorded."),
        on_error=lambda f: account_detail(request, pk, forms={"level_form": f}, status=400),
    )
    return done or redirect("accounts:detail", pk=pk)


@login_required
@permission_required("accounts.direct_sales", raise_exception=True)
@require_POST
def account_handover(request, pk: int):
    form = HandoverForm(request.POST)
    done = run_form(
        request,
        form,
        lambda f: services.account_handover(account_ids=[pk], new_owner=f.cleaned_data["owner"], by=request.user),
        success=_("Account handed over; the open activities moved with it."),
        on_error=lambda f: account_detail(request, pk, forms={"handover_form": f}, status=400),
    )
    return done or redirect("accounts:detail", pk=pk)


@login_required
@permission_required("accounts.merge_account", raise_exception=True)
@require_POST
def account_merge(request, pk: int):
    form = MergeForm(request.POST)
    result = {}

    def merge(f):
        result["merge"] = services.account_merge(
            survivor_id=pk, merged_id=f.cleaned_data["merged"], note=f.cleaned_data["note"], by=request.user
        )

    done = run_form(
        request,
        form,
        merge,
        success=_("Accounts merged."),
        on_error=lambda f: account_detail(request, pk, forms={"merge_form": f}, status=400),
    )
    return done or redirect("accounts:detail", pk=pk)


@login_required
@permission_required("accounts.merge_account", raise_exception=True)
@require_POST
def merge_undo(request, merge_id: int):
    record = AccountMerge.objects.filter(pk=merge_id).first()
    run_action(
        request, lambda: services.account_merge_undo(merge_id=merge_id, by=request.user), success=_("Merge undone.")
    )
    return redirect("accounts:detail", pk=record.merged_id) if record else redirect("accounts:list")


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def external_id_add(request, pk: int):
    form = ExternalIdForm(request.POST)
    done = run_form(
        request,
        form,
        lambda f: services.external_id_add(account_id=pk, by=request.user, **f.service_data()),
        success=_("External id linked."),
        on_error=lambda f: account_detail(request, pk, forms={"external_id_form": f}, status=400),
    )
    return done or redirect("accounts:detail", pk=pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def external_id_remove(request, pk: int, link_id: int):
    run_action(request, lambda: services.external_id_remove(link_id=link_id, by=request.user), success=_("Removed."))
    return redirect("accounts:detail", pk=pk)


# --- Details (edit) ----------------------------------------------------------------------


@login_required
@permission_required(CHANGE, raise_exception=True)
def account_edit(request, pk: int):
    head = selectors.account_header(account_id=pk, viewer=request.user)
    account = head["account"]
    if account is None:
        raise Http404
    if not head["can_edit"]:
        raise PermissionDenied
    fields = services.ACCOUNT_FIELDS
    initial = {f: getattr(account, f"{f}_id" if f == "parent" else f) for f in fields}
    form = AccountForm(request.POST or None, parents=_parents(exclude=account.pk), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(account_id=pk, data=form.service_data(), by=request.user)
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Account saved."))
            return redirect("accounts:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/account_form.html", {"form": form, "account": account}, status=status)


# --- Team ---------------------------------------------------------------------------------


def _staff():
    return get_user_model().objects.filter(is_active=True, staff_profile__isnull=False).order_by("username")


@exports.audited("team")
@login_required
@permission_required(VIEW, raise_exception=True)
def account_team(request, pk: int, *, forms=None, status: int = 200):
    if wants_csv(request) == "csv":
        account = account_or_404(request, pk)
        return _team_csv(account, selectors.account_team(account))

    def build(account, head):
        can_manage = head["is_director"] or (head["can_edit"] and head["is_owner"])
        team = selectors.account_team(account)
        return {"team": team, "team_form": TeamForm(users=_staff()) if can_manage else None, "can_manage": can_manage}

    return tab_page(request, pk, "team", "accounts/tab_team.html", build, forms=forms, status=status)


def _team_csv(account, team):
    rows = [[_("Owner"), account.owner.get_username() if account.owner_id else "", ""]]
    rows += [[m.get_role_display(), m.user.get_username(), m.property.code if m.property_id else ""] for m in team]
    return csv_response(f"account-{account.pk}-team.csv", [_("role"), _("person"), _("property")], rows)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def team_add(request, pk: int):
    form = TeamForm(request.POST, users=_staff())
    done = run_form(
        request,
        form,
        lambda f: services.team_member_add(account_id=pk, by=request.user, **f.service_data()),
        success=_("Added to the account team."),
        on_error=lambda f: account_team(request, pk, forms={"team_form": f}, status=400),
    )
    return done or redirect("accounts:team", pk=pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def team_remove(request, pk: int, member_id: int):
    run_action(
        request, lambda: services.team_member_remove(member_id=member_id, by=request.user), success=_("Removed.")
    )
    return redirect("accounts:team", pk=pk)


# --- Timeline -----------------------------------------------------------------------------


@exports.audited("timeline")
@login_required
@permission_required(VIEW, raise_exception=True)
def account_timeline(request, pk: int):
    if wants_csv(request) == "csv":
        account = account_or_404(request, pk)
        rows = [
            [
                r["event"].at,
                r["event"].get_kind_display(),
                r["text"],
                r["event"].actor.get_username() if r["event"].actor_id else "",
            ]
            for r in selectors.account_timeline(account)
        ]
        return csv_response(f"account-{account.pk}-timeline.csv", [_("at"), _("event"), _("details"), _("by")], rows)
    return tab_page(
        request,
        pk,
        "timeline",
        "accounts/tab_timeline.html",
        lambda account, head: {"rows": selectors.account_timeline(account)},
    )
