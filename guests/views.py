"""Front-desk pages: search, the guest 360 page, profile edit (daily lists: ``daily_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from crm_site.errors import ConflictError, DomainError, add_to_form

from . import audit, selectors, services
from .filtersets import AuditEventFilterSet
from .forms import GuestForm, GuestNoteForm, PreferenceForm, RoomInventoryForm
from .models import AuditEvent, Guest, GuestMerge, GuestNote, GuestPreference, Stay


@login_required
@permission_required("guests.view_guest", raise_exception=True)
@vary_on_headers("HX-Request")  # the same URL answers a page or a partial: caches must not mix them
def search(request):
    """The search box: any mix of name, phone tail, birth year, e-mail, member number,
    city.  A query that cannot be searched (too long, punctuation only) is answered
    with the reason, not with an empty list."""
    query = request.GET.get("q", "").strip()
    context = {"query": query, "results": None, "error": ""}
    if query:
        try:
            text = selectors.lookup_text(query)
        except DomainError as error:
            context["error"] = error.message
        else:
            context["results"] = selectors.guest_search_results(query=text, viewer=request.user)
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
    audit.record(guest=profile.guest, action=AuditEvent.Action.VIEW, by=request.user)
    return render(
        request,
        "guests/guest_detail.html",
        {
            "profile": profile,
            "guest": profile.guest,
            "preference_types": selectors.preference_vocabulary(),
            "preference_sources": GuestPreference.Source.choices,
            "note_kinds": GuestNote.Kind.choices,
            "history": selectors.StayHistory.first_page(profile),
            "properties": selectors.stay_filter_properties(request.user),
            "statuses": Stay.Status.choices,
        },
    )


@login_required
@permission_required("guests.view_guest", raise_exception=True)
@vary_on_headers("HX-Request")
def guest_stays(request, pk: int):
    """The whole stay history of a guest, a page at a time, filtered by property, status
    and year (the 360 page swaps it in with htmx; without htmx it is a page of its own)."""
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    status = 200
    try:
        filters = selectors.stay_history_filters(request.GET, request.user)
    except DomainError as error:
        messages.error(request, "; ".join(str(m) for ms in error.fields.values() for m in ms))
        filters, status = {"page": 1}, 400
    history = selectors.guest_stay_history(guest_id=guest.pk, viewer=request.user, filters=filters)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "guest": guest,
        "history": history,
        "query": params.urlencode(),
        "properties": selectors.stay_filter_properties(request.user),
        "statuses": Stay.Status.choices,
    }
    template = "guests/_stay_history.html" if request.htmx else "guests/stay_history.html"
    return render(request, template, context, status=status)


def _guest_initial(guest: Guest) -> dict:
    initial = {f: getattr(guest, f) for f in services.GUEST_FIELDS}
    initial["version"] = guest.version
    return initial


@login_required
@permission_required("guests.add_guest", raise_exception=True)
def guest_create(request):
    """A new profile.  Likely duplicates are shown first; the profile is created only
    when the agent confirms it is a different person (the confirm button)."""
    form = GuestForm(request.POST or None)
    candidates = []
    if request.method == "POST" and not form.is_valid():
        form.add_rule_errors()
    elif request.method == "POST":
        confirm_new = request.POST.get("confirm_new") == "true"
        try:
            guest = services.guest_create(data=form.service_data(), by=request.user, confirm_new=confirm_new)
        except services.PossibleDuplicate as duplicate:
            candidates = duplicate.candidates
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Profile created."))
            return redirect("guests:detail", pk=guest.pk)
    return render(request, "guests/guest_form.html", {"form": form, "guest": None, "candidates": candidates})


@login_required
@permission_required("guests.change_guest", raise_exception=True)
def guest_edit(request, pk: int):
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    if request.method != "POST":
        return _edit_page(request, guest, GuestForm(initial=_guest_initial(guest)))
    form = GuestForm(request.POST)
    if not form.is_valid():
        form.add_rule_errors(current=guest)
        return _edit_page(request, guest, form)
    try:
        services.guest_update(
            guest_id=guest.pk,
            expected_version=form.cleaned_data.get("version"),
            data=form.service_data(),
            by=request.user,
        )
    except ConflictError:
        return _conflict_page(request, guest, form)
    except DomainError as error:
        add_to_form(form, error)
        return _edit_page(request, guest, form)
    messages.success(request, _("Profile saved."))
    return redirect("guests:detail", pk=guest.pk)


def _conflict_page(request, guest: Guest, form: GuestForm):
    """Someone else saved first: the agent keeps what they typed, sees each field where it
    differs from the version saved now, and saves again (against the new version) only
    after reading those differences."""
    agent_values = form.service_data()
    guest.refresh_from_db()
    differences = services.guest_edit_differences(guest=guest, values=agent_values, labels=form.fields)
    data = request.POST.copy()
    data["version"] = str(guest.version)
    kept = GuestForm(data)
    kept.is_valid()
    return _edit_page(request, guest, kept, conflict=True, differences=differences, status=409)


def _edit_page(request, guest: Guest, form: GuestForm, *, conflict: bool = False, differences=(), status=200):
    return render(
        request,
        "guests/guest_form.html",
        {"form": form, "guest": guest, "conflict": conflict, "differences": differences},
        status=status,
    )


@login_required
@permission_required("guests.add_guestpreference", raise_exception=True)
@require_POST
def preference_add(request, pk: int):
    """Record a preference.  When the guest already has it with another note, nothing is
    written until the agent confirms the replacement (the page shows both notes)."""
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Preference not recorded: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("guests:detail", pk=guest.pk)
    existing = selectors.preference_of(guest_id=guest.pk, preference_type=form.cleaned_data["preference_type"])
    replacing = existing is not None and existing.note and existing.note != form.cleaned_data["note"]
    if replacing and request.POST.get("replace") != "yes":
        return render(
            request,
            "guests/preference_replace.html",
            {"guest": guest, "existing": existing, "form": form, "new_note": form.cleaned_data["note"]},
            status=409,
        )
    try:
        services.preference_set(guest=guest, by=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Preference recorded."))
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("guests.delete_guestpreference", raise_exception=True)
@require_POST
def preference_remove(request, pk: int, preference_id: int):
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    try:
        services.preference_remove(guest=guest, preference_id=preference_id, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("guests:detail", pk=guest.pk)


@login_required
@permission_required("guests.add_guestnote", raise_exception=True)
@require_POST
def note_add(request, pk: int):
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
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
def note_deactivate(request, pk: int, note_id: int):
    """Clear a note or an alert, in two steps: the page asks first (showing the alert),
    and only a POST carrying ``confirmed=yes`` clears it.  A POST without it (an old
    one-click form) is sent to the question, changing nothing."""
    guest = get_object_or_404(Guest, pk=pk)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.guest_note_deactivate(guest=guest, note_id=note_id, by=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Alert cleared."))
        return redirect("guests:detail", pk=guest.pk)
    if request.method == "POST":
        return redirect("guests:note-deactivate", pk=guest.pk, note_id=note_id)
    note = get_object_or_404(GuestNote.objects.filter(guest=guest, is_active=True), pk=note_id)
    return render(request, "guests/note_clear.html", {"guest": guest, "note": note})


@audit.export_view(what="guest", permission="guests.export_guest")
def guest_export(request, pk: int):
    """Download everything held about a guest as JSON (privacy access request); the
    download is audited, and so is a refusal."""
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    data = services.guest_export(guest=guest, by=request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="guest-{guest.pk}.json"'
    return response


@login_required
@permission_required("guests.erase_guest", raise_exception=True)
def guest_erase(request, pk: int):
    """Erase on request: the operator types ERASE and the request's reference."""
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "ERASE":
            messages.error(request, _("Type ERASE to confirm."))
        else:
            try:
                services.guest_erase(guest_id=guest.pk, reference=request.POST.get("reference"), by=request.user)
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("The guest's personal data was erased; stays are kept anonymously."))
                return redirect("guests:detail", pk=guest.pk)
    return render(request, "guests/guest_erase.html", {"guest": guest}, status=400 if request.method == "POST" else 200)


