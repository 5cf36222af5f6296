"""The detectors' addresses (mounted under ``video/`` in ``cityloop/urls.py``)."""

from django.urls import path

from . import views

urlpatterns = [path("v1/detectors/<slug:code>/detections", views.detections, name="video-detections")]
