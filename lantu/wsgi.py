"""WSGI entry point for gunicorn (`lantu serve`)."""

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantu.settings")
application = get_wsgi_application()

# Import the URLconf (every view, the API and the libraries behind them, SciPy and openpyxl among
# them: seconds of CPU) now rather than on the first request. `lantu serve` runs gunicorn with
# --preload, so this happens once in the master before the workers fork: they share that memory,
# and no worker spends its first request importing — under load that took more than gunicorn's
# 30 s timeout, and the worker was killed with the request (a 500).
import_module(settings.ROOT_URLCONF)
