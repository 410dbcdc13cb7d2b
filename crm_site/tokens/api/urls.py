from django.urls import path

from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    *router.urls,
]
