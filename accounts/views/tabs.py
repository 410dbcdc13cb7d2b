"""Pages: the account's contacts map, plan and roadmap tabs with their actions.
Thin: each post runs one service; its refusal goes back on the form."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import exports, selectors, services
from ..exports import csv_response
from ..forms import (
    CompetitorForm,
    ContactEditForm,
    ContactForm,
    DocumentForm,
    PlanForm,
    ScoresForm,
    TickForm,
)
from ..models import AccountPlan, ValueDriver
from .common import account_or_404, run_action, run_form, tab_page, wants_csv

VIEW = "accounts.view_account"
CHANGE = "accounts.change_account"


def post_form(request, pk, form, action, *, success, tab_view, form_name, target):
    """Run a tab form's service; back to the tab, or the tab with the refused form (400)."""
    done = run_form(
        request,
        form,
        action,
        success=success,
        on_error=lambda f: tab_view(request, pk, forms={form_name: f}, status=400),
    )
    return done or redirect(target, pk=pk)


# --- Contacts map -------------------------------------------------------------------------


@exports.audited("contacts")
@login_required
@permission_required(VIEW, raise_exception=True)
def contacts(request, pk: int, *, forms=None, status: int = 200):
    if wants_csv(request) == "csv":
        return _contacts_csv(account_or_404(request, pk))

    def build(account, head):
        return {"map": selectors.contacts_map(account), "contact_form": ContactForm() if head["can_edit"] else None}

    return tab_page(request, pk, "contacts", "accounts/tab_contacts.html", build, forms=forms, status=status)


