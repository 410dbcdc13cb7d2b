"""Care e-mails: rendered from the administrators' templates, queued in the outbox in
the same transaction as the care item, sent by the outbox after commit.

A care item points at its outbox row (``CareTask.email``), so the list shows whether its
e-mail waits, was sent (only once the mail server accepted it) or failed; the outbox
checks marketing consent again at sending time and retries a refusing mail server.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_site.errors import ConflictError, DomainError, ErrorBag, NotFound
from crm_site.parsing import as_bool, as_choice, as_text
from outbox.models import OutboundEmail
from outbox.services import email_enqueue, email_retry

from ..models import CareEmailTemplate, CareTask, ContactChannel, ContactLog
from .common import check_task_scope, contact_entry, locked_task

EMAIL_KIND = "care_email"
CONSENT_PURPOSE = "marketing_email"

DEFAULT_EMAILS = {
    CareTask.Kind.BIRTHDAY: (
        gettext_lazy("Happy birthday, {{ guest.display_name }}!"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\nall of us at {{ hotel }} wish you a very happy birthday.\n"
            "We look forward to welcoming you again.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
    CareTask.Kind.ANNIVERSARY: (
        gettext_lazy("{{ task.details.years }} years together, {{ guest.display_name }}"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\n{{ task.details.years }} years ago you first stayed with us. "
            "Thank you for your loyalty.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
    CareTask.Kind.POST_STAY: (
        gettext_lazy("Thank you for staying with us, {{ guest.display_name }}"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\nthank you for your stay at {{ hotel }}. "
            "We hope everything was to your liking; simply reply to tell us how we did.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
    CareTask.Kind.WIN_BACK: (
        gettext_lazy("We have missed you, {{ guest.display_name }}"),
        gettext_lazy(
            "Dear {{ guest.display_name }},\n\nit has been a while since your last visit to {{ hotel }}, "
            "and we have missed you. We would be delighted to welcome you back.\n\nWarm regards,\n{{ hotel }}"
        ),
    ),
}


def care_email_key(task: CareTask) -> str:
    """The outbox idempotency key of a care item's e-mail: one e-mail per item, ever."""
    return f"care-task-{task.pk}"


def _compile(source: str, field: str) -> Template:
    try:
        return Template(source)
    except TemplateSyntaxError as exc:
        raise DomainError(_("The e-mail template is broken: %(error)s") % {"error": exc}, field=field) from None


def _sources(task: CareTask, cache: dict | None) -> tuple[str, str]:
    """Subject and body sources: the active template for the kind in the guest's
    language, else the language-neutral one, else the built-in default."""
    language = task.guest.language or ""
    key = (task.kind, language)
    if cache is not None and key in cache:
        return cache[key]
    templates = {
        t.language: t
        for t in CareEmailTemplate.objects.filter(kind=task.kind, is_active=True, language__in=[language, ""])
    }
    chosen = templates.get(language) or templates.get("")
    with translation.override(language or settings.LANGUAGE_CODE):
        sources = (chosen.subject, chosen.body) if chosen else tuple(str(s) for s in DEFAULT_EMAILS[task.kind])
    if cache is not None:
        cache[key] = sources
    return sources


def render_care_email(task: CareTask, *, cache: dict | None = None) -> tuple[str, str]:
    """Subject and body for a care item in the guest's language.  A broken template is a
    DomainError naming ``template``."""
    guest = task.guest
    subject_src, body_src = _sources(task, cache)
    with translation.override(guest.language or settings.LANGUAGE_CODE):
        hotel = task.property.name if task.property_id else _("our hotels")
        context = Context({"guest": guest, "task": task, "hotel": hotel, "property": task.property}, autoescape=False)
        subject = _compile(subject_src, "template").render(context)
        body = _compile(body_src, "template").render(context)
    return " ".join(subject.split())[:200], body


