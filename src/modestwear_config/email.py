"""Outgoing mail: an HTTP email API (EMAIL_PROVIDER), SMTP (EMAIL_HOST, STARTTLS on 587), else the console.

Django 6.1 replaces EMAIL_BACKEND and the EMAIL_* connection settings by MAILERS
(and warns about the old ones); older versions only know EMAIL_*.  The same
variables give either shape, so a project moves between versions unchanged.
DEFAULT_FROM_EMAIL and SERVER_EMAIL are not deprecated and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import django

from .email_providers import Provider, anymail_settings, provider_options
from .env import Env, lazy_settings

STARTTLS_PORT = 587
IMPLICIT_TLS_PORT = 465
CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
MAILERS_SINCE = (6, 1)
# Variables an email problem may name although unset: the missing half of a pair.
COMPANIONS = (
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_PROVIDER",
    "EMAIL_API_KEY",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_AWS_ACCESS_KEY_ID",
    "EMAIL_REGION",
)
# Django's own names for the SMTP backend's options: MAILERS OPTIONS key -> EMAIL_* setting.
SMTP_SETTINGS = {
    "host": "EMAIL_HOST",
    "port": "EMAIL_PORT",
    "username": "EMAIL_HOST_USER",
    "password": "EMAIL_HOST_PASSWORD",
    "use_tls": "EMAIL_USE_TLS",
    "use_ssl": "EMAIL_USE_SSL",
    "timeout": "EMAIL_TIMEOUT",
}


@dataclass(frozen=True)
class Mailer:
    backend: str
    options: dict[str, Any] = field(default_factory=dict)  # the backend's keyword arguments
    legacy: dict[str, Any] = field(default_factory=dict)  # the same, as Django < 6.1 settings


def uses_mailers() -> bool:
    return django.VERSION[:2] >= MAILERS_SINCE


def email_settings(env: Env, mailers: bool | None = None) -> dict[str, Any]:
    """MAILERS on Django >= 6.1 (or when `mailers` says so), else EMAIL_BACKEND and EMAIL_*/ANYMAIL."""
    user: str = env("EMAIL_HOST_USER")
    sender: str = env("DEFAULT_FROM_EMAIL", user or "webmaster@localhost", from_=("EMAIL_HOST_USER",))
    smtp = _smtp(env, user)
    provider = provider_options(env, sender_set=env.is_set("DEFAULT_FROM_EMAIL"))
    if smtp and provider:
        env.error("EMAIL_PROVIDER", "cannot be set together with EMAIL_HOST: choose an HTTP API or SMTP")
    mailer = _provider_mailer(*provider) if provider else smtp or Mailer(CONSOLE)
    use_mailers = uses_mailers() if mailers is None else mailers
    return {
        **(_mailers(mailer) if use_mailers else {"EMAIL_BACKEND": mailer.backend, **mailer.legacy}),
        "DEFAULT_FROM_EMAIL": sender,
        "SERVER_EMAIL": sender,  # error mails to ADMINS come from the same address
    }


def _mailers(mailer: Mailer) -> dict[str, Any]:
    config: dict[str, Any] = {"BACKEND": mailer.backend}
    if mailer.options:
        config["OPTIONS"] = mailer.options
    return {"MAILERS": {"default": config}}


def _provider_mailer(provider: Provider, options: dict[str, Any]) -> Mailer:
    return Mailer(provider.backend, options, anymail_settings(provider, options))


def _smtp(env: Env, user: str) -> Mailer | None:
    host: str | None = env("EMAIL_HOST")
    # Every SMTP variable is read (and so validated) even without EMAIL_HOST:
    # a bad value fails now, not on the deploy that finally sets the host.
    port: int = env("EMAIL_PORT")
    use_ssl: bool = env("EMAIL_USE_SSL", port == IMPLICIT_TLS_PORT, from_=("EMAIL_PORT",))
    use_tls: bool = env("EMAIL_USE_TLS", port == STARTTLS_PORT and not use_ssl, from_=("EMAIL_PORT",))
    password: str = env("EMAIL_HOST_PASSWORD")
    timeout: int = env("EMAIL_TIMEOUT")
    # Half a login is a mail that never leaves: the server refuses it at the first send.
    if user and not password:
        env.error("EMAIL_HOST_PASSWORD", "You have not set it, but EMAIL_HOST_USER is set: set both or neither")
    if password and not user:
        env.error("EMAIL_HOST_USER", "You have not set it, but EMAIL_HOST_PASSWORD is set: set both or neither")
    if not host:
        return None  # development: mail is printed, nothing is sent and nothing fails
    if use_ssl and use_tls:
        env.error("EMAIL_USE_TLS", "cannot be on together with EMAIL_USE_SSL; choose one")
    options = {
        "host": host,
        "port": port,  # 587 by default: STARTTLS, the submission port
        "username": user,
        "password": password,
        "use_tls": use_tls,  # on for 587, so credentials never cross the network in clear
        "use_ssl": use_ssl,  # on for 465 (implicit TLS)
        "timeout": timeout,  # seconds; a stuck SMTP server must not hang a request
    }
    return Mailer(SMTP, options, {SMTP_SETTINGS[k]: v for k, v in options.items()})


__getattr__ = lazy_settings(email_settings)
