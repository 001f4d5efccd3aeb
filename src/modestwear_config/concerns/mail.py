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
from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Warning

from modestwear_config.env import Env, variables_of
from modestwear_config.env.items import mail_host_problem, mailbox_problem

from .assemble import built_env, lazy_settings
from .mail_providers import ANYMAIL, KEY_ALIASES, PROVIDERS, URL_ALIASES, Provider, anymail_settings, provider_options
from .platforms import detection
from .unit import CHECK_PREFIX, Check, Concern

V = variables_of("email")
VARIABLES = (
    V("EMAIL_HOST", "str", "SMTP host; without it mail is printed to the console.", example="smtp.gmail.com"),
    V("EMAIL_PORT", "int", "SMTP port (587 STARTTLS, 465 implicit TLS).", 587, minimum=1, maximum=65535),
    V("EMAIL_HOST_USER", "str", "SMTP user name.", "", example="your-email@gmail.com"),
    V("EMAIL_HOST_PASSWORD", "str", "SMTP password.", "", secret=True, example="your-app-password"),
    V("EMAIL_USE_TLS", "bool", "STARTTLS.", default_doc="true on port 587", example="true"),
    V("EMAIL_USE_SSL", "bool", "Implicit TLS.", default_doc="true on port 465", example="false"),
    V(
        "EMAIL_TIMEOUT",
        "int",
        "Seconds one message may take to send, in all (SMTP or an HTTP email API): a deadline, not a timeout per read.",
        10,
        minimum=1,
        maximum=600,
    ),
    V(
        "DEFAULT_FROM_EMAIL",
        "str",
        "From address of outgoing mail; required with EMAIL_PROVIDER (a verified domain).",
        default_doc="EMAIL_HOST_USER, else webmaster@localhost",
        example="ModestWear <no-reply@modestwear.com>",
        aliases=("DJANGO_DEFAULT_FROM_EMAIL",),
    ),
    V(
        "EMAIL_PROVIDER",
        "str",
        "Send through this HTTP email API (django-anymail) instead of SMTP: resend, brevo, mailgun, postmark, sendgrid "
        "or amazon-ses; needs EMAIL_API_KEY.",
        example="resend",
    ),
    V(
        "EMAIL_API_KEY",
        "str",
        "The provider's API key (Postmark: server token; Amazon SES: secret access key).",
        secret=True,
        example="re_xxxxxxxx",
        aliases=KEY_ALIASES,
    ),
    V(
        "EMAIL_AWS_ACCESS_KEY_ID",
        "str",
        "Amazon SES only: the AWS access key id that goes with EMAIL_API_KEY.",
        secret=True,
        example="AKIAXXXXXXXXXXXXXXXX",
    ),
    V(
        "EMAIL_REGION",
        "str",
        "Mailgun: us or eu; Amazon SES: the AWS region (required).",
        default_doc="us for Mailgun",
        example="eu-west-1",
    ),
    V(
        "EMAIL_SENDER_DOMAIN",
        "str",
        "Mailgun only: the sending domain.",
        default_doc="the domain of DEFAULT_FROM_EMAIL",
        example="mg.modestwear.com",
        aliases=("MAILGUN_DOMAIN",),
    ),
    V(
        "EMAIL_API_URL",
        "url",
        "The provider's API base URL (Amazon SES: endpoint URL); normally unset.",
        default_doc="the provider's (Mailgun: by EMAIL_REGION)",
        example="https://api.eu.mailgun.net/v3/",
        aliases=URL_ALIASES,
    ),
)

STARTTLS_PORT = 587
IMPLICIT_TLS_PORT = 465
CONSOLE = "django.core.mail.backends.console.EmailBackend"
DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"
# Ours: Django's, with EMAIL_TIMEOUT as a deadline for each whole message (components/mail_backends.py).
SMTP = "modestwear_config.components.mail_backends.SMTPEmailBackend"
SMTP_BACKENDS = (SMTP, DJANGO_SMTP)
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
    problem = mailbox_problem(sender) if smtp or env.is_set("DEFAULT_FROM_EMAIL") else None  # the console takes any
    if problem and not env.is_set("DEFAULT_FROM_EMAIL"):
        problem = "You have not set it, and its default, EMAIL_HOST_USER, is no email address (SendGrid's apikey)"
    if problem:
        env.error("DEFAULT_FROM_EMAIL", problem)
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
    if (host_problem := mail_host_problem(host)) is not None:
        env.error("EMAIL_HOST", host_problem)
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


