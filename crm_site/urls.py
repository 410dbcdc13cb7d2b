from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .auth_views import LoginView, PasswordChangeView, admin_login
from .health import health

api_v1 = [
    path("", include("crm_site.tokens.api.urls")),
    path("", include("guests.api.urls")),
    path("", include("loyalty.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("care.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("nightly.api.urls")),
    path("", include("performance.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="guests:search", permanent=False), name="home"),
    path("health/", health, name="health"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/", include("crm_site.tokens.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", admin_login),  # before admin.site.urls: same view, under the log-in guard
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")),
        name="api-docs",
    ),
    path("guests/", include("guests.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("complaints/", include("complaints.urls")),
    path("analytics/", include("analytics.urls")),
    path("care/", include("care.urls")),
    path("accounts/", include("accounts.urls")),
    path("nightly/", include("nightly.urls")),
    path("performance/", include("performance.urls")),
]

handler400 = "crm_site.error_views.bad_request"
handler403 = "crm_site.error_views.permission_denied"
handler404 = "crm_site.error_views.page_not_found"
handler500 = "crm_site.error_views.server_error"
