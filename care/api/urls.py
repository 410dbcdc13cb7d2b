from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("churn-warnings", views.ChurnWarningViewSet, basename="churn-warning")
router.register("care-tasks", views.CareTaskViewSet, basename="care-task")
router.register("surveys", views.StaySurveyViewSet, basename="survey")

urlpatterns = router.urls
