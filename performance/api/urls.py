from django.urls import path

from . import views

urlpatterns = [
    path("analytics/performance/production/", views.ProductionView.as_view(), name="performance-production"),
    path("analytics/performance/cancellations/", views.CancellationsView.as_view(), name="performance-cancellations"),
    path("analytics/performance/sources/", views.SourceMixView.as_view(), name="performance-sources"),
    path("analytics/performance/patterns/", views.PatternsView.as_view(), name="performance-patterns"),
    path("analytics/performance/pace/", views.PaceView.as_view(), name="performance-pace"),
    path("analytics/performance/forecast/", views.ForecastView.as_view(), name="performance-forecast"),
    path("analytics/performance/guest-rates/", views.GuestRatesView.as_view(), name="performance-guest-rates"),
]
