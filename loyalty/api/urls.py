from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("tiers", views.TierViewSet, basename="tier")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register(
    r"memberships/(?P<membership_pk>\d+)/transactions",
    views.MembershipTransactionViewSet,
    basename="membership-transaction",
)
router.register(
    r"memberships/(?P<membership_pk>\d+)/redemptions",
    views.MembershipRedemptionViewSet,
    basename="membership-redemption",
)
router.register(r"memberships/(?P<membership_pk>\d+)/claims", views.MembershipClaimViewSet, basename="membership-claim")
router.register("rewards", views.RewardViewSet, basename="reward")
router.register("points-claims", views.ClaimViewSet, basename="points-claim")

urlpatterns = router.urls
