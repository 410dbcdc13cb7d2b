from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("runs/", views.run_history, name="runs"),
    path("segments/<slug:segment>/", views.segment_guests, name="segment-guests"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
