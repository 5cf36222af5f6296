"""The JSON API under ``/api/v1/`` (Django Ninja). Routers stay thin: they parse, call
``restrict`` and actions, and shape responses."""
