"""The API-tokens page: everybody sees and revokes their own tokens; chain administrators
see and revoke everybody's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_site.errors import DomainError, NotFound
from crm_site.parsing import as_id

from . import selectors, services

PAGE_SIZE = 50


@login_required
def token_list(request):
    can_see_all = request.user.has_perm("tokens.view_apitoken")
    try:
        raw = request.GET.get("user") if can_see_all else None
        user_id = as_id(raw, field="user") if raw else None
    except DomainError as error:
        messages.error(request, error.message)
        user_id = None
    tokens = selectors.tokens_visible(viewer=request.user, user_id=user_id)
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    users = get_user_model().objects.filter(auth_token_set__isnull=False).distinct().order_by("username")
    return render(
        request,
        "tokens/token_list.html",
        {"page": page, "can_see_all": can_see_all, "users": users if can_see_all else [], "user_id": user_id},
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    try:
        services.token_revoke(token_id=pk, by=request.user)
    except NotFound:
        raise Http404 from None  # someone else's token does not exist for the caller
    messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("tokens:list")
