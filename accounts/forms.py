"""Page forms.  They render the inputs and refuse a tampered choice; the values are
checked by the services (every invalid field named at once, shown back on the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guests.models import Property

from .models import (
    AccountClass,
    AccountDocument,
    AccountType,
    ActivityKind,
    AgreementStatus,
    Attitude,
    CommitmentPeriod,
    CompetitorPosition,
    ContactLevel,
    ContactRole,
    Level,
    TeamRole,
)
from .selectors import salespeople

_DATE = {"type": "date"}
_NONE = [("", "—")]


def _text(label, *, area: bool = False, rows: int = 3, **kwargs) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if area else forms.TextInput()
    return forms.CharField(label=label, required=False, strip=False, widget=widget, **kwargs)


def _date(label, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs=_DATE), **kwargs)


def _choice(label, choices, *, blank: bool = False, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[*(_NONE if blank else []), *choices], required=False, **kwargs)


def _people(queryset) -> list[tuple[str, str]]:
    return [(str(u.pk), u.get_full_name() or u.get_username()) for u in queryset]


class ServiceForm(forms.Form):
    """A form whose cleaned values go to a service as they are."""

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in getattr(self, "skip", ())}


class AccountForm(ServiceForm):
    name = _text(_("Name"))
    name_latin = _text(_("Name (Latin)"))
    account_type = _choice(_("Type"), AccountType.choices)
    account_class = _choice(_("Account class"), AccountClass.choices)
    parent = _choice(_("Parent account (group)"), [], blank=True)
    tax_title = _text(_("Invoice title"))
    tax_number = _text(_("Tax number"))
    iata_code = _text(_("IATA code"))
    corporate_id = _text(_("Corporate id"))
    rate_code = _text(_("Negotiated rate code (chain-wide)"))
    notes = _text(_("Notes"), area=True)

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [*_NONE, *[(str(a.pk), a.name) for a in parents]]


class AccountCreateForm(AccountForm):
    owner = _choice(_("Owner (account manager)"), [], blank=True)
    relationship_level = _choice(_("Relationship level"), Level.choices)
    level_reason = _text(_("Why this level"), area=True, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [*_NONE, *_people(salespeople())]


class LevelForm(ServiceForm):
    level = _choice(_("Relationship level"), Level.choices)
    reason = _text(_("Reason"), area=True, rows=2)
    target_level = _choice(_("Target level"), Level.choices, blank=True)
    review_on = _date(_("Review on"))
    effective_on = _date(_("Effective on"), help_text=_("Empty: today."))


class HandoverForm(ServiceForm):
    owner = _choice(_("New owner"), [])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _people(salespeople())


class BulkHandoverForm(HandoverForm):
    accounts = forms.TypedMultipleChoiceField(label=_("Accounts"), choices=[], coerce=int, required=False)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].choices = [(a.pk, a.name) for a in accounts]


class MergeForm(ServiceForm):
    merged = forms.CharField(label=_("Duplicate account (id)"), required=False)
    note = _text(_("Note"))


class ExternalIdForm(ServiceForm):
    system = _text(_("System"), help_text=_("e.g. pms, gds, hotel-booking-demand:agent"))
    external_id = _text(_("Id in that system"))


class TeamForm(ServiceForm):
    user = _choice(_("Person"), [])
    role = _choice(_("Role"), [c for c in TeamRole.choices if c[0] != TeamRole.OWNER])
    property = _choice(_("Property"), [], blank=True)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = _people(users)
        self.fields["property"].choices = [*_NONE, *[(str(p.pk), p.code) for p in Property.objects.all()]]


class ContactForm(ServiceForm):
    guest = forms.CharField(
        label=_("Guest profile (id)"), required=False, help_text=_("Or leave empty and name a contact-only person.")
    )
    name = _text(_("Name (contact-only person)"))
    email = _text(_("E-mail"))
    phone = _text(_("Phone"))
    job_title = _text(_("Job title"))
    role = _choice(_("Role"), ContactRole.choices)
    level = _choice(_("Level"), ContactLevel.choices)
    influence = forms.CharField(label=_("Influence (1-5)"), required=False, initial=3)
    attitude = _choice(_("Attitude"), Attitude.choices, initial=Attitude.NEUTRAL)
    last_touch_on = _date(_("Last touch"))
    notes = _text(_("Notes"), area=True, rows=2)


class ContactEditForm(ContactForm):
    skip = ("guest",)


class PlanForm(ServiceForm):
    external_pressures = _text(_("External pressures"), area=True)
    business_goals = _text(_("Business goals"), area=True)
    internal_challenges = _text(_("Internal challenges"), area=True)
    share_of_wallet = forms.CharField(label=_("Share of wallet (%)"), required=False)
    unique_proposal = _text(_("Unique proposal"), area=True, rows=4)


class ScoresForm(forms.Form):
    """Importance and our score (1-5) for each active driver."""

    def __init__(self, *args, drivers=(), scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        scores = scores or {}
        choices = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]
        self.rows = []
        for driver in drivers:
            current = scores.get(driver.pk)
            for part, label in (("importance", _("Importance")), ("our_score", _("Our score"))):
                self.fields[f"{part}_{driver.code}"] = forms.ChoiceField(
                    label=f"{driver.label} · {label}",
                    choices=choices,
                    required=False,
                    initial=getattr(current, part, ""),
                )
            self.rows.append((driver, current))

    def scores(self) -> list[dict]:
        """The drivers given a value (both empty: left unscored)."""
        entries = []
        for driver, _current in self.rows:
            importance = self.cleaned_data.get(f"importance_{driver.code}")
            ours = self.cleaned_data.get(f"our_score_{driver.code}")
            if importance or ours:
                entries.append({"driver": driver.code, "importance": importance, "our_score": ours})
        return entries


class CompetitorForm(ServiceForm):
    name = _text(_("Competitor"))
    position = _choice(_("Our position"), CompetitorPosition.choices, initial=CompetitorPosition.UNKNOWN)
    strengths = _text(_("Their strengths"))
    notes = _text(_("Notes"))


class DocumentForm(ServiceForm):
    title = _text(_("Title"))
    url = _text(_("Link (http or https)"))
    kind = _choice(_("Kind"), AccountDocument.Kind.choices, initial=AccountDocument.Kind.OTHER)
    agreement = _choice(_("Agreement"), [], blank=True)

    def __init__(self, *args, agreements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = [
            *_NONE,
            *[(str(a.pk), f"{a.rate_code} · {a.property.code}") for a in agreements],
        ]


class TickForm(ServiceForm):
    milestone = forms.CharField(widget=forms.HiddenInput, required=False)
    done_on = _date(_("Done on"), help_text=_("Empty: today."))
    note = _text(_("Note"))


class ActivityForm(ServiceForm):
    kind = _choice(_("Kind"), ActivityKind.choices)
    subject = _text(_("Subject"))
    owner = _choice(_("Owner"), [], blank=True)
    due_on = _date(_("Due on (or done on)"))
    contact = _choice(_("Contact"), [], blank=True)
    property = _choice(_("Property"), [], blank=True)
    outcome = _text(_("Outcome (if already done)"), area=True, rows=2)
    next_step = _text(_("Next step"))
    next_due_on = _date(_("Next step due on"))
    next_kind = _choice(_("Next step kind"), ActivityKind.choices, blank=True)

    def __init__(self, *args, owners=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [*_NONE, *_people(owners)]
        self.fields["contact"].choices = [*_NONE, *[(str(pk), label) for pk, label in contacts]]
        self.fields["property"].choices = [*_NONE, *[(str(p.pk), p.code) for p in Property.objects.all()]]


class CompleteForm(ServiceForm):
    outcome = _text(_("Outcome"), area=True, rows=2)
    done_on = _date(_("Done on"), help_text=_("Empty: today."))
    next_step = _text(_("Next step"))
    next_due_on = _date(_("Next step due on"))
    next_kind = _choice(_("Next step kind"), ActivityKind.choices, blank=True)


class AgreementForm(ServiceForm):
    property = _choice(_("Property"), [])
    rate_code = _text(_("Rate code"))
    valid_from = _date(_("Valid from"))
    valid_to = _date(_("Valid to"))
    rate_amount = forms.CharField(label=_("Rate per night"), required=False)
    discount_percent = forms.CharField(label=_("Discount (%)"), required=False)
    currency = _text(_("Currency"), help_text=_("Empty: the property's currency."))
    inclusions = _text(_("Inclusions"))
    room_nights_committed = forms.CharField(label=_("Room nights committed"), required=False)
    commitment_period = _choice(_("Commitment period"), CommitmentPeriod.choices, initial=CommitmentPeriod.YEAR)
    commission_percent = forms.CharField(label=_("Commission (%)"), required=False)
    status = _choice(_("Status"), AgreementStatus.choices)
    renewal_on = _date(_("Renewal date"))
    notes = _text(_("Notes"), area=True, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["property"].choices = [(str(p.pk), f"{p.code} · {p.name}") for p in Property.objects.all()]


class StageForm(ServiceForm):
    code = _text(_("Code"))
    name = _text(_("Name (English)"))
    name_zh = _text(_("Name (Chinese)"))
    sort_order = forms.CharField(label=_("Order"), required=False, initial=100)
    requires_order = forms.BooleanField(label=_("Milestones in order"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class MilestoneForm(ServiceForm):
    stage = _choice(_("Stage"), [])
    code = _text(_("Code"))
    name = _text(_("Name (English)"))
    name_zh = _text(_("Name (Chinese)"))
    sort_order = forms.CharField(label=_("Order"), required=False, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s.code, s.label) for s in stages]


class DriverForm(ServiceForm):
    code = _text(_("Code"))
    name = _text(_("Name (English)"))
    name_zh = _text(_("Name (Chinese)"))
    description = _text(_("Description"))
    sort_order = forms.CharField(label=_("Order"), required=False, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class BoardForm(forms.Form):
    account_class = _choice(_("Accounts"), [*AccountClass.choices, ("all", _("All classes"))], initial="key")
    owner = forms.CharField(label=_("Owner"), required=False, widget=forms.HiddenInput)


class QuarterForm(forms.Form):
    quarter = forms.CharField(label=_("Quarter (YYYY-Qn)"), required=False, max_length=10)
