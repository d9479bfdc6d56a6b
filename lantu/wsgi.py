"""WSGI entry point for gunicorn (`lantu serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantu.settings")
application = get_wsgi_application()
