"""The Django admin site of the CRM: every change made in it is audited.

``crm_site.apps.CrmAdminConfig`` (in ``INSTALLED_APPS`` instead of
``django.contrib.admin``) makes
:class:`CrmAdminSite` the default site, so every ``@admin.register`` of every app —
Django's own user and group admins included — goes through :meth:`CrmAdminSite.register`,
which mixes :class:`AuditedAdmin` into the model admin.  Each addition, change and
deletion then writes a ``guests.AuditEvent`` (target ``admin:<app.model>``) with the
old and new values of the changed fields (secrets masked), besides Django's own
``LogEntry``.  A model admin whose saves go through a service that audits them already
sets ``audited_by_service = True``.
"""

from __future__ import annotations

from django.contrib import admin


def _guest_ref(obj) -> int | None:
    """The guest a row belongs to (the profile itself, or its ``guest``)."""
    if obj._meta.label_lower == "guests.guest":
        return obj.pk
    guest_id = getattr(obj, "guest_id", None)
    return guest_id if isinstance(guest_id, int) else None


def _form_changes(form, formsets) -> dict:
    """``{field: [old, new]}`` of the main form and ``{inline: {row: {field: [old, new]}}}``."""
    from guests import audit

    def of(one) -> dict:
        fields = list(getattr(one, "changed_data", []))
        old = {f: one.initial.get(f) for f in fields}
        new = {f: getattr(one, "cleaned_data", {}).get(f) for f in fields}
        return audit.changes(old, new, fields)

    result = {"changes": of(form)} if form is not None else {"changes": {}}
    inlines = {}
    for formset in formsets or []:
        rows = {}
        for number, inline_form in enumerate(getattr(formset, "forms", [])):
            if inline_form.has_changed() and hasattr(inline_form, "cleaned_data"):
                pk = getattr(inline_form.instance, "pk", None)
                rows[str(pk or f"new-{number}")] = of(inline_form)
        if rows:
            inlines[formset.model._meta.label_lower] = rows
    if inlines:
        result["inlines"] = inlines
    return result


class AuditedAdmin:
    """Mixed into every model admin: additions, changes and deletions are audited.
    (Placed first in the MRO, it defines no attribute a model admin would set.)"""

    def construct_change_message(self, request, form, formsets, add=False):
        request._crm_admin_changes = _form_changes(form, formsets)
        return super().construct_change_message(request, form, formsets, add)

    def _audit(self, request, obj, action: str, details: dict) -> None:
        if getattr(self, "audited_by_service", False):
            return
        from guests import audit

        audit.record(
            action=action,
            guest_ref=_guest_ref(obj),
            by=request.user,
            channel="admin",
            target=f"admin:{obj._meta.label_lower}",
            object_ref=obj.pk,
            **details,
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "create", getattr(request, "_crm_admin_changes", {}))
        request._crm_admin_changes = {}
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "change", getattr(request, "_crm_admin_changes", {}))
        request._crm_admin_changes = {}
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, obj, "delete", {})
        return entries


class CrmAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, AuditedAdmin):
            base = type(base.__name__, (AuditedAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)
