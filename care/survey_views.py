"""Stay surveys: the list with its summary, and recording one from a guest's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site import scope
from crm_site.errors import DomainError, add_to_form
from guests.models import Guest

from . import selectors, services
from .filtersets import StaySurveyFilterSet
from .forms import (
    GuestSurveyForm,
    SurveyForm,
)
from .views import _error_text, _page, _query_without_page


@login_required
@permission_required("care.view_staysurvey", raise_exception=True)
def surveys(request):
    properties = scope.properties(request.user)
    can_add = request.user.has_perm("care.add_staysurvey")
    form = SurveyForm(properties=properties) if can_add else None
    status = 200
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = SurveyForm(request.POST, properties=properties)
        if form.is_valid():
            try:
                services.survey_record(
                    stay_id=form.cleaned_data["stay_id"],
                    overall=form.cleaned_data["overall"],
                    comment=form.cleaned_data["comment"],
                    by=request.user,
                )
            except DomainError as error:
                # The form names the stay by its confirmation number.
                error.fields = {("confirmation_number" if k == "stay" else k): v for k, v in error.fields.items()}
                add_to_form(form, error)
            else:
                messages.success(request, _("Survey recorded."))
                return redirect("care:surveys")
        status = 400
    base = selectors.visible_surveys(request.user)
    filterset = StaySurveyFilterSet(request.GET, queryset=base.select_related("stay__property", "guest"))
    if filterset.is_valid():
        filtered = filterset.qs
    else:
        filtered, status = base.none(), 400
    page = _page(request, filtered.order_by("-received_on", "-id"), 50)
    return render(
        request,
        "care/surveys.html",
        {
            "form": form,
            "filterset": filterset,
            "page": page,
            "summary": selectors.satisfaction_summary(filtered),
            "by_property": selectors.satisfaction_by_property(filtered),
            "query": _query_without_page(request),
        },
        status=status,
    )


@login_required
@permission_required("care.add_staysurvey", raise_exception=True)
@require_POST
def guest_survey_add(request, pk: int):
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    form = GuestSurveyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Survey not recorded: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("guests:detail", pk=guest.pk)
    try:
        services.survey_record(
            stay_id=form.cleaned_data["stay"],
            guest_id=guest.pk,
            overall=form.cleaned_data["overall"],
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Survey recorded."))
    return redirect("guests:detail", pk=guest.pk)
