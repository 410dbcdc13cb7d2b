"""Who sees and who changes which account — the one place the rule lives.

* Everyone with ``accounts.view_account`` sees every active account (read-only).
* The director of sales (``accounts.direct_sales``: the sales-manager role, chain
  administrators) changes every account and reassigns owners.
* A salesperson (``accounts.change_account`` without ``direct_sales``) changes the
  accounts they own or are on the team of.

The chain's property-scoping rule plugs into :func:`visible_accounts` (one line).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from crm_site import parsing
from crm_site.errors import Forbidden, NotFound

from ..models import Account, AccountTeamMember

VIEW = "accounts.view_account"
CHANGE = "accounts.change_account"
DIRECT = "accounts.direct_sales"


def visible_accounts(user=None) -> QuerySet[Account]:
    """Accounts a user may see (every active account)."""
    return Account.objects.active()


def is_director(user) -> bool:
    return user is None or user.has_perm(DIRECT)


def editable_accounts(user) -> QuerySet[Account]:
    """Accounts ``user`` may change: all for the director, else owned or on the team."""
    accounts = visible_accounts(user)
    if is_director(user):
        return accounts if user is None or user.has_perm(CHANGE) else accounts.none()
    if not user.has_perm(CHANGE):
        return accounts.none()
    return accounts.filter(Q(owner=user) | Q(pk__in=AccountTeamMember.objects.filter(user=user).values("account_id")))


def editable_ids(user, account_ids) -> set[int]:
    """Which of ``account_ids`` the user may change (one query at most)."""
    ids = list(account_ids)
    if not ids:
        return set()
    return set(editable_accounts(user).filter(pk__in=ids).values_list("pk", flat=True))


def can_edit_account(user, account: Account) -> bool:
    if account.merged_into_id:
        return False
    if user is None:
        return True
    if not user.has_perm(CHANGE):
        return False
    if user.has_perm(DIRECT) or account.owner_id == user.pk:
        return True
    return AccountTeamMember.objects.filter(account=account, user=user).exists()


def account_for_edit(by, account_id, *, field: str = "account", lock: bool = False) -> Account:
    """The active account ``by`` may change, or a 404 / 403 naming ``field``."""
    pk = parsing.as_id(account_id, field=field)
    accounts = Account.objects.active()
    if lock:
        accounts = accounts.select_for_update()
    account = accounts.filter(pk=pk).first()
    if account is None:
        raise NotFound(_("Account not found."), field=field)
    if not can_edit_account(by, account):
        raise Forbidden(
            _("You can change only the accounts you own or are on the team of."), field=field, code="not_your_account"
        )
    return account


def salespeople() -> QuerySet:
    """Staff who may own accounts, sit on account teams and own activities."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__is_salesperson=True)
        .order_by("first_name", "last_name", "username")
    )


def is_salesperson(user) -> bool:
    return salespeople().filter(pk=user.pk).exists()
