"""Which hosting platform runs this process, from the names of the variables it sets (never their values).

One table: a new platform is one line.  What each sets on every instance (their docs, measured):
Render RENDER and RENDER_SERVICE_ID; Fly.io FLY_APP_NAME; Heroku DYNO; Railway RAILWAY_* (its
public and private domains, its project and service ids); Cloud Run K_SERVICE; Azure App Service
WEBSITE_HOSTNAME; Google App Engine GAE_APPLICATION; AWS (Lambda, ECS, Elastic Beanstalk)
AWS_EXECUTION_ENV; Vercel VERCEL; any Kubernetes pod KUBERNETES_SERVICE_HOST.
"""

from __future__ import annotations

from collections.abc import Iterable

PLATFORM_VARIABLES = {
    "RENDER": "Render",
    "RENDER_SERVICE_ID": "Render",
    "FLY_APP_NAME": "Fly.io",
    "DYNO": "Heroku",
    "K_SERVICE": "Cloud Run",
    "WEBSITE_HOSTNAME": "Azure App Service",
    "GAE_APPLICATION": "Google App Engine",
    "AWS_EXECUTION_ENV": "AWS",
    "VERCEL": "Vercel",
    "KUBERNETES_SERVICE_HOST": "Kubernetes",
}
PLATFORM_PREFIXES = {"RAILWAY_": "Railway"}


def detected_platform(names: Iterable[str]) -> str | None:
    """ "Render (RENDER is set)" when a platform's variable is among `names`, else None."""
    for name in sorted(names):
        platform = PLATFORM_VARIABLES.get(name) or next(
            (label for prefix, label in PLATFORM_PREFIXES.items() if name.startswith(prefix)), None
        )
        if platform:
            return f"{platform} ({name} is set)"
    return None