def care_emails_queue(tasks: list[CareTask], *, by) -> list[OutboundEmail]:
    """Queue the e-mail of each care item in the outbox (inside the caller's
    transaction), link it to the item and log the contact on the guest.  Nothing is
    marked sent here: the outbox does that once the mail server accepted the message."""
    if not tasks:
        return []
    now = timezone.now()
    cache: dict = {}
    emails = []
    for task in tasks:
        subject, body = render_care_email(task, cache=cache)
        task.email = email_enqueue(
            kind=EMAIL_KIND,
            key=care_email_key(task),
            to=task.guest.email,
            subject=subject,
            body=body,
            guest_id=task.guest_id,
            consent_purpose=CONSENT_PURPOSE,
        )
        emails.append(task.email)
    CareTask.objects.bulk_update(tasks, ["email"], batch_size=1000)
    ContactLog.objects.bulk_create(
        [
            contact_entry(
                guest_id=t.guest_id,
                kind=ContactLog.Kind.CARE_EMAIL,
                channel=ContactChannel.EMAIL,
                care_task=t,
                details={"care_kind": t.kind, "due_date": t.due_date.isoformat()},
                by=by,
                at=now,
            )
            for t in tasks
        ],
        batch_size=2000,
    )
    return emails


_ALREADY = {
    OutboundEmail.Status.PENDING: gettext_lazy("The e-mail for this care item is already queued."),
    OutboundEmail.Status.SENT: gettext_lazy("The e-mail for this care item was already sent."),
    OutboundEmail.Status.CANCELLED: gettext_lazy(
        "The e-mail for this care item was cancelled (consent withdrawn or profile erased)."
    ),
}


def _check_sendable(task: CareTask) -> None:
    if task.status == CareTask.Status.CANCELLED:
        raise ConflictError(_("This care item is no longer needed."), field="status")
    bag = ErrorBag()
    if not task.guest.email:
        bag.add(_("This guest has no e-mail address."), field="email")
    elif not task.guest.marketing_email_consent:
        bag.add(_("This guest has not agreed to marketing e-mails (do not contact)."), field="email")
    bag.raise_if_any()


def care_task_send_email(*, task_id: int, by) -> CareTask:
    """E-mail the guest about a care item, once, only with marketing e-mail consent.

    The e-mail is queued in the outbox with the item; a failed one (the mail server
    refused it every time) is queued again; a queued, sent or cancelled one is refused.
    """
    with transaction.atomic():
        task = locked_task(task_id)
        check_task_scope(by, task)
        if task.email_id and task.email.status == OutboundEmail.Status.FAILED:
            email_retry(email_id=task.email_id)
            task.email.refresh_from_db()
            return task
        if task.email_id:
            raise ConflictError(_ALREADY[task.email.status], field="email")
        _check_sendable(task)
        care_emails_queue([task], by=by)
    return task


def care_email_template_check(
    *,
    template_id: int | None = None,
    kind: str,
    language: str = "",
    subject: str,
    body: str,
    is_active: bool = True,
) -> dict:
    """The checked fields of a care e-mail template (every invalid one reported at once):
    a known kind, subject and body in valid Django template syntax, one template per kind
    and language."""
    bag = ErrorBag()
    data = {
        "kind": bag.check(as_choice, kind, field="kind", choices=CareTask.Kind, message=_("Choose a care item kind.")),
        "language": bag.check(as_text, language, field="language", max_length=10) or "",
        "subject": bag.check(as_text, subject, field="subject", max_length=200, required=True),
        "body": bag.check(as_text, body, field="body", max_length=20_000, required=True),
        "is_active": bag.check(as_bool, is_active, field="is_active", default=True),
    }
    for name in ("subject", "body"):
        if data[name]:
            bag.check(_compile, data[name], name)
    clash = CareEmailTemplate.objects.filter(kind=data["kind"], language=data["language"])
    if data["kind"] and clash.exclude(pk=template_id).exists():
        bag.add(_("There is already a template for this kind and language."), field="language")
    bag.raise_if_any()
    return data


def care_email_template_save(*, template_id: int | None = None, **fields) -> CareEmailTemplate:
    """Create or change a care e-mail template; a broken one is refused here, not when an
    e-mail is rendered (see :func:`care_email_template_check`)."""
    data = care_email_template_check(template_id=template_id, **fields)
    with transaction.atomic():
        if template_id is None:
            template = CareEmailTemplate()
        else:
            template = CareEmailTemplate.objects.select_for_update().filter(pk=template_id).first()
            if template is None:
                raise NotFound(_("E-mail template not found."))
        for name, value in data.items():
            setattr(template, name, value)
        template.save()
    return template
