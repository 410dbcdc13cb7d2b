from django.urls import path

from . import views

app_name = "nightly"

urlpatterns = [
    path("", views.run_list, name="runs"),
    path("<int:pk>/", views.run_detail, name="run-detail"),
    path("rerun/", views.rerun, name="rerun"),
]
