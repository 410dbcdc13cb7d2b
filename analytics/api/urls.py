from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("analytics/runs", views.SegmentationRunViewSet, basename="segmentation-run")

urlpatterns = [
    path("analytics/pyramid/", views.PyramidView.as_view(), name="analytics-pyramid"),
    path("analytics/pareto/", views.ParetoView.as_view(), name="analytics-pareto"),
    *router.urls,
]
