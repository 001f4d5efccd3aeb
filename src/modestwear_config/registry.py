"""Every environment variable the library reads, declared once.

The typed read (env.py), error messages, redaction, the README's reference
table, ``.env.example`` and the configuration doctor all come from this one
table.  A variable that is not declared here cannot be read (Env raises
KeyError), so nothing escapes the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["str", "bool", "int", "float", "list", "url", "path"]


@dataclass(frozen=True)
class Variable:
    name: str
    kind: Kind
    concern: str
    description: str
    default: Any = None
    secret: bool = False
    # What the README shows as the default when it is derived, not constant.
    default_doc: str = ""
    example: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def shown_default(self) -> str:
        if self.default_doc:
            return self.default_doc
        if self.default is None:
            return "unset"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if self.default == "":
            return "empty"
        if isinstance(self.default, (list, tuple)):
            return ",".join(self.default) or "empty"
        return str(self.default)


V = Variable
_PROD = "on when DEBUG is off"

VARIABLES: tuple[Variable, ...] = (
    # core -------------------------------------------------------------------
    V("DEBUG", "bool", "core", "Django debug mode. Never on in production.", False, example="false"),
    V(
        "SECRET_KEY",
        "str",
        "core",
        "Django's signing key; required and strong (>= 50 chars, >= 5 distinct) when DEBUG is off.",
        secret=True,
        default_doc="a stable development key when DEBUG is on",
        example="<python -c 'import secrets; print(secrets.token_urlsafe(50))'>",
    ),
    V(
        "ALLOWED_HOSTS",
        "list",
        "core",
        "Host names this site serves, comma-separated. Required when DEBUG is off.",
        (),
        default_doc="localhost,127.0.0.1,[::1] when DEBUG is on",
        example="modestwear.onrender.com",
    ),
    V(
        "RENDER_EXTERNAL_HOSTNAME",
        "str",
        "core",
        "Set by Render; added to ALLOWED_HOSTS and the trusted origins.",
        example="modestwear.onrender.com",
    ),
    V(
        "BASE_DIR",
        "path",
        "core",
        "Project directory for the SQLite file, static and media roots, and .env.",
        default_doc="the directory above the settings package",
        example="/opt/render/project/src",
    ),
    V(
        "ENV_FILE",
        "path",
        "core",
        "A .env file (a regular file, at most 1 MiB) to load for local development; the real environment always wins.",
        default_doc="BASE_DIR/.env if it exists",
        example=".env",
    ),
    V("TIME_ZONE", "str", "core", "Django TIME_ZONE (USE_TZ is always on).", "UTC"),
    V("LANGUAGE_CODE", "str", "core", "Django LANGUAGE_CODE.", "en-us"),
    V("STATIC_URL", "str", "core", "URL prefix of static files.", "/static/"),
    V("MEDIA_URL", "str", "core", "URL prefix of uploaded media on the file system.", "/media/"),
    V(
        "FRONTEND_URL",
        "url",
        "core",
        "The frontend's origin (Next.js on Vercel); also a CORS and CSRF trusted origin.",
        "",
        example="https://modestwear-app.vercel.app",
    ),
    V(
        "GOOGLE_CLIENT_ID",
        "str",
        "core",
        "Google OAuth client id, exposed as a setting for social auth.",
        "",
        example="your-client-id",
    ),
    V(
        "FACEBOOK_APP_ID",
        "str",
        "core",
        "Facebook app id, exposed as a setting for social auth.",
        "",
        example="your-app-id",
    ),
    # database ---------------------------------------------------------------
    V(
        "DATABASE_URL",
        "url",
        "database",
        "Primary database. PostgreSQL hosts other than localhost get sslmode=require unless the URL sets sslmode.",
        secret=True,
        default_doc="SQLite file BASE_DIR/db.sqlite3",
        example="postgresql://user:pass@ep-xxx.eu-central-1.aws.neon.tech/neondb?sslmode=require",
    ),
    V(
        "DATABASE_REPLICA_URLS",
        "list",
        "database",
        "Read replicas, comma-separated URLs; reads go there, writes and migrations to the primary.",
        (),
        secret=True,
        example="postgresql://user:pass@replica-host/neondb",
    ),
    V(
        "DATABASE_CONN_MAX_AGE",
        "int",
        "database",
        "Seconds a connection is kept open (0 closes it after each request).",
        600,
        minimum=0,
        maximum=86_400,
    ),
    V(
        "DATABASE_CONN_HEALTH_CHECKS",
        "bool",
        "database",
        "Check a reused connection before use: after DATABASE_CONN_HEALTH_CHECKS_IDLE idle or once the server closed it (survives Neon suspends).",
        True,
    ),
    V(
        "DATABASE_CONN_HEALTH_CHECKS_IDLE",
        "int",
        "database",
        "Seconds a reused connection may sit idle before the health check queries it (0: before every request).",
        30,
        minimum=0,
        maximum=86_400,
    ),  # below Neon's 5-minute suspend; a connection the server closed is caught at any age
    V(
        "DATABASE_CONNECT_TIMEOUT",
        "int",
        "database",
        "Seconds to wait for a PostgreSQL connection before failing.",
        5,
        minimum=2,
        maximum=600,
    ),  # psycopg and libpq turn 1 into 2 s: refuse it rather than mislead
    # cache ------------------------------------------------------------------
    V(
        "REDIS_URL",
        "url",
        "cache",
        "Redis for the cache (Celery's broker only with CELERY_USE_REDIS_URL). rediss:// verifies certificates.",
        secret=True,
        default_doc="local-memory cache",
        example="rediss://default:token@host.upstash.io:6379",
    ),
    V(
        "REDIS_SSL_CERT_REQS",
        "str",
        "cache",
        "TLS certificate verification for rediss://: required, or none (insecure).",
        "required",
        choices=("required", "none"),
    ),
    V(
        "REDIS_SSL_CA_CERTS",
        "path",
        "cache",
        "CA bundle that signs the Redis server's certificate.",
        default_doc="the system CA bundle",
        example="/etc/ssl/certs/redis-ca.pem",
    ),
    V(
        "REDIS_SOCKET_CONNECT_TIMEOUT",
        "float",
        "cache",
        "Seconds to wait for a Redis connection.",
        5.0,
        minimum=0.01,
        maximum=60,
    ),
    V("REDIS_SOCKET_TIMEOUT", "float", "cache", "Seconds to wait for a Redis reply.", 5.0, minimum=0.01, maximum=60),
    V("REDIS_IGNORE_EXCEPTIONS", "bool", "cache", "Serve pages when Redis is down (misses are logged).", True),
    V("CACHE_KEY_PREFIX", "str", "cache", "Prefix of every cache key (share one Redis between sites).", ""),
    # celery -----------------------------------------------------------------
    V(
        "CELERY_BROKER_URL",
        "url",
        "celery",
        "Celery broker; with one, tasks go to a worker (health and the doctor ask it).",
        secret=True,
        default_doc="REDIS_URL with CELERY_USE_REDIS_URL, else none: tasks run inline",
        example="rediss://default:token@host.upstash.io:6379",
    ),
    V(
        "CELERY_RESULT_BACKEND",
        "url",
        "celery",
        "Celery result backend.",
        secret=True,
        default_doc="REDIS_URL with CELERY_USE_REDIS_URL, else none",
        example="rediss://default:token@host.upstash.io:6379",
    ),
    V(
        "CELERY_TASK_ALWAYS_EAGER",
        "bool",
        "celery",
        "Run tasks inline in the web process (free tier: no worker).",
        default_doc="true when no broker is configured, else false",
    ),
    V(
        "CELERY_USE_REDIS_URL",
        "bool",
        "celery",
        "Use REDIS_URL as the broker and result backend (a worker must run).",
        False,
    ),
    V("CELERY_TASK_EAGER_PROPAGATES", "bool", "celery", "Eager tasks raise their exceptions to the caller.", True),
    # storage ----------------------------------------------------------------
    V(
        "CLOUDINARY_URL",
        "url",
        "storage",
        "Cloudinary credentials; media goes to Cloudinary when set.",
        secret=True,
        default_doc="media on the local file system",
        example="cloudinary://key:secret@cloud",
    ),
    V(
        "CLOUDINARY_CLOUD_NAME",
        "str",
        "storage",
        "Cloudinary cloud name (instead of CLOUDINARY_URL; all three or none).",
        example="modestwear",
    ),
    V(
        "CLOUDINARY_API_KEY",
        "str",
        "storage",
        "Cloudinary API key (instead of CLOUDINARY_URL).",
        example="123456789012345",
    ),
    V(
        "CLOUDINARY_API_SECRET",
        "str",
        "storage",
        "Cloudinary API secret (instead of CLOUDINARY_URL).",
        secret=True,
        example="<secret>",
    ),
    # security ---------------------------------------------------------------
    V(
        "SECURE_SSL_REDIRECT",
        "bool",
        "security",
        "Redirect plain HTTP to HTTPS (health paths exempt).",
        default_doc=_PROD,
    ),
    V(
        "SECURE_HSTS_SECONDS",
        "int",
        "security",
        "Strict-Transport-Security max-age in seconds.",
        default_doc="31536000 when DEBUG is off, else 0",
        minimum=0,
        maximum=63_072_000,
    ),
    V("SECURE_HSTS_INCLUDE_SUBDOMAINS", "bool", "security", "HSTS covers subdomains.", default_doc=_PROD),
    V("SECURE_HSTS_PRELOAD", "bool", "security", "HSTS preload flag.", default_doc=_PROD),
    V("SESSION_COOKIE_SECURE", "bool", "security", "Session cookie only over HTTPS.", default_doc=_PROD),
    V("CSRF_COOKIE_SECURE", "bool", "security", "CSRF cookie only over HTTPS.", default_doc=_PROD),
    V(
        "BEHIND_TLS_PROXY",
        "bool",
        "security",
        "Trust X-Forwarded-Proto from the platform's TLS-terminating proxy (Render).",
        True,
    ),
    V("SECURE_REFERRER_POLICY", "str", "security", "Referrer-Policy header.", "same-origin"),
    V(
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "str",
        "security",
        "Cross-Origin-Opener-Policy header.",
        "same-origin",
        choices=("same-origin", "same-origin-allow-popups", "unsafe-none"),
    ),
    V("X_FRAME_OPTIONS", "str", "security", "X-Frame-Options header.", "DENY", choices=("DENY", "SAMEORIGIN")),
    V(
        "SESSION_COOKIE_SAMESITE",
        "str",
        "security",
        "SameSite of the session cookie; None lets a frontend on another site (vercel.app -> onrender.com) send it.",
        "Lax",
        choices=("Lax", "Strict", "None"),
    ),
    V(
        "CSRF_COOKIE_SAMESITE",
        "str",
        "security",
        "SameSite of the CSRF cookie (None needs CSRF_COOKIE_SECURE).",
        "Lax",
        choices=("Lax", "Strict", "None"),
    ),
    # cors -------------------------------------------------------------------
    V(
        "CORS_ALLOWED_ORIGINS",
        "list",
        "cors",
        "Origins allowed to call the API (scheme://host[:port], no path); FRONTEND_URL is added.",
        (),
        example="https://modestwear-app.vercel.app",
    ),
    V(
        "CSRF_TRUSTED_ORIGINS",
        "list",
        "cors",
        "Extra origins trusted for unsafe requests; CORS origins are always trusted.",
        (),
        example="https://admin.modestwear.com",
    ),
    V("CORS_ALLOW_CREDENTIALS", "bool", "cors", "Allow cookies on cross-origin requests.", True),
    # logging ----------------------------------------------------------------
    V(
        "LOG_LEVEL",
        "str",
        "logging",
        "Root log level.",
        "INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
    ),
    V("LOG_FORMAT", "str", "logging", "text, or json for one JSON object per line.", "text", choices=("text", "json")),
    # email ------------------------------------------------------------------
    V("EMAIL_HOST", "str", "email", "SMTP host; without it mail is printed to the console.", example="smtp.gmail.com"),
    V("EMAIL_PORT", "int", "email", "SMTP port (587 STARTTLS, 465 implicit TLS).", 587, minimum=1, maximum=65535),
    V("EMAIL_HOST_USER", "str", "email", "SMTP user name.", "", example="your-email@gmail.com"),
    V("EMAIL_HOST_PASSWORD", "str", "email", "SMTP password.", "", secret=True, example="your-app-password"),
    V("EMAIL_USE_TLS", "bool", "email", "STARTTLS.", default_doc="true on port 587"),
    V("EMAIL_USE_SSL", "bool", "email", "Implicit TLS.", default_doc="true on port 465"),
    V(
        "EMAIL_TIMEOUT",
        "int",
        "email",
        "Seconds before an SMTP call or an HTTP email API request gives up.",
        10,
        minimum=1,
        maximum=600,
    ),
    V(
        "DEFAULT_FROM_EMAIL",
        "str",
        "email",
        "From address of outgoing mail; required with EMAIL_PROVIDER (a verified domain).",
        default_doc="EMAIL_HOST_USER, else webmaster@localhost",
        example="ModestWear <no-reply@modestwear.com>",
    ),
    V(
        "EMAIL_PROVIDER",
        "str",
        "email",
        "Send through this HTTP email API (django-anymail) instead of SMTP: resend, brevo, mailgun, postmark, sendgrid "
        "or amazon-ses; needs EMAIL_API_KEY.",
        example="resend",
    ),
    V(
        "EMAIL_API_KEY",
        "str",
        "email",
        "The provider's API key (Postmark: server token; Amazon SES: secret access key).",
        secret=True,
        example="re_xxxxxxxx",
    ),
    V(
        "EMAIL_AWS_ACCESS_KEY_ID",
        "str",
        "email",
        "Amazon SES only: the AWS access key id that goes with EMAIL_API_KEY.",
        secret=True,
        example="AKIAXXXXXXXXXXXXXXXX",
    ),
    V(
        "EMAIL_REGION",
        "str",
        "email",
        "Mailgun: us or eu; Amazon SES: the AWS region (required).",
        default_doc="us for Mailgun",
        example="eu-west-1",
    ),
    V(
        "EMAIL_SENDER_DOMAIN",
        "str",
        "email",
        "Mailgun only: the sending domain.",
        default_doc="the domain of DEFAULT_FROM_EMAIL",
        example="mg.modestwear.com",
    ),
    V(
        "EMAIL_API_URL",
        "url",
        "email",
        "The provider's API base URL (Amazon SES: endpoint URL); normally unset.",
        default_doc="the provider's (Mailgun: by EMAIL_REGION)",
        example="https://api.eu.mailgun.net/v3/",
    ),
    V(
        "RENDER",
        "str",
        "email",
        "Set by Render on every service; with SMTP on ports 25/465/587 a deploy check warns.",
        example="true",
    ),
    # health -----------------------------------------------------------------
    V(
        "HEALTH_TOKEN",
        "str",
        "health",
        "Bearer token that unlocks /health details (error types, timings).",
        secret=True,
        default_doc="unset: no details for anyone",
        example="<random token>",
    ),
    V(
        "HEALTH_BUDGET_SECONDS",
        "float",
        "health",
        "Total time /health may take, under Render's 5 s probe timeout.",
        2.5,
        minimum=0.1,
        maximum=30,
    ),
    V(
        "HEALTH_CACHE_SECONDS",
        "float",
        "health",
        "Seconds a /health result is reused, so a burst of probes costs one round trip.",
        2.0,
        minimum=0,
        maximum=300,
    ),
    V(
        "HEALTH_CRITICAL_CHECKS",
        "list",
        "health",
        "Checks whose failure makes /health answer 503 (others only degrade it).",
        ("database",),
        example="database,cache",
    ),
    V(
        "HEALTH_CHECKS",
        "list",
        "health",
        "Optional extra checks to run: celery, migrations, storage, email.",
        (),
        example="celery,migrations",
    ),
    # superuser --------------------------------------------------------------
    V(
        "DJANGO_SUPERUSER_EMAIL",
        "str",
        "superuser",
        "ensure_superuser: the superuser's email; unset skips the step.",
        example="admin@modestwear.com",
    ),
    V(
        "DJANGO_SUPERUSER_USERNAME",
        "str",
        "superuser",
        "ensure_superuser: the user name.",
        default_doc="the email's local part",
        example="admin",
    ),
    V(
        "DJANGO_SUPERUSER_PASSWORD",
        "str",
        "superuser",
        "ensure_superuser: the password (checked by AUTH_PASSWORD_VALIDATORS).",
        secret=True,
        example="<secure-password>",
    ),
    # gunicorn ---------------------------------------------------------------
    V("PORT", "int", "gunicorn", "Port gunicorn binds on 0.0.0.0 (Render sets it).", 8000, minimum=1, maximum=65535),
    V(
        "WEB_CONCURRENCY",
        "int",
        "gunicorn",
        "gunicorn worker processes.",
        default_doc="2 x CPUs + 1, CPUs from the cgroup quota and affinity",
        minimum=1,
        maximum=256,
    ),
    V("GUNICORN_THREADS", "int", "gunicorn", "Threads per worker (gthread when > 1).", 4, minimum=1, maximum=256),
    V(
        "GUNICORN_TIMEOUT",
        "int",
        "gunicorn",
        "Seconds before a silent worker is killed and restarted.",
        120,
        minimum=1,
        maximum=3600,
    ),
    V(
        "GUNICORN_MAX_REQUESTS",
        "int",
        "gunicorn",
        "Requests before a worker is recycled (bounds slow leaks; 0 = never).",
        1000,
        minimum=0,
        maximum=10_000_000,
    ),
    V(
        "GUNICORN_MAX_REQUESTS_JITTER",
        "int",
        "gunicorn",
        "Random extra requests so workers do not recycle together.",
        100,
        minimum=0,
        maximum=10_000_000,
    ),
    V(
        "GUNICORN_LOG_LEVEL",
        "str",
        "gunicorn",
        "gunicorn's error-log level.",
        "info",
        choices=("debug", "info", "warning", "error", "critical"),
    ),
    V(
        "SERVER_INTERFACE",
        "str",
        "gunicorn",
        "wsgi: gunicorn's sync/gthread workers serve core.wsgi; asgi: uvicorn workers under gunicorn serve "
        "core.asgi (needs the asgi extra).",
        "wsgi",
        choices=("wsgi", "asgi"),
    ),
    V(
        "FORWARDED_ALLOW_IPS",
        "list",
        "gunicorn",
        "Peers whose X-Forwarded-* headers gunicorn trusts: addresses or networks, or * (any peer: right only "
        "when the platform's proxy is the sole way in, as on Render).",
        (),
        default_doc="* when BEHIND_TLS_PROXY, else 127.0.0.1,::1",
        example="10.0.0.0/8",
    ),
)

# The built-ins above, plus what a project adds with declare(): every reader looks names up here.
BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}
CONCERNS: tuple[str, ...] = tuple(dict.fromkeys(v.concern for v in VARIABLES))


def declare(*variables: Variable) -> None:
    """Add a project's own variables to the registry, read with the same guarantees as the built-ins.

    Declaring the same definition twice is harmless (settings modules can be imported more
    than once); a different definition of a known name is a programming error.
    """
    for var in variables:
        if not (var.name.isidentifier() and var.name.isupper()):
            raise ValueError(f"{var.name!r}: a variable name is an UPPER_CASE identifier")
        known = BY_NAME.get(var.name)
        if known is not None and known != var:
            owner = "the library" if var.name in _BUILTIN else "an earlier declare()"
            raise ValueError(f"{var.name} is already declared by {owner} with another definition")
        BY_NAME[var.name] = var


def declared() -> list[Variable]:
    """The project's own variables, in declaration order."""
    return [var for name, var in BY_NAME.items() if name not in _BUILTIN]


_BUILTIN = frozenset(BY_NAME)
