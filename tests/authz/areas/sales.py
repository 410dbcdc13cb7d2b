"""Sales performance: account production, Pareto, decline warnings, agreement pace, the
attribution review list, targets and scorecards (pages under ``/accounts/``, API under
``/api/v1/``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.authz.policy import CHAIN, NONE, Route, _caps

R = Route
G, P, DEL = "GET", "POST", "DELETE"

# fmt: off
#                   key              what                                                               FD GR SM CA IN IR
CAPABILITIES = {
    **_caps("Key accounts",
        ("sales_read",    "Account production, Pareto, decline warnings, pace, attribution review, scorecards", "--AAAA"),
        ("sales_work",    "Link a stay to its account, mark a decline warning handled",                       "--AA--"),
        ("sales_targets", "Salespeople's monthly targets (the director sets them)",                           "--AA--"),
    ),
}

ROUTES = [
    R("account-production", G, "sales_read", CHAIN, kwargs={"pk": "sales_account"}),
    R("account-pareto", G, "sales_read"),
    R("account-warnings", G, "sales_read"),
    R("account-warning-handle", P, "sales_work", CHAIN, ok=201, kwargs={"pk": "dormant_account"}, data={"note": "Called"}),
    R("agreement-pace", G, "sales_read"),
    R("attribution-review", G, "sales_read"),
    R("attribution-link", P, "sales_work", data=lambda o: {"stay": o["stay"], "account": o["sales_account"]}),
    R("scorecards", G, "sales_read"),
    R("sales-target-list", G, "sales_targets"),
    R("sales-target-list", P, "sales_targets",
      data=lambda o: {"salesperson": o["sales_rep"], "month": "2025-05", "revenue": "1000"}),
    R("sales-target-detail", G, "sales_targets", CHAIN, kwargs={"pk": "sales_target"}),
    R("sales-target-detail", DEL, "sales_targets", CHAIN, ok=204, kwargs={"pk": "sales_target"}),
    R("accounts:production", G, "sales_read", CHAIN, kwargs={"pk": "sales_account"}),
    R("accounts:sales", G, "sales_read"),
    R("accounts:scorecards", G, "sales_read"),
    R("accounts:target-save", P, "sales_targets", ok=302,
      data=lambda o: {"salesperson": o["sales_rep"], "month": "2025-05", "revenue": "1000"}),
    R("accounts:warning-handle", P, "sales_work", CHAIN, ok=302, kwargs={"pk": "dormant_account"}),
    R("accounts:stay-link", P, "sales_work", ok=302, kwargs={"stay_id": "stay"},
      data=lambda o: {"account": o["sales_account"]}),
]
# fmt: on


def build_objects(ids, *, own_hotel, other_hotel, users) -> None:
    from accounts.models import Account, SalesTarget
    from accounts.roles import SALESPERSON
    from accounts.services.common import account_search_keys
    from guests.models import StaffProfile
    from guests.services import stays_upsert
    from tests.factories import UserFactory

    rep = UserFactory(username="authz-rep", roles=[SALESPERSON], properties=[own_hotel])
    StaffProfile.objects.filter(user=rep).update(is_salesperson=True)
    agency = Account.objects.create(
        name="Authz Agency", account_type="travel_agency", **account_search_keys("Authz Agency", "")
    )
    dormant = Account.objects.create(name="Authz Dormant", **account_search_keys("Authz Dormant", ""))
    arrival = timezone.localdate() - dt.timedelta(days=300)
    stays_upsert(
        rows=[
            {
                "property": own_hotel.code,
                "confirmation_number": "AUTHZ-DORMANT",
                "arrival_date": arrival,
                "departure_date": arrival + dt.timedelta(days=2),
                "status": "checked_out",
                "room_revenue": "200",
                "company_account": dormant.pk,
            }
        ]
    )
    target = SalesTarget.objects.create(salesperson=rep, month=dt.date(2025, 4, 1), revenue=500)
    ids[CHAIN].update(
        {"sales_rep": rep.pk, "sales_account": agency.pk, "dormant_account": dormant.pk, "sales_target": target.pk}
    )


__all__ = ["CAPABILITIES", "NONE", "ROUTES", "build_objects"]
