"""Top-level URLs: the console, the admin, the API, Open311 and the health check.

Uploaded files have no public address, not even under ``make run``: a photo is served only through
``/attachments/<id>/`` and ``/api/v1/attachments/<id>``, to users who may see its case.
"""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cityloop.api.urls import api
from cityloop.web.health import healthz

# The back office speaks the console's language and names the system, not the framework.
admin.site.site_header = _("CityLoop administration")
admin.site.site_title = _("CityLoop administration")
admin.site.index_title = _("System administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("hotline/", include("cityloop.hotline.urls")),
    path("video/", include("cityloop.video.urls")),
    path("sensors/", include("cityloop.sensors.urls")),
    path("open311/v2/", include("cityloop.open311.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cityloop.web.urls")),
]
