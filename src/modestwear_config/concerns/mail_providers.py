"""HTTP email APIs through django-anymail: EMAIL_PROVIDER + EMAIL_API_KEY (+ a few provider extras).

Nothing of anymail is imported here: the settings are plain dicts, and anymail
is imported by Django only when the first mail is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

from modestwear_config.env import Alias, Env
from modestwear_config.env.items import region_problem

from .unit import Extra

ANYMAIL = Extra(
    "anymail",
    ("anymail",),
    "EMAIL_PROVIDER=resend, EMAIL_API_KEY, DEFAULT_FROM_EMAIL (an HTTP email API)",
    ("django-anymail[amazon-ses]>=15.1",),
)

EXTRA = "pip install 'modestwear_config[anymail]'"
PROVIDER_ONLY = {  # variables that mean something for one provider only
    "EMAIL_AWS_ACCESS_KEY_ID": ("amazon-ses",),
    "EMAIL_REGION": ("mailgun", "amazon-ses"),
    "EMAIL_SENDER_DOMAIN": ("mailgun",),
}
BACKENDS = "modestwear_config.components.mail_backends"
MAILGUN_REGIONS = {"us": "https://api.mailgun.net/v3/", "eu": "https://api.eu.mailgun.net/v3/"}


@dataclass(frozen=True)
class Provider:
    name: str  # the EMAIL_PROVIDER value
    esp_name: str  # anymail's name: errors say it, and it prefixes the ANYMAIL settings
    module: str  # anymail.backends.<module>
    key_option: str = "api_key"  # the backend's keyword for the credential
    # The names cookiecutter-django (and anymail's docs) give its key and API URL: aliases of EMAIL_API_KEY
    # (meaning EMAIL_PROVIDER=<name>) and of EMAIL_API_URL.
    key_alias: str = ""
    url_alias: str = ""

    @property
    def backend(self) -> str:
        """Ours (components/mail_backends.py): anymail's, with EMAIL_TIMEOUT as a deadline per message."""
        return f"{BACKENDS}.{self.backend_class}"

    @property
    def backend_class(self) -> str:
        return "".join(part.title() for part in self.module.split("_")) + "EmailBackend"

    @property
    def anymail_backend(self) -> str:
        return f"anymail.backends.{self.module}.EmailBackend"

    @property
    def setting_prefix(self) -> str:
        """anymail reads ANYMAIL["<ESP_NAME>_<OPTION>"] when the backend gets no keyword."""
        return self.esp_name.upper().replace(" ", "_")


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("resend", "Resend", "resend", key_alias="RESEND_API_KEY"),
        Provider("brevo", "Brevo", "brevo", key_alias="BREVO_API_KEY", url_alias="BREVO_API_URL"),
        Provider("mailgun", "Mailgun", "mailgun", key_alias="MAILGUN_API_KEY", url_alias="MAILGUN_API_URL"),
        Provider(
            "postmark",
            "Postmark",
            "postmark",
            key_option="server_token",
            key_alias="POSTMARK_SERVER_TOKEN",
            url_alias="POSTMARK_API_URL",
        ),
        Provider("sendgrid", "SendGrid", "sendgrid", key_alias="SENDGRID_API_KEY", url_alias="SENDGRID_API_URL"),
        Provider("amazon-ses", "Amazon SES", "amazon_ses"),
    )
}
KEY_ALIASES = tuple(Alias(p.key_alias, (("EMAIL_PROVIDER", p.name),)) for p in PROVIDERS.values() if p.key_alias)
URL_ALIASES = tuple(p.url_alias for p in PROVIDERS.values() if p.url_alias)
BY_BACKEND = {p.backend: p for p in PROVIDERS.values()} | {p.anymail_backend: p for p in PROVIDERS.values()}


def provider_options(env: Env, sender_set: bool) -> tuple[Provider, dict[str, Any]] | None:
    """The provider and its backend keyword options, or None (no provider, or a problem recorded)."""
    name: str | None = env("EMAIL_PROVIDER")
    key: str = (env("EMAIL_API_KEY") or "").strip()  # a pasted key's stray newline or space
    if key and not (key.isascii() and key.isprintable() and " " not in key):
        # requests would quote the whole header, key included, in its InvalidHeader error.
        env.error("EMAIL_API_KEY", "must be printable ASCII without spaces (it travels in an HTTP header)")
    _refuse_strays(env, name)
    if not name and not key:
        return None
    if not name:
        env.error(
            "EMAIL_PROVIDER",
            f"You have not set it, but EMAIL_API_KEY is set: name the provider ({', '.join(PROVIDERS)})",
        )
        return None
    provider = PROVIDERS.get(name.lower())
    if provider is None:  # the value is not echoed: it may be a key pasted into the wrong variable
        env.error("EMAIL_PROVIDER", f"expected one of {', '.join(PROVIDERS)}, got an unrecognised value")
        return None
    if not key:
        env.error("EMAIL_API_KEY", f"You have not set it, but EMAIL_PROVIDER={provider.name} needs it")
    if not sender_set:
        env.error(
            "DEFAULT_FROM_EMAIL",
            f"You have not set it: {provider.esp_name} only sends from an address on a verified domain",
        )
    _require_installed(env, provider)
    options = _ses(env, key) if provider.name == "amazon-ses" else _http(env, provider, key)
    return (provider, options) if not _has_email_problems(env) else None


