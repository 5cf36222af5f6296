"""Addresses of the frontage pages (门前三包), under /frontage/ (namespace ``web:frontage``)."""

from django.urls import path

from . import credit_views, party_cases, views

app_name = "frontage"

urlpatterns = [
    path("", views.index, name="index"),
    path("zones.geojson", views.zones_geojson, name="zones"),
    path("parties/<str:uscc>/", views.party, name="party"),
    path("credit/", credit_views.credit, name="credit"),
    path("credit/lists/<int:pk>/lift", credit_views.lift, name="lift"),
    path("overview/", credit_views.overview, name="overview"),
    # The party's own phone pages (its account, no role)
    path("me/cases/", party_cases.my_cases, name="my_cases"),
    path("me/cases/<int:pk>/", party_cases.my_case, name="my_case"),
    path("me/cases/<int:pk>/fixed", party_cases.my_case_fixed, name="my_case_fixed"),
    path("me/cases/<int:pk>/declined", party_cases.my_case_declined, name="my_case_declined"),
    path("me/cases/<int:pk>/photo", party_cases.my_case_photo, name="my_case_photo"),
]
