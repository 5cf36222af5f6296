"""The sensor networks' addresses (mounted under ``sensors/`` in ``cityloop/urls.py``)."""

from django.urls import path

from . import views

urlpatterns = [path("v1/networks/<slug:code>/readings", views.readings, name="sensors-readings")]
