from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("nightly-runs", views.NightlyRunViewSet, basename="nightly-run")

urlpatterns = router.urls
