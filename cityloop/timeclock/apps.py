from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimeclockConfig(AppConfig):
    name = "cityloop.timeclock"
    label = "timeclock"
    verbose_name = _("Working time")
