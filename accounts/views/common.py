"""What the account pages share: the account behind a URL, the tab header, running a
service for a posted form (errors back on the form with 400, scope refusals 403)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from crm_site.errors import DomainError, add_to_form

from .. import selectors

TABS = [
    ("overview", "accounts:detail"),
    ("team", "accounts:team"),
    ("contacts", "accounts:contacts"),
    ("plan", "accounts:plan"),
    ("roadmap", "accounts:roadmap"),
    ("activities", "accounts:activities"),
    ("agreements", "accounts:agreements"),
    ("production", "accounts:production"),
    ("timeline", "accounts:timeline"),
]


class Merged(Exception):
    def __init__(self, survivor_id):
        self.survivor_id = survivor_id


def header(request, pk: int) -> dict:
    """The account of the URL with what the tab header shows; 404 when unknown, a
    redirect (raised) to the survivor when it was merged."""
    head = selectors.account_header(account_id=pk, viewer=request.user)
    if head["account"] is None:
        if head.get("merged_into"):
            raise Merged(head["merged_into"])
        raise Http404
    return head


def tab_page(request, pk: int, tab: str, template: str, build, *, forms=None, status: int = 200):
    """Render one tab of the account page: ``build(account, head) -> context``; bound
    ``forms`` (after a refused post) replace the blank ones."""
    try:
        head = header(request, pk)
    except Merged as merged:
        messages.info(request, _merged_message())
        return redirect(reverse(dict(TABS)[tab], args=[merged.survivor_id]))
    context = build(head["account"], head)
    context.update(forms or {})
    context.update(head)
    context.update({"tab": tab, "tabs": TABS, "today": timezone.localdate()})
    return render(request, template, context, status=status)


def _merged_message():
    from django.utils.translation import gettext as _

    return _("This account was merged; showing the surviving account.")


def run_form(request, form, action, *, success: str, on_error):
    """Validate ``form``, run ``action(form)`` (a service call); on success flash
    ``success`` and redirect back to the tab; a refused value goes back on the form
    (400), a scope refusal is a 403, an unknown row a 404."""
    if form.is_valid():
        try:
            action(form)
        except DomainError as error:
            if error.status_code == 403:
                raise PermissionDenied(str(error.message)) from None
            if error.status_code == 404:
                raise Http404(str(error.message)) from None
            add_to_form(form, error)
        else:
            messages.success(request, success)
            return None
    return on_error(form)


def run_action(request, action, *, success: str):
    """A post without a form (remove, untick, erase): errors become a flash message."""
    try:
        action()
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied(str(error.message)) from None
        if error.status_code == 404:
            raise Http404(str(error.message)) from None
        messages.error(request, "; ".join(m for msgs in error.fields.values() for m in msgs) or str(error.message))
        return False
    messages.success(request, success)
    return True


def account_or_404(request, pk: int):
    """The visible, active account of the URL (for exports and posts)."""
    account = selectors.visible_accounts(request.user).select_related("owner", "parent").filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


def wants_csv(request) -> str:
    return request.GET.get("export", "")
