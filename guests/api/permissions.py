"""API permission of a privacy export: a refusal is audited too."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .. import audit

EXPORT_PERMISSION = "guests.export_guest"


class AuditedExportPermission(BasePermission):
    """``guests.export_guest`` for the right-of-access export; a request without it is
    refused (403) and recorded in the audit log."""

    message = "You do not have permission to export a guest's personal data."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.has_perm(EXPORT_PERMISSION):
            return True
        audit.record_denied(
            what="guest",
            permission=EXPORT_PERMISSION,
            by=user,
            channel="api",
            guest_ref=audit.guest_ref_of(view.kwargs.get("pk")),
        )
        return False
