from django.urls import path

from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("analytics/runs", views.SegmentationRunViewSet, basename="segmentation-run")

urlpatterns = [
    path("analytics/pyramid/", views.PyramidView.as_view(), name="analytics-pyramid"),
    path("analytics/pareto/", views.ParetoView.as_view(), name="analytics-pareto"),
    *router.urls,
]
