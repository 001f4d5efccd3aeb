from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

# One inline script with the nonce Django gives templates, one without: only the first may run.
PAGE = """<!doctype html><title>csp</title>
<script nonce="{{ csp_nonce }}">window.withNonce = "ran";</script>
<script>window.withoutNonce = "ran";</script>"""


def inline_scripts(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


urlpatterns = [path("csp-demo/", inline_scripts), path("", include("core.urls"))]
