"""EMAIL_*: SMTP when EMAIL_HOST is set (STARTTLS on 587), the console otherwise."""

from __future__ import annotations

from typing import Any

from .env import Env, lazy_settings

STARTTLS_PORT = 587
IMPLICIT_TLS_PORT = 465


def email_settings(env: Env) -> dict[str, Any]:
    host: str | None = env("EMAIL_HOST")
    user: str = env("EMAIL_HOST_USER")
    sender: str = env("DEFAULT_FROM_EMAIL", user or "webmaster@localhost", from_=("EMAIL_HOST_USER",))
    # Every SMTP variable is read (and so validated) even without EMAIL_HOST:
    # a bad value fails now, not on the deploy that finally sets the host.
    port: int = env("EMAIL_PORT")
    use_ssl: bool = env("EMAIL_USE_SSL", port == IMPLICIT_TLS_PORT, from_=("EMAIL_PORT",))
    use_tls: bool = env("EMAIL_USE_TLS", port == STARTTLS_PORT and not use_ssl, from_=("EMAIL_PORT",))
    password: str = env("EMAIL_HOST_PASSWORD")
    timeout: int = env("EMAIL_TIMEOUT")
    if not host:
        # Development: mail is printed, nothing is sent and nothing fails.
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "DEFAULT_FROM_EMAIL": sender,
            "SERVER_EMAIL": sender,
        }
    if use_ssl and use_tls:
        env.error("EMAIL_USE_TLS", "cannot be on together with EMAIL_USE_SSL; choose one")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": host,
        "EMAIL_PORT": port,  # 587 by default: STARTTLS, the submission port
        "EMAIL_HOST_USER": user,
        "EMAIL_HOST_PASSWORD": password,
        "EMAIL_USE_TLS": use_tls,  # on for 587, so credentials never cross the network in clear
        "EMAIL_USE_SSL": use_ssl,  # on for 465 (implicit TLS)
        "EMAIL_TIMEOUT": timeout,  # seconds; a stuck SMTP server must not hang a request
        "DEFAULT_FROM_EMAIL": sender,
        "SERVER_EMAIL": sender,  # error mails to ADMINS come from the same address
    }


__getattr__ = lazy_settings(email_settings)
