from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .api import ObtainTokenView
from .auth_views import ThrottledLoginView
from .health import health

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("guests.api.urls")),
    path("", include("loyalty.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("care.api.urls")),
    path("", include("nightly.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="guests:search", permanent=False), name="home"),
    path("health/", health, name="health"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("guests/", include("guests.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("complaints/", include("complaints.urls")),
    path("analytics/", include("analytics.urls")),
    path("care/", include("care.urls")),
    path("nightly/", include("nightly.urls")),
]

handler400 = "crm_site.error_views.bad_request"
handler403 = "crm_site.error_views.permission_denied"
handler404 = "crm_site.error_views.page_not_found"
handler500 = "crm_site.error_views.server_error"
