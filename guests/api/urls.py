from django.urls import path

from crm_site.api import CrmRouter

from . import views

router = CrmRouter(trailing_slash=True)
router.register("guests", views.GuestViewSet, basename="guest")
router.register(r"guests/(?P<guest_pk>\d+)/preferences", views.GuestPreferenceViewSet, basename="guest-preference")
router.register(r"guests/(?P<guest_pk>\d+)/consents", views.GuestConsentViewSet, basename="guest-consent")
router.register("stays", views.StayViewSet, basename="stay")
router.register("properties", views.PropertyViewSet, basename="property")
router.register("exchange-rates", views.ExchangeRateViewSet, basename="exchange-rate")
router.register("room-inventory", views.RoomInventoryViewSet, basename="room-inventory")
router.register("guest-merges", views.GuestMergeViewSet, basename="guest-merge")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("arrivals/", views.ArrivalsView.as_view(), name="arrivals"),
    path("in-house/", views.InHouseView.as_view(), name="in-house"),
    path("departures/", views.DeparturesView.as_view(), name="departures"),
    *router.urls,
]
