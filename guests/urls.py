from django.urls import path, re_path

from . import daily_views, views

app_name = "guests"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.guest_create, name="create"),
    path("arrivals/", daily_views.arrivals, name="arrivals"),
    path("in-house/", daily_views.in_house, name="in-house"),
    path("departures/", daily_views.departures, name="departures"),
    re_path(r"^lists/(?P<kind>arrivals|in-house|departures)/print/$", daily_views.daily_print, name="daily-print"),
    re_path(r"^lists/(?P<kind>arrivals|in-house|departures)/csv/$", daily_views.daily_csv, name="daily-csv"),
    path("audit/", views.audit_log, name="audit-log"),
    path("inventory/", views.room_inventory, name="inventory"),
    path("<int:pk>/", views.guest_detail, name="detail"),
    path("<int:pk>/stays/", views.guest_stays, name="stays"),
    path("<int:pk>/edit/", views.guest_edit, name="edit"),
    path("<int:pk>/export/", views.guest_export, name="export"),
    path("<int:pk>/erase/", views.guest_erase, name="erase"),
    path("<int:pk>/audit/", views.guest_audit, name="audit"),
    path("<int:pk>/merge/", views.guest_merge, name="merge"),
    path("merges/<int:merge_id>/", views.merge_detail, name="merge-detail"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge-undo"),
    path("<int:pk>/preferences/", views.preference_add, name="preference-add"),
    path("<int:pk>/preferences/<int:preference_id>/remove/", views.preference_remove, name="preference-remove"),
    path("<int:pk>/consents/", views.consent_add, name="consent-add"),
    path("<int:pk>/notes/", views.note_add, name="note-add"),
    path("<int:pk>/notes/<int:note_id>/deactivate/", views.note_deactivate, name="note-deactivate"),
]
