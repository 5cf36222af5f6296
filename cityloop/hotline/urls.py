"""The hotline protocol's addresses (mounted under ``hotline/`` in ``cityloop/urls.py``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("v1/<slug:code>/messages", views.messages, name="hotline-messages"),
    path("v1/<slug:code>/photos/<int:attachment_id>", views.photo, name="hotline-photo"),
]
