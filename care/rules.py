"""Care rules that both the services (writes) and the selectors (reads) apply: who may
be contacted how, who works churn warnings, how far the care list looks ahead.

Pure functions over models already loaded (or one small query); nothing here writes.
"""

from __future__ import annotations

from crm_site import roles
from guests.models import Guest, StaffProfile

from .models import MARKETING_CHANNELS, ChurnWarning, ContactChannel

# The care list of a day shows what is due from the post-stay catch-up (a few days back,
# when a run was missed) to the end of the coming week.
LOOKAHEAD_DAYS = 7
POST_STAY_CATCH_UP_DAYS = 3


def may_contact(guest: Guest, channel: str) -> bool:
    """Marketing consent decides: e-mail needs e-mail consent, SMS needs SMS consent, a
    call or a card needs either; meeting the guest at the hotel or an internal action
    needs none."""
    if channel == ContactChannel.EMAIL:
        return guest.marketing_email_consent
    if channel == ContactChannel.SMS:
        return guest.marketing_sms_consent
    if channel in MARKETING_CHANNELS:
        return guest.marketing_email_consent or guest.marketing_sms_consent
    return True


def do_not_contact(guest: Guest) -> bool:
    return not (guest.marketing_email_consent or guest.marketing_sms_consent)


def is_sales_user(user) -> bool:
    """Someone a churn warning can be assigned to: a sales manager or a salesperson."""
    if user is None or not user.is_active:
        return False
    if user.groups.filter(name=roles.SALES_MANAGER).exists():
        return True
    return StaffProfile.objects.filter(user=user, is_salesperson=True).exists()


def can_work_warning(user, warning: ChurnWarning) -> bool:
    """Sales managers (change permission) work every warning; a salesperson without it
    works the warnings assigned to them."""
    if user.has_perm("care.change_churnwarning"):
        return True
    return warning.assigned_to_id == user.pk and is_sales_user(user)