@login_required
@permission_required("guests.add_consententry", raise_exception=True)
@require_POST
def consent_add(request, pk: int):
    """A new entry of the guest's consent ledger (given or withdrawn)."""
    guest = get_object_or_404(Guest.objects.active(), pk=pk)
    data = {k: request.POST.get(k) for k in ("purpose", "granted", "source", "wording_version", "note")}
    try:
        services.consent_record(
            guest_id=guest.pk, data={k: v for k, v in data.items() if v is not None}, by=request.user
        )
    except DomainError as error:
        messages.error(request, "; ".join(str(m) for ms in error.fields.values() for m in ms) or str(error.message))
    else:
        messages.success(request, _("Consent recorded."))
    return redirect("guests:detail", pk=guest.pk)


AUDIT_PER_PAGE = 100


@login_required
@permission_required("guests.view_auditevent", raise_exception=True)
def audit_log(request):
    """The whole audit log for chain administrators, filtered by guest, user, action,
    what and date."""
    filterset = AuditEventFilterSet(request.GET, queryset=selectors.audit_event_list())
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else filterset.queryset.none(), AUDIT_PER_PAGE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "guests/audit_log.html",
        {"filterset": filterset, "page": page, "query": params.urlencode()},
        status=200 if valid else 400,
    )


@login_required
@permission_required("guests.view_auditevent", raise_exception=True)
def guest_audit(request, pk: int):
    guest = get_object_or_404(Guest, pk=pk)
    events = selectors.audit_events(guest_id=guest.pk)
    return render(request, "guests/guest_audit.html", {"guest": guest, "events": events})