def _http(env: Env, provider: Provider, key: str) -> dict[str, Any]:
    options: dict[str, Any] = {provider.key_option: key, "timeout": env("EMAIL_TIMEOUT")}
    url: str | None = env("EMAIL_API_URL")
    if provider.name == "mailgun":
        region = (env("EMAIL_REGION") or "us").lower()
        if region not in MAILGUN_REGIONS:
            env.error("EMAIL_REGION", "Mailgun's region is us or eu")
        url = url or MAILGUN_REGIONS.get(region)
        domain: str | None = env("EMAIL_SENDER_DOMAIN")
        if domain:
            options["sender_domain"] = domain
    if url:
        options["api_url"] = _checked_http_url(env, url)
    return options


def _ses(env: Env, secret: str) -> dict[str, Any]:
    key_id: str = env("EMAIL_AWS_ACCESS_KEY_ID") or ""
    region: str = env("EMAIL_REGION") or ""
    for name, value in (("EMAIL_AWS_ACCESS_KEY_ID", key_id), ("EMAIL_REGION", region)):
        if not value:
            env.error(name, "You have not set it, but EMAIL_PROVIDER=amazon-ses needs it")
    if region and (problem := region_problem(region)) is not None:
        env.error("EMAIL_REGION", problem)
    timeout: int = env("EMAIL_TIMEOUT")
    client: dict[str, Any] = {
        "region_name": region,
        "aws_access_key_id": key_id,
        "aws_secret_access_key": secret,
        # A dict, not botocore's Config: anymail converts it, so boto3 is imported only to send.
        # One attempt: boto3's retries would multiply the time a silent endpoint holds a request.
        "config": {
            "connect_timeout": timeout,
            "read_timeout": timeout,
            "retries": {"mode": "standard", "total_max_attempts": 1},
        },
    }
    url: str | None = env("EMAIL_API_URL")
    if url:
        client["endpoint_url"] = _checked_http_url(env, url)
    return {"client_params": client, "timeout": timeout}  # our SES backend's deadline per message


def _checked_http_url(env: Env, url: str) -> str:
    if not url.lower().startswith(("https://", "http://")):
        env.error("EMAIL_API_URL", "expected an http:// or https:// URL")
    return url if url.endswith("/") else url + "/"


def _refuse_strays(env: Env, name: str | None) -> None:
    """A provider-specific variable without its provider is half a configuration, not a no-op."""
    name = name.lower() if name else name
    for variable, providers in PROVIDER_ONLY.items():
        if env(variable) and name not in providers:
            env.error(variable, f"only used with EMAIL_PROVIDER={' or '.join(providers)}")
    if env("EMAIL_API_URL") and not name:
        env.error("EMAIL_API_URL", "only used with EMAIL_PROVIDER")


def _require_installed(env: Env, provider: Provider) -> None:
    # find_spec looks without importing: anymail and boto3 stay out of settings import.
    if find_spec("anymail") is None:
        env.error("EMAIL_PROVIDER", f"{provider.esp_name} needs django-anymail: {EXTRA}")
        return
    ANYMAIL.require(env, "EMAIL_PROVIDER")  # and at the extra's floor
    if provider.name == "amazon-ses" and find_spec("boto3") is None:
        env.error("EMAIL_PROVIDER", f"Amazon SES needs boto3: {EXTRA}")


def _has_email_problems(env: Env) -> bool:
    return any(name.startswith(("EMAIL_", "DEFAULT_FROM_EMAIL")) for name in env.problems)


def anymail_settings(provider: Provider, options: dict[str, Any]) -> dict[str, Any]:
    """Django < 6.1: the same options as the ANYMAIL dict anymail reads (with EMAIL_BACKEND)."""
    anymail = {f"{provider.setting_prefix}_{k.upper()}": v for k, v in options.items() if k != "timeout"}
    if "timeout" not in options:
        return {"ANYMAIL": anymail}
    if provider.name == "amazon-ses":  # not a requests backend: our SES backend reads EMAIL_TIMEOUT
        return {"ANYMAIL": anymail, "EMAIL_TIMEOUT": options["timeout"]}
    anymail["REQUESTS_TIMEOUT"] = options["timeout"]  # seconds per connect and per read; our deadline too
    return {"ANYMAIL": anymail}


def options_from_anymail(provider: Provider, anymail: dict[str, Any], email_timeout: Any = None) -> dict[str, Any]:
    """The inverse of anymail_settings (given EMAIL_TIMEOUT too, which SES's deadline comes from)."""
    prefix = provider.setting_prefix + "_"
    options = {k[len(prefix) :].lower(): v for k, v in anymail.items() if k.startswith(prefix)}
    if "REQUESTS_TIMEOUT" in anymail:
        options["timeout"] = anymail["REQUESTS_TIMEOUT"]
    elif provider.name == "amazon-ses" and email_timeout is not None:
        options["timeout"] = email_timeout
    return options
