"""Reads of API tokens."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken


def tokens_visible(*, viewer, user_id: int | None = None) -> QuerySet[ApiToken]:
    """Live (unexpired) tokens the viewer may see: their own, or everybody's for a holder
    of ``tokens.view_apitoken`` (chain administrators); optionally one user's only."""
    tokens = ApiToken.objects.select_related("user").filter(expiry__gt=timezone.now())
    if not viewer.has_perm("tokens.view_apitoken"):
        tokens = tokens.filter(user=viewer)
    if user_id is not None:
        tokens = tokens.filter(user_id=user_id)
    return tokens.order_by("-created", "-id")