@login_required
@permission_required("guests.merge_guest", raise_exception=True)
@require_POST
def guest_merge(request, pk: int):
    """Merge the duplicate named in the form INTO this guest (this profile survives)."""
    try:
        record = services.guest_merge(
            survivor_id=pk,
            merged_id=request.POST.get("duplicate", ""),
            by=request.user,
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("guests:detail", pk=pk)
    messages.success(request, _("Profiles merged. You can undo this from the merge record."))
    return redirect("guests:merge-detail", merge_id=record.pk)


@login_required
@permission_required("guests.merge_guest", raise_exception=True)
def merge_detail(request, merge_id: int):
    record = get_object_or_404(
        GuestMerge.objects.select_related("survivor", "merged", "merged_by", "undone_by"), pk=merge_id
    )
    moved = {
        key: {k: len(v) if isinstance(v, list) else v for k, v in value.items()}
        for key, value in record.moved.items()
        if isinstance(value, dict) and key != "filled_fields"
    }
    return render(
        request,
        "guests/merge_detail.html",
        {
            "merge": record,
            "reasons": selectors.reason_labels(record.reasons),
            "moved": moved,
            "filled": record.moved.get("filled_fields", {}),
        },
    )


@login_required
@permission_required("guests.merge_guest", raise_exception=True)
@require_POST
def merge_undo(request, merge_id: int):
    try:
        record = services.guest_merge_undo(merge_id=merge_id, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("guests:merge-detail", merge_id=merge_id)
    messages.success(request, _("Merge undone: both profiles are back as they were."))
    return redirect("guests:detail", pk=record.merged_id)


@login_required
@permission_required("guests.view_roominventory", raise_exception=True)
def room_inventory(request):
    """Rooms each property sells, with their history; chain admins add entries here."""
    properties = selectors.visible_properties(request.user)
    form = RoomInventoryForm(request.POST or None, properties=properties)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("guests.add_roominventory"):
            raise PermissionDenied
        if form.is_valid():
            try:
                entry = services.room_inventory_add(data=form.cleaned_data, by=request.user)
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("%(property)s: %(rooms)d rooms from %(day)s.")
                    % {"property": entry.property.code, "rooms": entry.rooms, "day": entry.valid_from.isoformat()},
                )
                return redirect("guests:inventory")
        status = 400
    rows = selectors.inventory_overview(viewer=request.user)
    return render(request, "guests/inventory.html", {"rows": rows, "form": form}, status=status)