def _contacts_csv(account):
    data = selectors.contacts_map(account)
    header = [
        _("name"),
        _("guest id"),
        _("job title"),
        _("role"),
        _("level"),
        _("influence"),
        _("attitude"),
        _("last touch"),
        _("e-mail"),
        _("phone"),
    ]
    rows = [
        [
            r["label"],
            r["contact"].guest_id or "",
            r["contact"].job_title,
            r["contact"].get_role_display(),
            r["contact"].get_level_display(),
            r["contact"].influence,
            r["contact"].get_attitude_display(),
            r["contact"].last_touch_on,
            r["channels"]["email"],
            r["channels"]["phone"],
        ]
        for r in data["rows"]
        if not r["contact"].is_erased
    ]
    return csv_response(f"account-{account.pk}-contacts.csv", header, rows)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def contact_add(request, pk: int):
    return post_form(
        request,
        pk,
        ContactForm(request.POST),
        lambda f: services.contact_add(account_id=pk, data=f.service_data(), by=request.user),
        success=_("Contact added."),
        tab_view=contacts,
        form_name="contact_form",
        target="accounts:contacts",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def contact_edit(request, pk: int, contact_id: int):
    return post_form(
        request,
        pk,
        ContactEditForm(request.POST),
        lambda f: services.contact_update(contact_id=contact_id, data=f.service_data(), by=request.user),
        success=_("Contact saved."),
        tab_view=contacts,
        form_name="contact_form",
        target="accounts:contacts",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def contact_remove(request, pk: int, contact_id: int):
    run_action(request, lambda: services.contact_remove(contact_id=contact_id, by=request.user), success=_("Removed."))
    return redirect("accounts:contacts", pk=pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def contact_erase(request, pk: int, contact_id: int):
    run_action(
        request, lambda: services.contact_erase(contact_id=contact_id, by=request.user), success=_("Contact erased.")
    )
    return redirect("accounts:contacts", pk=pk)


# --- Plan -----------------------------------------------------------------------------------


def _drivers():
    return list(ValueDriver.objects.filter(is_active=True).order_by("sort_order", "code"))


@exports.audited("plan")
@login_required
@permission_required(VIEW, raise_exception=True)
def plan(request, pk: int, *, forms=None, status: int = 200):
    export = wants_csv(request)
    if export in ("scores", "competitors", "documents"):
        return _plan_csv(account_or_404(request, pk), export)

    def build(account, head):
        account_plan = AccountPlan.objects.filter(account=account).first()
        scores = {s.driver_id: s for s in account.driver_scores.select_related("driver")}
        edit = head["can_edit"]
        rows = sorted(scores.values(), key=lambda s: (-s.gap, -s.importance, s.driver.sort_order))
        initial = {f: getattr(account_plan, f) for f in services.PLAN_FIELDS} if account_plan else {}
        agreements = list(account.agreements.select_related("property"))
        return {
            "plan": account_plan,
            "scores": rows,
            "competitors": list(account.competitors.all()),
            "documents": list(account.documents.select_related("agreement__property")),
            "plan_form": PlanForm(initial=initial) if edit else None,
            "scores_form": ScoresForm(drivers=_drivers(), scores=scores) if edit else None,
            "competitor_form": CompetitorForm() if edit else None,
            "document_form": DocumentForm(agreements=agreements) if edit else None,
        }

    return tab_page(request, pk, "plan", "accounts/tab_plan.html", build, forms=forms, status=status)


def _plan_csv(account, table: str):
    if table == "scores":
        header = [_("driver"), _("importance"), _("our score"), _("gap"), _("note")]
        rows = [
            [s.driver.label, s.importance, s.our_score, s.gap, s.note]
            for s in account.driver_scores.select_related("driver")
        ]
    elif table == "competitors":
        header = [_("competitor"), _("our position"), _("their strengths"), _("notes")]
        rows = [[c.name, c.get_position_display(), c.strengths, c.notes] for c in account.competitors.all()]
    else:
        header = [_("title"), _("kind"), _("link"), _("agreement"), _("added on")]
        rows = [
            [d.title, d.get_kind_display(), d.url, d.agreement.rate_code if d.agreement_id else "", d.added_at]
            for d in account.documents.select_related("agreement")
        ]
    return csv_response(f"account-{account.pk}-{table}.csv", header, rows)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def plan_save(request, pk: int):
    return post_form(
        request,
        pk,
        PlanForm(request.POST),
        lambda f: services.plan_update(account_id=pk, data=f.service_data(), by=request.user),
        success=_("Plan saved."),
        tab_view=plan,
        form_name="plan_form",
        target="accounts:plan",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def scores_save(request, pk: int):
    form = ScoresForm(request.POST, drivers=_drivers())
    return post_form(
        request,
        pk,
        form,
        lambda f: services.driver_scores_set(account_id=pk, scores=f.scores(), by=request.user),
        success=_("Expected-value scores saved."),
        tab_view=plan,
        form_name="scores_form",
        target="accounts:plan",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def competitor_add(request, pk: int):
    return post_form(
        request,
        pk,
        CompetitorForm(request.POST),
        lambda f: services.competitor_save(account_id=pk, data=f.service_data(), by=request.user),
        success=_("Competitor added."),
        tab_view=plan,
        form_name="competitor_form",
        target="accounts:plan",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def competitor_remove(request, pk: int, competitor_id: int):
    run_action(
        request,
        lambda: services.competitor_remove(account_id=pk, competitor_id=competitor_id, by=request.user),
        success=_("Removed."),
    )
    return redirect("accounts:plan", pk=pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def document_add(request, pk: int):
    account = account_or_404(request, pk)
    form = DocumentForm(request.POST, agreements=account.agreements.select_related("property"))
    return post_form(
        request,
        pk,
        form,
        lambda f: services.document_add(account_id=pk, data=f.service_data(), by=request.user),
        success=_("Document linked."),
        tab_view=plan,
        form_name="document_form",
        target="accounts:plan",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def document_remove(request, pk: int, document_id: int):
    run_action(
        request,
        lambda: services.document_remove(account_id=pk, document_id=document_id, by=request.user),
        success=_("Removed."),
    )
    return redirect("accounts:plan", pk=pk)


# --- Roadmap --------------------------------------------------------------------------------


@exports.audited("roadmap")
@login_required
@permission_required(VIEW, raise_exception=True)
def roadmap(request, pk: int, *, forms=None, status: int = 200):
    if wants_csv(request) == "csv":
        account = account_or_404(request, pk)
        state = selectors.account_roadmap(account)
        rows = [
            [
                s["stage"].label,
                m["milestone"].label,
                m["reached"].done_on if m["reached"] else "",
                m["reached"].note if m["reached"] else "",
            ]
            for s in state["stages"]
            for m in s["milestones"]
        ]
        header = [_("stage"), _("milestone"), _("done on"), _("note")]
        return csv_response(f"account-{account.pk}-roadmap.csv", header, rows)

    def build(account, head):
        return {"roadmap": selectors.account_roadmap(account), "tick_form": TickForm() if head["can_edit"] else None}

    return tab_page(request, pk, "roadmap", "accounts/tab_roadmap.html", build, forms=forms, status=status)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def milestone_tick(request, pk: int):
    return post_form(
        request,
        pk,
        TickForm(request.POST),
        lambda f: services.milestone_tick(account_id=pk, by=request.user, **f.service_data()),
        success=_("Milestone ticked."),
        tab_view=roadmap,
        form_name="tick_form",
        target="accounts:roadmap",
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def milestone_untick(request, pk: int):
    run_action(
        request,
        lambda: services.milestone_untick(account_id=pk, milestone=request.POST.get("milestone"), by=request.user),
        success=_("Tick taken back."),
    )
    return redirect("accounts:roadmap", pk=pk)
