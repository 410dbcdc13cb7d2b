from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("", views.report_page, {"report": "production"}, name="production"),
    path("<slug:report>/", views.report_page, name="report"),
    path("<slug:report>/export/<slug:table>/", views.export, name="export"),
]
