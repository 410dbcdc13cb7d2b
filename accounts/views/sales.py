"""Sales performance pages: an account's Production tab, the sales dashboard (account
Pareto, decline warnings, agreements below pace, stays to link to their account) and
the salesperson scorecards with their monthly targets.  Every table exports as CSV."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm_site.csvexport import csv_response
from crm_site.errors import DomainError, add_to_form
from crm_site.formfields import DateField, MonthField
from crm_site.http import redirect_back
from guests import audit

from .. import selectors, services
from ..selectors.production import add_months, month_start
from .common import run_action, tab_page, wants_csv

VIEW = "accounts.view_account"
REVENUE = "guests.view_revenue"


def _export(request, what: str, filename: str, header, rows):
    if not request.user.has_perm(REVENUE):
        raise PermissionDenied
    rows = list(rows)
    audit.record_export(what=what, rows=len(rows), by=request.user)
    return csv_response(filename, header, rows)


def _figure_cells(f) -> list:
    return [
        f.stays,
        f.room_nights,
        f.revenue,
        f.adr if f.adr is not None else "",
        f.cancellations,
        f.no_shows,
        f.lost_revenue,
    ]


def _figure_header() -> list:
    return [
        _("stays"),
        _("room nights"),
        _("revenue (chain currency)"),
        _("ADR"),
        _("cancellations"),
        _("no-shows"),
        _("lost revenue"),
    ]


# --- The account's Production tab ----------------------------------------------------------------


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2100, required=False)


@login_required
@permission_required(VIEW, raise_exception=True)
def production(request, pk: int):
    today = timezone.localdate()
    form = YearForm(request.GET or None)
    year = form.cleaned_data.get("year") or today.year if form.is_valid() else today.year
    status = 200 if form.is_bound is False or form.is_valid() else 400

    def build(account, head):
        data = selectors.account_production(account=account, year=year, today=today)
        return {"production": data, "year_form": form, "year": year, "today": today}

    if wants_csv(request) == "csv":
        head_account = selectors.visible_accounts(request.user).filter(pk=pk).first()
        if head_account is None:
            from django.http import Http404

            raise Http404
        data = selectors.account_production(account=head_account, year=year, today=today)
        rows = [
            [row.month.strftime("%Y-%m"), *_figure_cells(row.current), row.last_year.room_nights, row.last_year.revenue]
            for row in data.months
        ]
        header = [_("month"), *_figure_header(), _("room nights last year"), _("revenue last year")]
        return _export(request, "account-production", f"account-{pk}-production-{year}.csv", header, rows)
    return tab_page(request, pk, "production", "accounts/tab_production.html", build, status=status)


# --- The sales dashboard -------------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = DateField(label=gettext_lazy("Arrivals from"), required=False)
    end = DateField(label=gettext_lazy("until (excluded)"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return cleaned


def _period(request) -> tuple[PeriodForm, dt.date, dt.date]:
    """The Pareto's window: the last twelve full months unless the form says otherwise."""
    today = timezone.localdate()
    end = month_start(today)
    start = add_months(end, -12)
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    return form, start, end


def _review_rows(stays) -> list[list]:
    return [
        [
            s.property.code,
            s.confirmation_number,
            s.arrival_date,
            s.rate_code,
            s.agreement_account_id,
            s.company_account_id or "",
            s.agent_account_id or "",
            s.total_revenue,
        ]
        for s in stays
    ]


def _dashboard_export(request, kind: str, data: dict):
    if kind == "pareto":
        rows = [
            [
                r["rank"],
                r["account_id"],
                r["name"],
                *_figure_cells(r["figures"]),
                r["share"],
                r["cumulative_share"],
                r["core"],
            ]
            for r in data["pareto"]["rows"]
        ]
        header = [
            _("rank"),
            _("account id"),
            _("account"),
            *_figure_header(),
            _("share %"),
            _("cumulative %"),
            _("in the 80 %"),
        ]
        return _export(request, "account-pareto", "account-pareto.csv", header, rows)
    if kind == "warnings":
        rows = [
            [
                w["account"].pk,
                w["account"].name,
                " ".join(r["code"] for r in w["reasons"]),
                w["recent"].revenue,
                w["before"].revenue,
                w["last_arrival"] or "",
                w["review"].handled_at.date() if w["review"] else "",
            ]
            for w in data["warnings"]
        ]
        header = [
            _("account id"),
            _("account"),
            _("reasons"),
            _("recent revenue"),
            _("revenue a year before"),
            _("last arrival"),
            _("handled on"),
        ]
        return _export(request, "account-warnings", "account-warnings.csv", header, rows)
    if kind == "pace":
        rows = [
            [
                p.agreement.account.name,
                p.agreement.property.code,
                p.agreement.rate_code,
                p.period_start,
                p.period_end,
                p.committed,
                p.expected,
                p.actual,
                p.below_pace,
            ]
            for p in data["pace"]
        ]
        header = [
            _("account"),
            _("property"),
            _("rate code"),
            _("period from"),
            _("period to"),
            _("committed"),
            _("expected by today"),
            _("room nights"),
            _("below pace"),
        ]
        return _export(request, "agreement-pace", "agreement-pace.csv", header, rows)
    header = [
        _("property"),
        _("confirmation number"),
        _("arrival"),
        _("rate code"),
        _("agreement account id"),
        _("company account id"),
        _("agent account id"),
        _("revenue"),
    ]
    return _export(request, "attribution-review", "attribution-review.csv", header, _review_rows(data["review"]))


