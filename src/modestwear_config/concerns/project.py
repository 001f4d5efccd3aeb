"""A project's own variables, read like the library's: ``configure()`` and ``project_settings``.

In settings.py, instead of ``from modestwear_config import *``::

    from modestwear_config import Variable, configure

    globals().update(configure(
        Variable("STRIPE_SECRET_KEY", "str", "shop", "Stripe secret key.", secret=True),
        Variable("ORDER_LIMIT", "int", "shop", "Most items in one order.", 20, minimum=1),
    ))

Each declared variable becomes a setting of the same name (typed, ``_FILE`` for secrets,
``.env``), its problems join the library's in one ImproperlyConfigured, secrets are scrubbed
from logs, and ``manage.py config`` shows it and puts it in ``--env-example``.

A variable that is unset and has no default (``default=None``) produces no setting at all: a
package that reads ``getattr(settings, NAME, its_default)`` keeps its own default, where an empty
value would change its behaviour (django-csp turns an empty directive into one that blocks everything).
"""

from __future__ import annotations

from typing import Any

from modestwear_config.env import Env, declared


def project_settings(env: Env) -> dict[str, Any]:
    """Every declared project variable that has a value (set, or a default) as a setting of the same name."""
    values = {var.name: env(var.name) for var in declared()}
    return {name: value for name, value in values.items() if value is not None}
