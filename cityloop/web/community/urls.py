"""Addresses of the community pages (三长一站, 背街小巷): /community/ and /alleys/."""

from django.urls import path

from . import alleys, meetings, roster, views

app_name = "community"

urlpatterns = [
    path("", views.station, name="station"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/photos/<int:photo>/", views.photo, name="photo"),
    path("street/", alleys.overview, name="overview"),
    path("import/", roster.roster, name="roster"),
    path("import/template.xlsx", roster.template, name="roster_template"),
    path("alleys/", alleys.mine, name="alleys"),
    path("meetings/", meetings.meetings, name="meetings"),
]