@login_required
@permission_required(VIEW, raise_exception=True)
def dashboard(request):
    today = timezone.localdate()
    form, start, end = _period(request)
    mine = request.GET.get("owner") == "me"
    data = {
        "pareto": selectors.account_pareto(start=start, end=end),
        "warnings": selectors.account_warnings(today=today, owner_id=request.user.pk if mine else None),
        "pace": selectors.agreement_pace(today=today),
        "review": list(selectors.attribution_review(viewer=request.user, limit=200)),
    }
    kind = wants_csv(request)
    if kind in ("pareto", "warnings", "pace", "review"):
        return _dashboard_export(request, kind, data)
    editable = selectors.editable_ids(
        request.user, {w["account"].pk for w in data["warnings"]} | {s.agreement_account_id for s in data["review"]}
    )
    context = {
        **data,
        "form": form,
        "start": start,
        "end": end,
        "today": today,
        "mine": mine,
        "editable": editable,
        "rules": selectors.DeclineRules.from_settings(),
        "below_pace": [p for p in data["pace"] if p.below_pace],
        "pareto_top": data["pareto"]["rows"][:50],
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "accounts/sales_dashboard.html", context, status=status)


@login_required
@require_POST
def warning_handle(request, pk: int):
    def act():
        services.account_warning_handle(
            account_id=pk, note=request.POST.get("note", ""), today=timezone.localdate(), by=request.user
        )

    run_action(request, act, success=_("Warning marked as handled."))
    return redirect_back(request, "accounts:sales")


@login_required
@require_POST
def stay_link(request, stay_id: int):
    def act():
        services.stay_account_link(stay_id=stay_id, account_id=request.POST.get("account"), by=request.user)

    run_action(request, act, success=_("Stay linked to the account."))
    return redirect_back(request, "accounts:sales")


# --- Scorecards ----------------------------------------------------------------------------------


class ScorecardMonthForm(forms.Form):
    month = MonthField(label=gettext_lazy("Month"), required=False, widget=forms.DateInput(attrs={"type": "month"}))


class TargetForm(forms.Form):
    salesperson = forms.ModelChoiceField(label=gettext_lazy("Salesperson"), queryset=selectors.salespeople())
    month = MonthField(label=gettext_lazy("Month"), widget=forms.DateInput(attrs={"type": "month"}))
    revenue = forms.DecimalField(label=gettext_lazy("Revenue"), max_digits=14, decimal_places=2, required=False)
    room_nights = forms.IntegerField(label=gettext_lazy("Room nights"), required=False)
    new_accounts = forms.IntegerField(label=gettext_lazy("New accounts"), required=False)
    activities = forms.IntegerField(label=gettext_lazy("Activities"), required=False)


def _scorecard_context(request, month: dt.date, *, target_form=None) -> dict:
    cards = selectors.scorecards(month=month, salesperson_ids=selectors.scorecard_people(request.user))
    director = selectors.is_director(request.user) and request.user.has_perm("accounts.change_account")
    if director and target_form is None:
        target_form = TargetForm(initial={"month": month.strftime("%Y-%m")})
    return {
        "cards": cards,
        "month": month,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
        "is_director": director,
        "target_form": target_form if director else None,
    }


@login_required
@permission_required(VIEW, raise_exception=True)
def scorecards(request):
    form = ScorecardMonthForm(request.GET or None)
    month = month_start(timezone.localdate())
    if form.is_bound and form.is_valid() and form.cleaned_data.get("month"):
        month = form.cleaned_data["month"]
    context = _scorecard_context(request, month)
    if wants_csv(request) == "csv":
        rows = [
            [
                c.salesperson.get_username(),
                c.month.strftime("%Y-%m"),
                *[
                    value
                    for line in c.lines
                    for value in (line["actual"], line["target"] if line["target"] is not None else "")
                ],
                c.warnings_handled,
                c.surveys,
                c.satisfaction if c.satisfaction is not None else "",
            ]
            for c in context["cards"]
        ]
        header = [
            _("salesperson"),
            _("month"),
            _("revenue"),
            _("revenue target"),
            _("room nights"),
            _("room nights target"),
            _("new accounts"),
            _("new accounts target"),
            _("activities done"),
            _("activities target"),
            _("warnings handled"),
            _("surveys"),
            _("satisfaction (1-5)"),
        ]
        return _export(request, "scorecards", f"scorecards-{month:%Y-%m}.csv", header, rows)
    context["form"] = form
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "accounts/scorecards.html", context, status=status)


@login_required
@permission_required("accounts.direct_sales", raise_exception=True)
@require_POST
def target_save(request):
    form = TargetForm(request.POST)
    if form.is_valid():
        try:
            data = {**request.POST.dict(), "salesperson": form.cleaned_data["salesperson"].pk}
            target = services.sales_target_set(data=data, by=request.user)
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Target saved."))
            return redirect(f"{reverse('accounts:scorecards')}?month={target.month:%Y-%m}")
    month = month_start(timezone.localdate())
    context = _scorecard_context(request, month, target_form=form)
    context["form"] = ScorecardMonthForm()
    return render(request, "accounts/scorecards.html", context, status=400)