W040_TEXT = (
    "Mail is sent through SMTP on port {port} on {platform}, which blocks outbound SMTP ports {ports} ({when}): "
    "every mail (sign-up, password reset) times out and is never delivered."
)
W040_HINT = (
    f"Send through an HTTP email API instead: set EMAIL_PROVIDER ({', '.join(PROVIDERS)}) and EMAIL_API_KEY, "
    "and unset EMAIL_HOST (or use your provider's SMTP port 2525)."
)


def check_platform_smtp(**kwargs: Any) -> list[CheckMessage]:
    """Mail goes through an SMTP port the platform blocks (the platform facts: Render free, Railway, ...)."""
    detected = detection(built_env())
    if detected is None or not detected[0].smtp_blocked:
        return []
    platform, port = detected[0], smtp_port()
    if port not in platform.smtp_blocked:
        return []
    ports = ", ".join(str(p) for p in platform.smtp_blocked)
    text = W040_TEXT.format(port=port, platform=platform.label, ports=ports, when=platform.smtp_when)
    return [Warning(text, hint=W040_HINT, id=CHECK_PREFIX + "W040")]


W041_TEXT = (
    "Mail is not delivered: the default mailer is Django's {kind} backend while DEBUG is off, so password "
    "resets, sign-up confirmations and error mails to ADMINS never leave the server."
)
W041_HINT = (
    f"Set EMAIL_PROVIDER ({', '.join(PROVIDERS)}) and EMAIL_API_KEY, or EMAIL_HOST for SMTP "
    "(an anymail provider's own key name, like MAILGUN_API_KEY, is read too)."
)
# Backends that accept a message and deliver it nowhere (Django's own; tests substitute locmem).
UNDELIVERED = {
    f"django.core.mail.backends.{kind}.EmailBackend": kind for kind in ("console", "locmem", "dummy", "filebased")
}


def check_mail_delivered(**kwargs: Any) -> list[CheckMessage]:
    """No working mailer (console, locmem, dummy or file backend) with DEBUG off."""
    if django_settings.DEBUG:
        return []
    kind = UNDELIVERED.get(mail_backend() or "")
    return [Warning(W041_TEXT.format(kind=kind), hint=W041_HINT, id=CHECK_PREFIX + "W041")] if kind else []


def mail_backend() -> str | None:
    """The default mailer's backend, read the way this Django version reads it (None: MAILERS without one)."""
    if uses_mailers():
        mailers = getattr(django_settings, "MAILERS", None)  # unset: EMAIL_* would warn when read, so not read
        mailer = mailers.get("default") if isinstance(mailers, dict) else None
        return str(mailer.get("BACKEND", DJANGO_SMTP)) if isinstance(mailer, dict) else None
    return str(django_settings.EMAIL_BACKEND)


def smtp_port() -> int | None:
    """The default mailer's SMTP port, read the way this Django version reads it; None if not SMTP."""
    if uses_mailers():
        mailers = getattr(django_settings, "MAILERS", None)  # unset: EMAIL_* would warn when read, so not read
        mailer = mailers.get("default") if isinstance(mailers, dict) else None
        if mailer is None or mailer.get("BACKEND", DJANGO_SMTP) not in SMTP_BACKENDS:  # Django's default is SMTP
            return None
        options = mailer.get("OPTIONS", {})
        # Django 6.1's own defaults when OPTIONS give no port.
        fallback = 465 if options.get("use_ssl") else 587 if options.get("use_tls") else 25
        return int(options.get("port") or fallback)
    return int(django_settings.EMAIL_PORT) if django_settings.EMAIL_BACKEND in SMTP_BACKENDS else None


CONCERN = Concern(
    name="email",
    doc="Outgoing mail: an HTTP email API (EMAIL_PROVIDER), SMTP (EMAIL_HOST), else the console.",
    variables=VARIABLES,
    build=email_settings,
    checks=(
        Check(check_platform_smtp, ("W040",), ("EMAIL_PROVIDER",), deploy=True),
        Check(check_mail_delivered, ("W041",), ("EMAIL_PROVIDER",), deploy=True),
    ),
    extras=(ANYMAIL,),
)

__getattr__ = lazy_settings(CONCERN)
