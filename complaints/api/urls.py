from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
