from django.urls import path

from crm_site.api import CrmRouter

from . import nested, sales, views

router = CrmRouter(trailing_slash=True)
router.register("accounts", views.AccountViewSet, basename="account")
router.register("companies", views.CompanyViewSet, basename="company")
_CHILDREN = {
    "contacts": nested.ContactViewSet,
    "agreements": nested.AgreementViewSet,
    "activities": nested.ActivityViewSet,
    "team": nested.TeamViewSet,
    "external-ids": nested.ExternalIdViewSet,
    "competitors": nested.CompetitorViewSet,
    "documents": nested.DocumentViewSet,
}
for part, viewset in _CHILDREN.items():
    router.register(rf"accounts/(?P<account_pk>\d+)/{part}", viewset, basename=f"account-{part}")
router.register("account-activities", views.AllActivitiesViewSet, basename="account-activity")
router.register("account-agreements", views.AllAgreementsViewSet, basename="account-agreement")
router.register("account-merges", views.AccountMergeViewSet, basename="account-merge")
router.register("roadmap-stages", views.StageViewSet, basename="roadmap-stage")
router.register("roadmap-milestones", views.MilestoneViewSet, basename="roadmap-milestone")
router.register("value-drivers", views.ValueDriverViewSet, basename="value-driver")
router.register("sales-targets", sales.SalesTargetViewSet, basename="sales-target")

urlpatterns = [
    path("account-handover/", views.HandoverView.as_view(), name="account-handover"),
    path("account-levels/distribution/", views.LevelDistributionView.as_view(), name="account-level-distribution"),
    path("account-levels/migration/", views.LevelMigrationView.as_view(), name="account-level-migration"),
    path("roadmap-board/", views.RoadmapBoardView.as_view(), name="roadmap-board"),
    path("accounts/<int:pk>/production/", sales.AccountProductionView.as_view(), name="account-production"),
    path("account-pareto/", sales.AccountParetoView.as_view(), name="account-pareto"),
    path("account-warnings/", sales.AccountWarningsView.as_view(), name="account-warnings"),
    path("account-warnings/<int:pk>/handle/", sales.AccountWarningHandleView.as_view(), name="account-warning-handle"),
    path("agreement-pace/", sales.AgreementPaceView.as_view(), name="agreement-pace"),
    path("attribution-review/", sales.AttributionReviewView.as_view(), name="attribution-review"),
    path("attribution-review/link/", sales.AttributionLinkView.as_view(), name="attribution-link"),
    path("scorecards/", sales.ScorecardsView.as_view(), name="scorecards"),
    *router.urls,
]
