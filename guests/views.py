"""Front-desk pages: search, the guest 360 page, profile edit, arrivals."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site.errors import ConflictError, DomainError, add_to_form

from . import selectors, services
from .forms import ArrivalsForm, GuestForm, GuestNoteForm, PreferenceForm
from .models import Guest


@login_required
@permission_required("guests.view_guest", raise_exception=True)
def search(request):
    query = request.GET.get("q", "").strip()
    results = selectors.guest_search_results(query=query, viewer=request.user) if query else []
    context = {"query": query, "results": results}
    if request.htmx:
        return render(request, "guests/_search_results.html", context)
    return render(request, "guests/search.html", context)


@login_required
@permission_required("guests.view_guest", raise_exception=True)
def guest_detail(request, pk: int):
    try:
        profile = selectors.guest_profile(guest_id=pk, viewer=request.user)
    except Guest.DoesNotExist:
        raise Http404 from None
    if profile.guest.merged_into_id:
        messages.info(request, _("This profile was merged; showing the surviving profile."))
        return redirect("guests:detail", pk=profile.guest.merged_into_id)
    return render(
        request,
        "guests/guest_detail.html",
        {
            "profile": profile,
            "guest": profile.guest,
            "preference_form": PreferenceForm(),
            "note_form": GuestNoteForm(),
        },
    )


def _guest_initial(guest: Guest) -> dict:
    initial = {f: getattr(guest, f) for f in services.GUEST_FIELDS}
    initial["version"] = guest.version
    return initial


@login_required
@permission_required("guests.add_guest", raise_exception=True)
def guest_create(request):
    form = GuestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guest = services.guest_create(data=form.service_data(), by=request.user)
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Profile created."))
            return redirect("guests:detail", pk=guest.pk)
    return render(request, "guests/guest_form.html", {"form": form, "guest": None})


@login_required
@permission_required("guests.change_guest", raise_exception=True)
def guest_edit(request, pk: int):
    guest = get_object_or_404(Guest, pk=pk, merged_into__isnull=True)
    conflict = False
    if request.method == "POST":
        form = GuestForm(request.POST)
        if form.is_valid():
            try:
                services.guest_update(
                    guest_id=guest.pk,
                    expected_version=form.cleaned_data.get("version"),
                    data=form.service_data(),
                    by=request.user,
                )
            except ConflictError as error:
                conflict = True
                form.add_error(None, str(error.message))
                guest.refresh_from_db()
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Profile saved."))
                return redirect("guests:detail", pk=guest.pk)
    else:
        form = GuestForm(initial=_guest_initial(guest))
    return render(
        request, "guests/guest_form.html", {"form": form, "guest": guest, "conflict": conflict}
    )


@login_required
@permission_required("guests.add_guestpreference", raise_exception=True)
@require_POST
def preference_add(request, pk: int):
    guest = get_object_or_404(Guest, pk=pk, merged_into__isnull=True)
    form = PreferenceForm(request.POST)
    if form.is_valid():
        try:
            services.preference_set(guest=guest, by=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Preference recorded."))
    else:
        messages.error(request, _("Preference not recorded: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("guests.delete_guestpreference", raise_exception=True)
@require_POST
def preference_remove(request, pk: int, preference_id: int):
    guest = get_object_or_404(Guest, pk=pk, merged_into__isnull=True)
    try:
        services.preference_remove(guest=guest, preference_id=preference_id, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("guests.add_guestnote", raise_exception=True)
@require_POST
def note_add(request, pk: int):
    guest = get_object_or_404(Guest, pk=pk, merged_into__isnull=True)
    form = GuestNoteForm(request.POST)
    if form.is_valid():
        try:
            services.guest_note_add(guest=guest, by=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Note not added: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("guests.change_guestnote", raise_exception=True)
@require_POST
def note_deactivate(request, pk: int, note_id: int):
    guest = get_object_or_404(Guest, pk=pk)
    try:
        services.guest_note_deactivate(guest=guest, note_id=note_id, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("guests.view_stay", raise_exception=True)
def arrivals(request):
    properties = selectors.visible_properties(request.user)
    data = request.GET.copy()
    if "date" not in data:
        data["date"] = timezone.localdate().isoformat()
    if "property" not in data and properties.exists():
        data["property"] = properties.first().code
    form = ArrivalsForm(data, properties=properties)
    rows, day, prop = [], None, None
    if form.is_valid():
        prop, day = form.cleaned_data["property"], form.cleaned_data["date"]
        rows = selectors.arrivals(property=prop, date=day, viewer=request.user)
    tomorrow = (day or timezone.localdate()) + dt.timedelta(days=1)
    return render(
        request,
        "guests/arrivals.html",
        {"form": form, "rows": rows, "day": day, "property": prop, "next_day": tomorrow,
         "prev_day": (day or timezone.localdate()) - dt.timedelta(days=1)},
    )
