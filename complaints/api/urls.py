from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
