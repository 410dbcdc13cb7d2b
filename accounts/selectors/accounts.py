"""Reads shaped for the account list, search and the account page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet

from guests import search_keys

from ..models import (
    Account,
    AccountContact,
    AccountExternalId,
    AccountTeamMember,
    Activity,
    ActivityStatus,
    Agreement,
    AgreementStatus,
    LevelChange,
)
from .access import can_edit_account, is_director, visible_accounts

MAX_QUERY = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_DEPTH = 12


def account_search(*, query: str, viewer=None, limit: int = 20, base: QuerySet | None = None) -> list[Account]:
    """Accounts from what someone typed, in any script (the guests' search keys):
    an IATA code, corporate or tax id or external id exactly; else the name — joined
    name or pinyin starting with it (``huawei``), the initials (``hw``), any spelling
    containing it; on PostgreSQL, when nothing matches, trigram similarity (typos)."""
    query = _CONTROL.sub(" ", str(query or "")[:MAX_QUERY]).strip()
    if not query:
        return []
    base = (base if base is not None else visible_accounts(viewer)).select_related("owner", "parent")
    code = query.upper()
    by_id = base.filter(
        Q(iata_code=code)
        | Q(corporate_id__iexact=query)
        | Q(tax_number__iexact=query)
        | Q(pk__in=AccountExternalId.objects.filter(external_id=query).values("account_id"))
    )
    found = list(by_id.order_by("name", "id")[:limit])
    if found:
        return found
    forms = search_keys.query_forms(query)
    latin, compact = forms["latin"], forms["compact"]
    if not compact:
        return []
    name_q = Q(name_key__startswith=compact) | Q(search_document__contains=latin) | Q(name__icontains=query)
    if compact.isalpha() and len(compact) <= 6:
        name_q |= Q(name_initials=compact)
    found = list(base.filter(name_q).order_by("name_key", "id")[:limit])
    if found or connection.vendor != "postgresql" or len(compact) < 4:
        return found
    from django.contrib.postgres.search import TrigramWordSimilarity

    return list(
        base.annotate(similarity=TrigramWordSimilarity(latin, "search_document"))
        .filter(similarity__gte=0.35)
        .order_by("-similarity", "id")[:limit]
    )


def account_subtree_ids(account_id: int) -> list[int]:
    """The account and every account below it in its group (one query per level)."""
    ids, frontier = [account_id], [account_id]
    for _depth in range(MAX_DEPTH):
        frontier = list(Account.objects.active().filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids.extend(frontier)
    return ids


def account_ancestors(account: Account) -> list[Account]:
    """The chain of parents above the account, the top of the group first."""
    chain, node = [], account
    for _depth in range(MAX_DEPTH):
        if not node.parent_id:
            break
        node = Account.objects.only("pk", "name", "name_latin", "parent_id").get(pk=node.parent_id)
        chain.append(node)
    return list(reversed(chain))


def annualised_commitment(agreement: Agreement) -> int:
    """The room nights an agreement commits to per year (a per-term commitment spread
    over the term's length)."""
    per = {"month": 12, "quarter": 4, "year": 1}
    if agreement.commitment_period in per:
        return agreement.room_nights_committed * per[agreement.commitment_period]
    days = (agreement.valid_to - agreement.valid_from).days + 1
    return round(agreement.room_nights_committed * 365 / max(days, 1))


@dataclass
class Rollup:
    """The group below (and including) an account, added up."""

    accounts: int = 0
    contacts: int = 0
    open_activities: int = 0
    overdue_activities: int = 0
    signed_agreements: int = 0
    committed_room_nights_per_year: int = 0
    children: list = field(default_factory=list)


def account_rollup(account: Account, *, today) -> Rollup:
    """Roll-up of the account's group (itself and every account below it)."""
    ids = account_subtree_ids(account.pk)
    activities = Activity.objects.filter(account_id__in=ids, status=ActivityStatus.OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    signed = list(
        Agreement.objects.filter(
            account_id__in=ids, status=AgreementStatus.SIGNED, valid_from__lte=today, valid_to__gte=today
        )
    )
    return Rollup(
        accounts=len(ids),
        contacts=AccountContact.objects.filter(account_id__in=ids, is_erased=False).count(),
        open_activities=activities["open"],
        overdue_activities=activities["overdue"],
        signed_agreements=len(signed),
        committed_room_nights_per_year=sum(annualised_commitment(a) for a in signed),
        children=list(Account.objects.active().filter(parent=account).select_related("owner").order_by("name")),
    )


def account_header(*, account_id: int, viewer) -> dict:
    """What every tab of the account page shows on top (account, group, edit rights)."""
    account = visible_accounts(viewer).select_related("owner", "parent").filter(pk=account_id).first()
    if account is None:
        merged = Account.objects.filter(pk=account_id).values_list("merged_into_id", flat=True).first()
        return {"account": None, "merged_into": merged}
    return {
        "account": account,
        "ancestors": account_ancestors(account),
        "can_edit": can_edit_account(viewer, account) if viewer.has_perm("accounts.change_account") else False,
        "is_director": is_director(viewer) and viewer.has_perm("accounts.change_account"),
        "is_owner": account.owner_id == viewer.pk,
    }


def account_team(account: Account) -> list[AccountTeamMember]:
    return list(AccountTeamMember.objects.filter(account=account).select_related("user", "property"))


def level_history(account: Account, *, limit: int | None = None) -> list[LevelChange]:
    rows = LevelChange.objects.filter(account=account).select_related("changed_by").order_by("-effective_on", "-id")
    return list(rows[:limit] if limit else rows)


def account_list(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """The account list: owner and parent joined, the number of children counted."""
    return queryset.select_related("owner", "parent").annotate(
        child_count=Count("children", filter=Q(children__merged_into__isnull=True), distinct=True)
    )


def signed_commitment_by_account(account_ids, *, today) -> dict[int, int]:
    """Room nights per year committed under signed agreements valid today, per account."""
    totals: dict[int, int] = {}
    for agreement in Agreement.objects.filter(
        account_id__in=list(account_ids), status=AgreementStatus.SIGNED, valid_from__lte=today, valid_to__gte=today
    ):
        totals[agreement.account_id] = totals.get(agreement.account_id, 0) + annualised_commitment(agreement)
    return totals
