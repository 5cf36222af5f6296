"""WSGI entry point for production servers (gunicorn cityloop.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")
application = get_wsgi_application()
