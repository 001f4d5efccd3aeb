from __future__ import annotations

import json
import logging
import os

from django.urls import include, path


def leaky_failure(request):
    raise ConnectionError(f"cannot reach {os.environ.get('REDIS_URL')} or {os.environ.get('DATABASE_URL')}")


def client_failure(request):
    """A client library building its request around a configured key, then failing with it: the Basic
    header (base64 of api:key, as urllib3 builds it), the key in hex and in a JSON body, logged and raised."""
    from urllib3.util import make_headers

    key = os.environ["EMAIL_HOST_PASSWORD"]
    headers = make_headers(basic_auth=f"api:{key}")
    digest = key.encode().hex()
    body = json.dumps({"credentials": {"key": key}})
    logging.getLogger("shop.client").warning("request failed: %s %s %s", headers, digest, json.dumps(body))
    raise ConnectionError(f"401 with {headers} digest={digest} body={body}")


def project_secrets_failure(request):
    """Each of the project's own secrets as the program holds it (list items, numbers, paths), logged and raised."""
    from django.conf import settings

    held = [
        getattr(settings, name)
        for name in dir(settings)
        if name.startswith("SHOP_SECRET_")  # tests.canary_project.project_settings
    ]
    items = [item for value in held for item in (value if isinstance(value, list) else [value])]
    logging.getLogger("shop.secrets").warning("using %s", " ".join(str(item) for item in items))
    raise ConnectionError(f"failed with {items!r}")


urlpatterns = [
    path("boom/", leaky_failure),
    path("client/", client_failure),
    path("project-secrets/", project_secrets_failure),
    path("", include("core.urls")),
]
