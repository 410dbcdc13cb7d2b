from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("churn-warnings", views.ChurnWarningViewSet, basename="churn-warning")
router.register("care-tasks", views.CareTaskViewSet, basename="care-task")
router.register("surveys", views.StaySurveyViewSet, basename="survey")

urlpatterns = router.urls
