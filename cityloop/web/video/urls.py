"""Addresses of the video patrol and sensor pages, under /video/ and /sensors/ (``web:video``)."""

from django.urls import path

from . import camera_import, review, views

app_name = "video"

urlpatterns = [
    path("video/cameras/", views.cameras, name="cameras"),
    path("video/cameras/import/", camera_import.import_cameras, name="camera_import"),
    path("video/cameras.geojson", views.cameras_geojson, name="cameras_geojson"),
    path("video/rounds/", views.rounds, name="rounds"),
    path("video/rounds/<int:pk>/", views.round_page, name="round"),
    path("video/rounds/<int:pk>/stops/<int:position>/look", views.look, name="look"),
    path("video/rounds/<int:pk>/stops/<int:position>/report", views.report, name="report"),
    path("video/rounds/<int:pk>/finish", views.finish, name="finish"),
    path("video/detections/", review.queue, name="detections"),
    path("video/detections/<int:pk>/confirm", review.confirm, name="confirm"),
    path("video/detections/<int:pk>/reject", review.reject, name="reject"),
    path("sensors/devices/", review.devices, name="devices"),
]
