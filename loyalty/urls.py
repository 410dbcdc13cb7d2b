from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.membership_detail, name="membership"),
    path("members/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("members/<int:pk>/adjust/", views.adjust, name="adjust"),
    path("members/<int:pk>/claims/", views.claim_file, name="claim-file"),
    path("guests/<int:guest_id>/enrol/", views.enrol, name="enrol"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:claim_id>/decide/", views.claim_decide, name="claim-decide"),
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/<int:pk>/edit/", views.tier_edit, name="tier-edit"),
]
