"""System checks: each one fires on the insecure choice it names, stays silent on the library's own settings."""

from __future__ import annotations

import re
import ssl
from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import CheckMessage
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from modestwear_config import BUILDERS
from modestwear_config.concerns import CONCERNS, RETIRED_CHECK_IDS, check_ledger, storage
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.mail import email_settings, uses_mailers
from modestwear_config.env import BY_NAME, Env
from tests.support.checks import checks

ALL_CHECKS = [*checks.ALWAYS, *checks.DEPLOY_ONLY]
REDIS_TLS_OFF = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "rediss://h:6379",
        "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": None}},
    }
}
PG = {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "HOST": "db.example.com"}
ignore_databases_warning = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

# (check, settings that trigger it, expected id)
# A mailer that delivers (SMTP), as this Django version spells it: the test runner's locmem would be W041.
DELIVERING_MAIL = email_settings(Env({"EMAIL_HOST": "smtp.example.com"}))
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
LOCMEM_MAIL = {"MAILERS": {"default": {"BACKEND": LOCMEM}}} if uses_mailers() else {"EMAIL_BACKEND": LOCMEM}
TRIGGERS = [
    (checks.check_mail_delivered, email_settings(Env({})), "W041"),  # console, DEBUG off (the test runner's)
    (checks.check_mail_delivered, LOCMEM_MAIL, "W041"),
    (checks.check_allowed_hosts, {"ALLOWED_HOSTS": ["*"]}, "W001"),
    (checks.check_cookie_prefixes, {"SESSION_COOKIE_NAME": "__Secure-id", "SESSION_COOKIE_SECURE": False}, "W074"),
    (checks.check_allowed_hosts, {"ALLOWED_HOSTS": ["shop.example.com", "*"]}, "W001"),
    # hosts a project sets in code, after the import: what the reader refuses in ALLOWED_HOSTS
    (checks.check_host_entries, {"ALLOWED_HOSTS": ["shop.example.com www.example.com"]}, "E003"),
    (checks.check_host_entries, {"ALLOWED_HOSTS": ["shop.example.com", "*.example.com"]}, "E003"),
    (checks.check_host_entries, {"ALLOWED_HOSTS": ["shop.example.com # production", "münchen.example"]}, "E003"),
    (
        checks.check_conn_health_checks,
        {"DATABASES": {"default": {**PG, "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": False}}},
        "W002",
    ),
    (checks.check_conn_health_checks, {"DATABASES": {"default": {**PG, "CONN_MAX_AGE": None}}}, "W002"),
    (checks.check_redis_tls_verification, {"CACHES": REDIS_TLS_OFF}, "W003"),
    (checks.check_redis_tls_verification, {"CELERY_BROKER_USE_SSL": {"ssl_cert_reqs": ssl.CERT_NONE}}, "W003"),
    (checks.check_redis_tls_verification, {"CELERY_REDIS_BACKEND_USE_SSL": {"ssl_cert_reqs": ssl.CERT_NONE}}, "W003"),
    (
        checks.check_redis_tls_verification,
        {
            "CACHES": {
                "default": {**REDIS_TLS_OFF["default"], "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": 0}}}
            }
        },
        "W003",
    ),
    (
        checks.check_redis_tls_verification,
        {
            "CACHES": {
                "default": {
                    **REDIS_TLS_OFF["default"],
                    "LOCATION": "rediss://h:6379/0?ssl_cert_reqs=CERT_NONE",
                    "OPTIONS": {},
                }
            }
        },
        "W003",
    ),
    (checks.check_redis_tls_verification, {"CELERY_BROKER_URL": "rediss://h:6379/0?ssl_cert_reqs=none"}, "W003"),
    (checks.check_redis_tls_verification, {"CELERY_RESULT_BACKEND": "rediss://h:6379/1?SSL_CERT_REQS=none"}, "W003"),
    (checks.check_redis_tls_verification, {"CELERY_BROKER_USE_SSL": {"ssl_cert_reqs": "CERT_NONE"}}, "W003"),
    (checks.check_cors_allow_all, {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True}, "W009"),
    (
        checks.check_sqlite_in_production,
        {"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}},
        "W004",
    ),
    (checks.check_cors_https, {"CORS_ALLOWED_ORIGINS": ["https://a.example.com", "http://b.example.com"]}, "W005"),
    (checks.check_proxy_header, {"SECURE_SSL_REDIRECT": True, "SECURE_PROXY_SSL_HEADER": None}, "W006"),
    (
        checks.check_redis_logging,
        {
            "CACHES": {
                "default": {
                    "BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": "redis://h",
                    "OPTIONS": {"IGNORE_EXCEPTIONS": True},
                }
            },
            "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS": False,
        },
        "W007",
    ),
    (checks.check_removed_xss_filter, {"SECURE_BROWSER_XSS_FILTER": True}, "W008"),
    (
        checks.check_eager_with_broker,
        {"CELERY_TASK_ALWAYS_EAGER": True, "CELERY_BROKER_URL": "redis://h:6379/0"},
        "W032",
    ),
    (
        checks.check_middleware_before_liveness,
        {"MIDDLEWARE": ["shop.middleware.BasicAuth", "modestwear_config.health.middleware.LivenessMiddleware"]},
        "W070",
    ),
    (
        checks.check_redis_quota,  # Celery's own idle behaviour on Upstash (tests/test_quota.py)
        {
            "CELERY_BROKER_URL": "redis://default:token@x.upstash.io:6379",
            "CELERY_TASK_ALWAYS_EAGER": False,
            "CELERY_BROKER_TRANSPORT_OPTIONS": {},
            "CELERY_WORKER_CONSUMER": "celery.worker.consumer:Consumer",
        },
        "W090",
    ),
    (
        checks.check_database_quota,  # /health every minute keeps Neon awake all month
        {"DATABASES": {"default": {**PG, "HOST": "ep-x.neon.tech"}}, "MODESTWEAR_QUOTA_HEALTH_PROBE_SECONDS": 60.0},
        "W091",
    ),
    (checks.check_health_names, {"MODESTWEAR_HEALTH_CHECKS": ("database",)}, "E030"),  # always on, not optional
    (checks.check_health_names, {"MODESTWEAR_HEALTH_CRITICAL": ("database", "nope")}, "E030"),
    (checks.check_health_names, {"MODESTWEAR_HEALTH_CRITICAL": ("celery",)}, "E031"),
    (checks.check_health_settings, {"MODESTWEAR_HEALTH_BUDGET": 0}, "E032"),
    (checks.check_health_settings, {"MODESTWEAR_HEALTH_CHECKS": "celery"}, "E032"),
    (
        checks.check_static_storage,
        {
            "STORAGES": {
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "cloudinary_storage.storage.StaticHashedCloudinaryStorage"},
            }
        },
        "E001",
    ),
    (checks.check_frontend_url, {"SESSION_COOKIE_SAMESITE": "None", "CORS_ALLOWED_ORIGINS": []}, "W010"),
    (checks.check_frontend_url, {"CSRF_COOKIE_SAMESITE": "None", "CORS_ALLOWED_ORIGINS": []}, "W010"),
    (
        checks.check_cache_clear_spares_celery,
        {
            "CACHES": {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://h:6379/0"}},
            "CELERY_BROKER_URL": "redis://h/0",
        },
        "W020",
    ),
]


