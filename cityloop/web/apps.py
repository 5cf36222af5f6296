from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "cityloop.web"
    label = "web"
    verbose_name = _("Console")

    def ready(self) -> None:
        from . import tiles  # noqa: F401  (registers the map layers' system check)
