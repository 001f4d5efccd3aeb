from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from modestwear_config.health.wsgi import liveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
# liveness(): GET /healthz is answered before Django's handler (the platform's probe, at full speed).
application = liveness(get_wsgi_application())
