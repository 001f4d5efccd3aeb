from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from modestwear_config.health.asgi import liveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
# liveness(): GET /healthz is answered on the event loop, before Django's handler.
application = liveness(get_asgi_application())
