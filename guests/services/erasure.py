"""Right to be forgotten (GDPR art. 17, PIPL art. 47): erasure that leaves nothing.

The whole merge cluster goes at once — the profile asked for and every duplicate merged
into it, transitively — so no hidden profile keeps the person.  Names, contact details,
document hash, birth date, preferences, notes and free text go; stays and their revenue
stay (statistics need them) on an anonymous profile.  The guests app scrubs what it
holds (profiles, preferences, notes, stay requests, merge notes, consent sources, audit
values, the Django admin's log); every other app scrubs its own rows through its
registered ``PersonalData.erase`` (``crm_site.extensions``), in the same transaction.

Erasure is final: an erased profile is read-only everywhere (:func:`guest_check_writable`)
and a merge touching it cannot be undone.  The erasure itself is recorded — who, when,
the operator's request reference — without the erased data.
"""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import ConflictError, NotFound
from crm_site.extensions import personal_data_holders

from .. import audit
from ..models import AuditEvent, ConsentEntry, Guest, GuestMerge, GuestNote, GuestPreference, Stay
from ..models_consent import DEFAULT_GRANTED, ConsentPurpose

ERASED_NAME = "Erased"
ERASED_TEXT = "(erased)"
ERASED_SOURCE = "erasure"
REFERENCE_MAX = 100
# Rows that belong to a guest, followed this many foreign keys away from the profile
# (guest → membership → points transaction) to scrub the admin log about them.
OWNED_DEPTH = 2
_BLANKED = (
    "family_name",
    "given_name",
    "given_name_latin",
    "email",
    "phone",
    "phone_reversed",
    "document_hash",
    "vip_code",
    "notes",
    "address",
    "id_type",
    "nationality",
    "language",
    "gender",
    "marketing_email_consent_source",
    "marketing_sms_consent_source",
    "search_document",
    "name_key",
    "name_initials",
    "name_key_reversed",
    "family_skeleton",
    "given_skeleton",
)


def guest_check_writable(guest: Guest, *, field: str = "guest") -> None:
    """Refuse any write to an erased profile (409 naming why)."""
    if guest is not None and guest.is_anonymised:
        raise ConflictError(
            _("This guest's personal data was erased: the profile is read-only."), field=field, code="guest_erased"
        )


def merge_cluster_ids(guest_id: int) -> list[int]:
    """The profile and every profile merged into it, transitively (one query a level)."""
    cluster, frontier = [guest_id], [guest_id]
    while frontier:
        frontier = list(
            Guest.objects.filter(merged_into_id__in=frontier).exclude(pk__in=cluster).values_list("pk", flat=True)
        )
        cluster += frontier
    return sorted(cluster)


def owned_rows(guest_ids: list[int]) -> dict[type[models.Model], list]:
    """``{model: [pk]}`` of the rows that belong to these guests: the profiles, every row
    pointing at them, and the rows pointing at those (``OWNED_DEPTH`` steps)."""
    found: dict[type[models.Model], list] = {Guest: list(guest_ids)}
    frontier = [(Guest, list(guest_ids))]
    for _depth in range(OWNED_DEPTH):
        following = []
        for parent, ids in frontier:
            for relation in parent._meta.related_objects:
                if relation.many_to_many or relation.related_model in (Guest, AuditEvent):
                    continue
                model = relation.related_model
                pks = list(
                    model._default_manager.filter(**{f"{relation.field.name}__in": ids}).values_list("pk", flat=True)
                )
                if pks:
                    found.setdefault(model, []).extend(pks)
                    following.append((model, pks))
        frontier = following
    return found


def _scrub_admin_log(rows: dict[type[models.Model], list]) -> None:
    """The Django admin's history shows a row's name (``object_repr``) and what changed:
    for the guest's rows both go."""
    for model, pks in rows.items():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks]).update(
            object_repr=ERASED_TEXT, change_message=""
        )


def _anonymise_profiles(guest_ids: list[int], now) -> None:
    Guest.objects.filter(pk__in=guest_ids).update(
        **{field: "" for field in _BLANKED},
        family_name_latin=ERASED_NAME,
        birth_date=None,
        anniversary_date=None,
        company=None,
        marketing_email_consent=False,
        marketing_sms_consent=False,
        marketing_email_consent_at=now,
        marketing_sms_consent_at=now,
        profiling_opt_out=True,
        is_anonymised=True,
        version=F("version") + 1,
        updated_at=now,
    )


