"""Settings of a shop backend: the library's settings, the shop's own variables, its apps."""

from __future__ import annotations

from modestwear_config import Variable, configure

# The shop's own variables, read like the library's (typed, NAME_FILE for secrets, .env,
# redacted, shown by `manage.py config`); one ImproperlyConfigured names every bad one.
settings = configure(
    Variable(
        "PAYMENT_SECRET_KEY",
        "str",
        "shop",
        "The payment provider's secret key.",
        "",
        secret=True,
        example="sk_test_...",
    ),
    Variable("ORDER_MAX_ITEMS", "int", "shop", "Most items in one order.", 20, minimum=1, maximum=1000),
)
globals().update(settings)

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
INSTALLED_APPS = [*settings["INSTALLED_APPS"], "accounts", "catalog"]
AUTH_USER_MODEL = "accounts.User"
