"""``/open311/v2/``: GeoReport v2, each call in JSON or XML by its extension."""

from django.urls import path

from . import views

app_name = "open311"

urlpatterns = [
    path("", views.root, name="root"),
    path("discovery.<str:fmt>", views.discovery, name="discovery"),
    path("services.<str:fmt>", views.service_list, name="services"),
    path("services/<str:code>.<str:fmt>", views.service_definition, name="service"),
    path("requests.<str:fmt>", views.requests_, name="requests"),
    path("requests/<str:request_id>.<str:fmt>", views.request_detail, name="request"),
    path("request/<str:request_id>.<str:fmt>", views.request_single, name="request_single"),
    path("tokens/<str:token>.<str:fmt>", views.token, name="token"),
    path("servicerequestupdates.<str:fmt>", views.request_updates, name="updates"),
    path("<path:rest>", views.not_found, name="not_found"),
]
