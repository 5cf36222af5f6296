"""Addresses of the frontage pages (门前三包), under /frontage/ (namespace ``web:frontage``)."""

from django.urls import path

from . import views

app_name = "frontage"

urlpatterns = [
    path("", views.index, name="index"),
    path("zones.geojson", views.zones_geojson, name="zones"),
    path("parties/<str:uscc>/", views.party, name="party"),
]
