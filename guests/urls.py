from django.urls import path

from . import views

app_name = "guests"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.guest_create, name="create"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("<int:pk>/", views.guest_detail, name="detail"),
    path("<int:pk>/edit/", views.guest_edit, name="edit"),
    path("<int:pk>/preferences/", views.preference_add, name="preference-add"),
    path("<int:pk>/preferences/<int:preference_id>/remove/", views.preference_remove, name="preference-remove"),
    path("<int:pk>/notes/", views.note_add, name="note-add"),
    path("<int:pk>/notes/<int:note_id>/deactivate/", views.note_deactivate, name="note-deactivate"),
]
