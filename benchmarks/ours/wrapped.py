"""Ours as the example project's core/wsgi.py is written: /healthz answered before Django's handler."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from modestwear_config.health.wsgi import liveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ours.settings")
application = liveness(get_wsgi_application())