def _close_consents(guest_ids: list[int], *, by, channel: str, now) -> None:
    """Every purpose still granted is withdrawn by the erasure (a last ledger entry);
    the free text of the earlier entries goes."""
    ConsentEntry.objects.filter(guest_id__in=guest_ids).update(source=ERASED_SOURCE, note="")
    latest: dict[tuple[int, str], bool] = {}
    for guest_id, purpose, granted in (
        ConsentEntry.objects.filter(guest_id__in=guest_ids)
        .order_by("at", "id")
        .values_list("guest_id", "purpose", "granted")
    ):
        latest[(guest_id, purpose)] = granted
    withdrawn = [
        ConsentEntry(
            guest_id=guest_id,
            purpose=purpose,
            granted=False,
            at=now,
            source=ERASED_SOURCE,
            wording_version="erasure",
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
            channel=channel[:10],
        )
        for guest_id in guest_ids
        for purpose in ConsentPurpose
        if latest.get((guest_id, str(purpose)), DEFAULT_GRANTED[purpose])
    ]
    ConsentEntry.objects.bulk_create(withdrawn)


def _scrub_merges(guest_ids: list[int]) -> None:
    """Merge records keep which rows moved (ids) and why (reason codes); the note and the
    values copied from the duplicate go."""
    merges = list(GuestMerge.objects.filter(Q(survivor_id__in=guest_ids) | Q(merged_id__in=guest_ids)))
    for merge in merges:
        merge.reason_note = ""
        moved = dict(merge.moved or {})
        moved["filled_fields"] = {field: None for field in moved.get("filled_fields") or {}}
        merge.moved = moved
    GuestMerge.objects.bulk_update(merges, ["reason_note", "moved"])


def _scrub_guest_rows(guest_ids: list[int], *, by, channel: str, now) -> None:
    rows = owned_rows(guest_ids)
    _scrub_admin_log(rows)
    audit.scrub_for_guests(guest_ids, objects={f"admin:{model._meta.label_lower}": pks for model, pks in rows.items()})
    _anonymise_profiles(guest_ids, now)
    GuestPreference.objects.filter(guest_id__in=guest_ids).delete()
    GuestNote.objects.filter(guest_id__in=guest_ids).delete()
    Stay.objects.filter(guest_id__in=guest_ids).exclude(special_requests="").update(special_requests="")
    _scrub_merges(guest_ids)
    _close_consents(guest_ids, by=by, channel=channel, now=now)


def guest_erase(*, guest_id, reference, by=None, channel: str = "web", trigger: str = "request") -> Guest:
    """Erase a guest and every profile merged into them (the right to be forgotten).

    ``reference`` is the operator's reference of the request (ticket, letter …): it is
    recorded with who and when, never the erased data.  An already erased guest is a
    409; a profile merged into another is erased through its survivor."""
    reference = parsing.as_text(
        reference,
        field="reference",
        max_length=REFERENCE_MAX,
        required=True,
        message=_("Give the reference of the erasure request (ticket or letter number)."),
    )
    guest_id = parsing.as_id(guest_id, field="guest")
    with transaction.atomic():
        guest = Guest.objects.active().select_for_update().filter(pk=guest_id).first()
        if guest is None:
            raise NotFound(_("Guest not found."))
        if guest.is_anonymised:
            raise ConflictError(_("This guest has already been erased."), field="guest", code="already_erased")
        cluster = merge_cluster_ids(guest.pk)
        list(Guest.objects.select_for_update().filter(pk__in=cluster).values_list("pk", flat=True))
        now = timezone.now()
        _scrub_guest_rows(cluster, by=by, channel=channel, now=now)
        for holder in personal_data_holders():
            if holder.erase is not None:
                holder.erase(cluster)
        audit.record(
            action=AuditEvent.Action.ERASE,
            guest=guest,
            by=by,
            channel=channel,
            reference=reference,
            profiles=cluster,
            trigger=trigger,
        )
    guest.refresh_from_db()
    return guest
