"""Loyalty pages: members list, ledger, enrolment, redemption, adjustments, claims and
the tier rules.  Each view parses input, calls one service or selector and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site import scope
from crm_site.errors import DomainError, add_to_form
from crm_site.http import redirect_back
from guests.models import Guest

from . import conf, selectors, services
from .forms import AdjustForm, ClaimDecisionForm, ClaimForm, MemberFilterForm, RedeemForm, TierForm
from .models import Membership, MissingPointsClaim, Tier

MEMBERS_PAGE_SIZE = 50


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@permission_required("loyalty.view_membership", raise_exception=True)
def members(request):
    form = MemberFilterForm(request.GET or None)
    tier, query = None, ""
    if form.is_valid():
        tier = form.cleaned_data["tier"].code if form.cleaned_data["tier"] else None
        query = form.cleaned_data["q"]
    page = Paginator(selectors.members(tier=tier, query=query), MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "loyalty/members.html",
        {"form": form, "page": page, "query_string": params.urlencode(), "tiers": selectors.tier_rules()},
    )


@login_required
@permission_required(["loyalty.view_membership", "loyalty.view_pointstransaction"], raise_exception=True)
def membership_detail(request, pk: int):
    try:
        membership = selectors.membership_detail(membership_id=pk)
    except Membership.DoesNotExist:
        raise Http404 from None
    overview = selectors.membership_overview(membership=membership, viewer=request.user)
    return render(
        request,
        "loyalty/membership_detail.html",
        {
            "membership": membership,
            "guest": membership.guest,
            "ledger": selectors.membership_ledger(membership=membership, page=request.GET.get("page", 1)),
            "overview": overview,
            "redeem_form": RedeemForm(),
            "adjust_form": AdjustForm(),
            "claim_form": ClaimForm(),
            "terms": conf.terms(),
        },
    )


@login_required
@permission_required("loyalty.add_membership", raise_exception=True)
@require_POST
def enrol(request, guest_id: int):
    guest = get_object_or_404(Guest.objects.active(), pk=guest_id)
    try:
        membership, created = services.membership_enrol(guest=guest, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if created:
            messages.success(request, _("Enrolled: member number %(number)s.") % {"number": membership.member_number})
        else:
            messages.info(request, _("Already a member: %(number)s.") % {"number": membership.member_number})
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("loyalty.redeem_points", raise_exception=True)
def redeem(request, pk: int):
    """Redeem a reward in two steps: the chosen reward (none is preselected) leads to a
    question showing its cost and the balance after; only a POST with ``confirmed=yes``
    spends the points.  A POST without it is sent to the question, spending nothing."""
    membership = get_object_or_404(Membership, pk=pk)
    form = RedeemForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Nothing redeemed: %(errors)s") % {"errors": _form_errors(form)})
        return redirect_back(request, "loyalty:membership", pk=pk)
    if request.method != "POST":
        return _redeem_question(request, membership, form)
    if request.POST.get("confirmed") != "yes":
        query = QueryDict(mutable=True)
        query.update({k: v for k, v in request.POST.items() if k in ("reward", "idempotency_key", "next")})
        return redirect(f"{reverse('loyalty:redeem', args=[pk])}?{query.urlencode()}")
    try:
        redemption = services.points_redeem(
            membership=membership,
            reward=form.cleaned_data["reward"],
            idempotency_key=f"web:{membership.pk}:{form.cleaned_data['idempotency_key']}",
            by=request.user,
        )
    except DomainError as error:
        messages.error(request, _("Nothing redeemed: %(error)s") % {"error": error.message})
    else:
        messages.success(
            request,
            _("%(reward)s redeemed for %(points)s points.")
            % {"reward": redemption.reward.name, "points": number_format(redemption.points, force_grouping=True)},
        )
    return redirect_back(request, "loyalty:membership", pk=pk)


def _redeem_question(request, membership: Membership, form: RedeemForm):
    reward = form.cleaned_data["reward"]
    return render(
        request,
        "loyalty/redeem_confirm.html",
        {
            "membership": membership,
            "guest": membership.guest,
            "reward": reward,
            "balance_after": membership.points_balance - reward.points_cost,
            "idempotency_key": form.cleaned_data["idempotency_key"],
            "next": request.GET.get("next", ""),
        },
    )


@login_required
@permission_required("loyalty.adjust_points", raise_exception=True)
@require_POST
def adjust(request, pk: int):
    membership = get_object_or_404(Membership, pk=pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("No adjustment: %(errors)s") % {"errors": _form_errors(form)})
        return redirect("loyalty:membership", pk=pk)
    try:
        services.points_adjust(
            membership=membership,
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            idempotency_key=f"web:{membership.pk}:{form.cleaned_data['idempotency_key']}",
            by=request.user,
        )
    except DomainError as error:
        messages.error(request, _("No adjustment: %(error)s") % {"error": error.message})
    else:
        messages.success(request, _("Adjustment posted."))
    return redirect("loyalty:membership", pk=pk)


@login_required
@permission_required("loyalty.add_missingpointsclaim", raise_exception=True)
@require_POST
def claim_file(request, pk: int):
    membership = get_object_or_404(Membership, pk=pk)
    form = ClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Claim not filed: %(errors)s") % {"errors": _form_errors(form)})
        return redirect("loyalty:membership", pk=pk)
    try:
        claim = services.claim_file(membership=membership, by=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, _("Claim not filed: %(error)s") % {"error": error.message})
    else:
        messages.success(request, _("Claim filed; reply by %(date)s.") % {"date": claim.reply_by.isoformat()})
    return redirect("loyalty:membership", pk=pk)


@login_required
@permission_required("loyalty.view_missingpointsclaim", raise_exception=True)
def claims(request):
    show_all = request.GET.get("all") == "1"
    page = Paginator(selectors.open_claims(viewer=request.user, include_decided=show_all), MEMBERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "loyalty/claims.html",
        {"page": page, "show_all": show_all, "today": timezone.localdate(), "decision_form": ClaimDecisionForm()},
    )


@login_required
@permission_required("loyalty.decide_claim", raise_exception=True)
@require_POST
def claim_decide(request, claim_id: int):
    claim = get_object_or_404(scope.scoped(MissingPointsClaim, request.user), pk=claim_id)
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("No decision: %(errors)s") % {"errors": _form_errors(form)})
        return redirect_back(request, "loyalty:claims")
    try:
        if form.cleaned_data["decision"] == ClaimDecisionForm.APPROVE:
            services.claim_approve(
                claim=claim, points=form.cleaned_data["points"], note=form.cleaned_data["reason"], by=request.user
            )
            messages.success(request, _("Claim approved; the points are in the ledger."))
        else:
            services.claim_reject(claim=claim, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Claim rejected."))
    except DomainError as error:
        messages.error(request, _("No decision: %(error)s") % {"error": error.message})
    return redirect_back(request, "loyalty:claims")


@login_required
@permission_required("loyalty.view_tier", raise_exception=True)
def tiers(request):
    return render(
        request,
        "loyalty/tiers.html",
        {"tiers": selectors.tier_rules(), "rewards": selectors.rewards_catalogue(), "terms": conf.terms()},
    )


@login_required
@permission_required("loyalty.change_tier", raise_exception=True)
def tier_edit(request, pk: int):
    tier = get_object_or_404(Tier, pk=pk)
    form = TierForm(request.POST or None, instance=tier)
    if request.method == "POST" and form.is_valid():
        try:
            services.tier_update(tier=tier, data=form.cleaned_data, by=request.user)
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Tier saved. Members move to the new rules at the next requalification."))
            return redirect("loyalty:tiers")
    return render(request, "loyalty/tier_form.html", {"form": form, "tier": tier, "terms": conf.terms()})
