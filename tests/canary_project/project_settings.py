"""The canary project with the project's own secrets, one of every kind, declared before the build
(configure()): each must be masked wherever the library's own are."""

from __future__ import annotations

from modestwear_config import Variable, configure

KINDS = ("str", "list", "int", "float", "url", "path")
PROJECT_SECRETS = tuple(
    Variable(f"SHOP_SECRET_{kind.upper()}", kind, "shop", f"A project secret of kind {kind}.", secret=True)  # type: ignore[arg-type]
    for kind in KINDS
)

_BUILT = configure(*PROJECT_SECRETS)
globals().update(_BUILT)
ROOT_URLCONF = "tests.canary_project.urls"
WSGI_APPLICATION = "core.wsgi.application"
INSTALLED_APPS = [*_BUILT["INSTALLED_APPS"], "shop"]
