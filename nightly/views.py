"""The run table for chain administrators: every night's pipeline with its steps, and a
form to rerun a date.  Thin: parse, call the service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site.errors import DomainError, add_to_form

from . import selectors, services
from .filtersets import NightlyRunFilterSet
from .forms import RerunForm
from .models import NightlyRun

VIEW = "nightly.view_nightlyrun"
RERUN = "nightly.add_nightlyrun"
RUNS_PER_PAGE = 30


def _list(request, form: RerunForm, *, status: int = 200):
    filters = NightlyRunFilterSet(request.GET, queryset=selectors.nightly_runs())
    page = Paginator(filters.qs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "form": form, "can_rerun": request.user.has_perm(RERUN)}
    return render(request, "nightly/run_list.html", context, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
def run_list(request):
    return _list(request, RerunForm())


@login_required
@permission_required(VIEW, raise_exception=True)
def run_detail(request, pk: int):
    run = get_object_or_404(selectors.nightly_runs(), pk=pk)
    return render(request, "nightly/run_detail.html", {"run": run, "can_rerun": request.user.has_perm(RERUN)})


@login_required
@permission_required(RERUN, raise_exception=True)
@require_POST
def rerun(request):
    form = RerunForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        run = services.nightly_run_request(
            as_of=form.cleaned_data["as_of"], trigger=NightlyRun.Trigger.REQUEST, by=request.user
        )
    except DomainError as error:
        add_to_form(form, error)
        return _list(request, form, status=error.status_code)
    services.nightly_run_dispatch(run=run)
    messages.success(request, _("The nightly run for %(date)s is queued.") % {"date": run.as_of.isoformat()})
    return redirect("nightly:run-detail", pk=run.pk)
