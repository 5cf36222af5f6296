"""django-axes (the console's login lockout) under a name in the back office's language.

Its own app config lives here, not in ``core.apps``: a module with two app configs leaves Django
without a default one for the core app."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginProtectionConfig(AxesAppConfig):
    verbose_name = _("Login protection")