def run(check) -> list[CheckMessage]:
    return check(app_configs=None)


@ignore_databases_warning
@pytest.mark.parametrize(
    ("check", "overrides", "expected"), TRIGGERS, ids=[f"{t[2]}-{i}" for i, t in enumerate(TRIGGERS)]
)
def test_check__fires(check, overrides, expected):
    with override_settings(**overrides):
        messages = run(check)
    assert [m.id for m in messages] == [f"modestwear_config.{expected}"]
    assert messages[0].hint


REDIS_CACHE = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "rediss://h:6379/0"}
SAFE_VARIANTS = [
    (
        checks.check_redis_tls_verification,
        {"CACHES": {"default": {**REDIS_CACHE, "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": "required"}}}}},
    ),
    (
        checks.check_redis_tls_verification,
        {"CACHES": {"default": {**REDIS_CACHE, "LOCATION": "rediss://h:6379/0?ssl_cert_reqs=required"}}},
    ),
    (
        checks.check_redis_tls_verification,
        {"CELERY_BROKER_USE_SSL": {"ssl_cert_reqs": ssl.CERT_REQUIRED}, "CELERY_BROKER_URL": "rediss://h:6379/0"},
    ),
    (checks.check_redis_tls_verification, {"CELERY_BROKER_USE_SSL": {"ssl_ca_certs": "/ca.pem"}}),
    (checks.check_cors_allow_all, {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": False}),
    (checks.check_frontend_url, {"SESSION_COOKIE_SAMESITE": "None", "FRONTEND_URL": "https://app.example.com"}),
    (checks.check_frontend_url, {"SESSION_COOKIE_SAMESITE": "None", "CORS_ALLOWED_ORIGINS": ["https://a.example"]}),
    (checks.check_frontend_url, {"SESSION_COOKIE_SAMESITE": "None", "DEBUG": True}),
]


@pytest.mark.parametrize(("check", "overrides"), SAFE_VARIANTS, ids=[f"safe-{i}" for i in range(len(SAFE_VARIANTS))])
def test_check__silent_on_safe_variants(check, overrides):
    with override_settings(**overrides):
        assert run(check) == []


def test_check__cloudinary_app_before_staticfiles(monkeypatch):
    # Overriding INSTALLED_APPS would load cloudinary_storage's app (it demands credentials at import):
    # the check only reads the list, so hand it one.
    from types import SimpleNamespace

    monkeypatch.setattr(
        storage, "django_settings", SimpleNamespace(INSTALLED_APPS=["cloudinary_storage", "django.contrib.staticfiles"])
    )
    assert [m.id for m in run(checks.check_cloudinary_app_order)] == ["modestwear_config.E002"]
    monkeypatch.setattr(
        storage, "django_settings", SimpleNamespace(INSTALLED_APPS=["django.contrib.staticfiles", "cloudinary_storage"])
    )
    assert run(checks.check_cloudinary_app_order) == []
    monkeypatch.setattr(storage, "django_settings", SimpleNamespace(INSTALLED_APPS=["cloudinary_storage"]))
    assert run(checks.check_cloudinary_app_order) == []


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_check__silent_on_the_test_settings(check):
    with override_settings(**DELIVERING_MAIL):
        assert run(check) == []


def production_settings(tmp_path: Path, ca_file: Path) -> dict:
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    environ = {
        "DEBUG": "false",
        "SECRET_KEY": "prod-" + "x1y2z3" * 10,
        "ALLOWED_HOSTS": "shop.example.com",
        "BASE_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://u:p@db.example.com/shop",
        "REDIS_URL": "rediss://default:t@cache.example.com:6379",
        "REDIS_SSL_CA_CERTS": str(ca_file),
        "CELERY_USE_REDIS_URL": "true",
        "CORS_ALLOWED_ORIGINS": "https://modestwear-app.vercel.app",
    }
    return build_settings(*BUILDERS, env=Env(environ))


@ignore_databases_warning
@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_check__silent_on_the_production_settings_the_library_builds(check, tmp_path):
    built = production_settings(tmp_path, tmp_path / "ca.pem")
    keys = (
        "ALLOWED_HOSTS",
        "DATABASES",
        "CACHES",
        "CORS_ALLOWED_ORIGINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS",
        "STORAGES",
        "CELERY_BROKER_USE_SSL",
        "CELERY_REDIS_BACKEND_USE_SSL",
    )
    with override_settings(**{key: built[key] for key in keys}, **DELIVERING_MAIL):
        assert run(check) == []


def declared_ids() -> list[str]:
    """Every id the concerns declare, from the ledger (one source)."""
    return list(check_ledger())


def test_check_ids__unique_across_concerns_and_never_a_retired_one():
    ids = [f"modestwear_config.{short}" for c in CONCERNS for check in c.checks for short in check.ids]
    assert len(ids) == len(set(ids)) >= 10
    assert all(re.fullmatch(r"modestwear_config\.[EWI]\d{3}", i) for i in ids)  # Django's Error, Warning, Info
    assert not {i.rpartition(".")[2] for i in ids} & RETIRED_CHECK_IDS


def test_check_ids__each_message_constant_is_declared_by_its_concern():
    """A message constant named after its id (W001 = Warning(..., id="...W001")) belongs to a declared check."""
    for name, message in vars(checks).items():
        if isinstance(message, CheckMessage):
            assert message.id == f"modestwear_config.{name}", name
            assert message.id in check_ledger(), name


def test_check_ledger__every_check_is_filed_under_a_declared_variable():
    for concern, check in check_ledger().values():
        assert all(variable in BY_NAME for variable in check.variables), (concern.name, check.ids)
        assert check.function.__doc__, f"{check.function.__name__}: its docstring is the ledger's title"


@ignore_databases_warning
def test_check_ids__every_emitted_id_is_declared_and_errors_are_errors(monkeypatch):
    emitted = []
    for check, overrides, _ in TRIGGERS:
        with override_settings(**overrides):
            emitted += run(check)
    declared = set(declared_ids())
    assert {m.id for m in emitted} <= declared
    assert all(m.is_serious() == m.id.rpartition(".")[2].startswith("E") for m in emitted)
    # E002 is tested above; W040 needs RENDER in the environment (tests/test_email_checks.py); W030 (overrides), W031 (typos) and W033 (.env lines) need a settings module
    # or an environment (tests/test_doctor_checks.py); W060/W061 a platform and the mount table (tests/test_media_disk.py).
    # W050 fires only on Django 5.2 with CSP_MODE in the environment (tests/test_csp.py).
    # E070/E071 need a settings module built in force, W072 LOCAL_HTTP in the environment (tests/test_adoption.py).
    # W080-W083 need a platform's variables or a cgroup memory limit (tests/test_platforms.py).
    untriggered = {"E002", "E070", "E071", "W030", "W031", "W033", "W040", "W050", "W060", "W061", "W072"}
    untriggered |= {"W080", "W081", "I082", "W083"}
    assert {i.rpartition(".")[2] for i in declared} - {m.id.rpartition(".")[2] for m in emitted} == untriggered


def test_checks__registered_through_app_config_ready():
    normal = set(registry.get_checks(include_deployment_checks=False))
    deploy = set(registry.get_checks(include_deployment_checks=True))
    assert set(checks.ALWAYS) <= normal
    assert set(checks.DEPLOY_ONLY) <= deploy
    assert not set(checks.DEPLOY_ONLY) & normal


def test_call_command_check__sees_the_checks():
    out, err = StringIO(), StringIO()
    with override_settings(SECURE_BROWSER_XSS_FILTER=True):
        call_command("check", stdout=out, stderr=err)
    assert "modestwear_config.W008" in out.getvalue() + err.getvalue()
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "cloudinary_storage.storage.StaticCloudinaryStorage"},
    }
    with override_settings(STORAGES=storages), pytest.raises(SystemCheckError, match=r"modestwear_config\.E001"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def check_output(**options) -> str:
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def test_call_command_check_deploy__sees_the_deploy_checks():
    # Django 6.1's mail.E001 rejects the test runner's locmem mailer at deploy: not what this test is about.
    with override_settings(ALLOWED_HOSTS=["*"], SILENCED_SYSTEM_CHECKS=["mail.E001"]):
        assert "modestwear_config.W001" in check_output(deploy=True)
        assert "modestwear_config.W001" not in check_output()
