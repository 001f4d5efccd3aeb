"""The mail backends the email concern configures: Django's SMTP backend and anymail's, each with
EMAIL_TIMEOUT as a deadline for one whole message (components/deadline.py).

SMTP's and requests' timeouts bound each socket operation: a server that trickles its reply a byte
at a time held a send for as long as it liked.  Here each message (with the connection it opens,
when it opens one) gets EMAIL_TIMEOUT seconds in all; past that its sockets are shut down and the
backend fails with its own error (AnymailAPIError, SMTPServerDisconnected), honouring
``fail_silently`` as usual.  Several messages share one connection and each has its own deadline.

``SMTPEmailBackend`` is importable as is; each provider's class (``ResendEmailBackend``, ...,
``AmazonSesEmailBackend``) is built from anymail's on first use, so anymail and boto3 are imported
only by a project that sends through them.  The backend options are anymail's and Django's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.utils.module_loading import import_string

from modestwear_config.compat import mail_backend_timeout
from modestwear_config.concerns.mail_providers import PROVIDERS

from .deadline import deadline


class DeadlineMixin:
    """``send_messages`` with one deadline per message: the backend's timeout (EMAIL_TIMEOUT)."""

    timeout: Any

    def deadline_seconds(self) -> float | None:
        timeout = mail_backend_timeout(self)
        if isinstance(timeout, (tuple, list)):  # requests' (connect, read): both may be spent
            return float(sum(timeout))
        return float(timeout) if timeout else None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        messages = list(email_messages)
        seconds = self.deadline_seconds()
        if len(messages) <= 1:
            with deadline(seconds):
                return int(super().send_messages(messages))  # type: ignore[misc]
        with deadline(seconds):
            opened = self.open()  # type: ignore[attr-defined]  # once for all: each message then reuses it
        try:
            sent = 0
            for message in messages:
                with deadline(seconds):
                    sent += int(super().send_messages([message]))  # type: ignore[misc]
            return sent
        finally:
            if opened:
                self.close()  # type: ignore[attr-defined]


class SMTPEmailBackend(DeadlineMixin, DjangoSMTPBackend):
    """Django's SMTP backend; EMAIL_TIMEOUT bounds each message, not each socket operation."""


class _SesTimeout(DeadlineMixin):
    """anymail's Amazon SES backend has no `timeout` of its own: it takes ours (MAILERS OPTIONS), or
    EMAIL_TIMEOUT before Django 6.1."""

    def __init__(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout = timeout if timeout is not None else getattr(settings, "EMAIL_TIMEOUT", None)


_NAMES = {p.backend_class: p for p in PROVIDERS.values()}
_BUILT: dict[str, type] = {}


def __getattr__(name: str) -> type:
    """Each provider's backend, built on first use from anymail's (import_string reads it this way)."""
    provider = _NAMES.get(name)
    if provider is None:
        raise AttributeError(name)
    if name not in _BUILT:
        anymail_backend = import_string(provider.anymail_backend)
        mixin = _SesTimeout if provider.name == "amazon-ses" else DeadlineMixin
        built = type(name, (mixin, anymail_backend), {"__module__": __name__, "__qualname__": name})
        built.__doc__ = f"anymail's {provider.esp_name} backend; EMAIL_TIMEOUT bounds each message."
        _BUILT[name] = built
    return _BUILT[name]
