from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("mine/", views.my_queue, name="my-queue"),
    path("new/", views.complaint_create, name="create"),
    path("analysis/", views.analysis, name="analysis"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/transition/", views.complaint_transition, name="transition"),
    path("<int:pk>/link/", views.complaint_link, name="link"),
    path("notifications/<int:pk>/acknowledge/", views.notification_acknowledge, name="notification-ack"),
]
