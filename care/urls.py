from django.urls import path

from . import survey_views, views

app_name = "care"

urlpatterns = [
    path("", views.care_list, name="care-list"),
    path("build/", views.care_list_build, name="care-list-build"),
    path("export.csv", views.care_list_export, name="care-list-export"),
    path("items/<int:pk>/done/", views.care_task_done, name="care-task-done"),
    path("items/<int:pk>/email/", views.care_task_email, name="care-task-email"),
    path("worklist/", views.worklist, name="worklist"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning-detail"),
    path("warnings/<int:pk>/assign/", views.warning_assign, name="warning-assign"),
    path("warnings/<int:pk>/outcome/", views.warning_outcome, name="warning-outcome"),
    path("lost/", views.lost_analysis, name="lost"),
    path("surveys/", survey_views.surveys, name="surveys"),
    path("guests/<int:pk>/surveys/", survey_views.guest_survey_add, name="guest-survey-add"),
]
