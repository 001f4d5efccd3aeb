"""The optional "email" check: are the HTTP email provider's credentials accepted? Checked without sending.

Each provider has a read-only endpoint that needs the same key as sending
(Resend GET /domains, Brevo GET /account, Mailgun GET /domains/<domain>,
Postmark GET /server, SendGrid GET /scopes, Amazon SES v2 GetAccount).  The
check asks it through the configured backend's own settings; SMTP, the console
and other backends offer no such endpoint, so the check says "skipped".
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings

from modestwear_config.compat import anymail_api_url, anymail_boto3_params, anymail_credential, anymail_sender_domain
from modestwear_config.concerns.mail import uses_mailers
from modestwear_config.concerns.mail_providers import BY_BACKEND, Provider

from .catalog import SKIPPED, Probe

# Provider -> (path under its API URL, how the key is sent)
ENDPOINTS = {
    "resend": ("domains", "bearer"),
    "brevo": ("account", "api-key"),
    "mailgun": ("domains/{domain}", "basic"),
    "postmark": ("server", "x-postmark-server-token"),
    "sendgrid": ("scopes", "bearer"),
}
REJECTED = (401, 403)


class CredentialsRejected(Exception):
    """The provider answered 401/403: the key is wrong, revoked or lacks the permission to send."""


class ProviderError(Exception):
    """The provider answered with another error status."""


def email_checks() -> dict[str, Probe]:
    return {"email": probe_email}


def probe_email(timeout: float) -> object:
    connection = _default_connection()
    provider = BY_BACKEND.get(f"{type(connection).__module__}.{type(connection).__qualname__}")
    if provider is None:
        return SKIPPED  # console, SMTP, a project's own backend: nothing to ask without sending
    if provider.name == "amazon-ses":
        _check_ses(connection, timeout)
    else:
        _check_http(provider, connection, min(timeout, float(connection.timeout or timeout)))
    return None


def _default_connection() -> Any:
    """The backend instance sending would use, through Django's public API for this version."""
    if uses_mailers():
        if not hasattr(settings, "MAILERS"):  # the project configures mail the pre-6.1 way: not ours to probe
            return None
        from django.core.mail import mailers  # type: ignore[attr-defined,unused-ignore]

        return mailers.default
    from django.core.mail import get_connection

    return get_connection()


def _check_http(provider: Provider, connection: Any, timeout: float) -> None:
    import requests

    key = anymail_credential(connection, provider.key_option)
    path, scheme = ENDPOINTS[provider.name]
    domain = anymail_sender_domain(connection) or _sender_domain() if provider.name == "mailgun" else ""
    url = anymail_api_url(connection) + path.format(domain=domain)
    headers = {"Accept": "application/json"}
    auth = ("api", key) if scheme == "basic" else None
    if scheme == "bearer":
        headers["Authorization"] = f"Bearer {key}"
    elif scheme != "basic":
        headers[scheme] = key
    response = requests.get(url, headers=headers, auth=auth, timeout=timeout)
    if response.ok or _restricted_resend_key(provider, response):
        return
    raise (CredentialsRejected if response.status_code in REJECTED else ProviderError)()


def _restricted_resend_key(provider: Provider, response: Any) -> bool:
    """Resend's sending-only keys may not list domains: that 401 still proves the key is valid."""
    if provider.name != "resend" or response.status_code != 401:
        return False
    try:
        return bool(response.json().get("name") == "restricted_api_key")
    except ValueError:
        return False


def _sender_domain() -> str:
    return parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1].rpartition("@")[2]


def _check_ses(connection: Any, timeout: float) -> None:
    import boto3  # type: ignore[import-untyped,unused-ignore]
    from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    session_params, params = anymail_boto3_params(connection)
    bounded = Config(connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": 1})
    params["config"] = params["config"].merge(bounded) if params.get("config") else bounded
    client = boto3.session.Session(**session_params).client("sesv2", **params)
    try:
        client.get_account()  # GetAccount: the sending quota, read-only
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise (CredentialsRejected if status in REJECTED else ProviderError)() from None
    finally:
        client.close()
