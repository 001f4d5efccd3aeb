"""tls.py: rediss:// options shared by the cache and Celery verify certificates unless told not to."""

from __future__ import annotations

import ssl

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.cache import cache_settings
from modestwear_config.concerns.celery import celery_settings
from modestwear_config.concerns.redis_tls import (
    celery_ssl_options,
    redis_py_ssl_kwargs,
    redis_scheme,
    verify_certificates,
)
from modestwear_config.env import Env

SECRET_TOKEN = "tls-test-token-s3cr3t"


@pytest.fixture
def ca_file(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")  # only its existence is checked here
    return path


def test_redis_py_ssl_kwargs__verifies_with_system_bundle_by_default():
    env = Env({})
    assert redis_py_ssl_kwargs(env) == {"ssl_cert_reqs": "required"}
    assert verify_certificates(env) is True
    assert env.problems == {}


def test_redis_py_ssl_kwargs__passes_the_ca_bundle(ca_file):
    env = Env({"REDIS_SSL_CA_CERTS": str(ca_file)})
    assert redis_py_ssl_kwargs(env) == {"ssl_cert_reqs": "required", "ssl_ca_certs": str(ca_file)}


def test_redis_py_ssl_kwargs__none_is_an_explicit_opt_out_with_python_none():
    env = Env({"REDIS_SSL_CERT_REQS": "NONE"})
    # redis-py rejects the string "None"; None (the object) turns verification off.
    assert redis_py_ssl_kwargs(env) == {"ssl_cert_reqs": None}
    assert env.problems == {}


def test_celery_ssl_options__cert_required_constant_and_ca(ca_file):
    env = Env({"REDIS_SSL_CA_CERTS": str(ca_file)})
    options = celery_ssl_options(env)
    assert options == {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(ca_file)}


def test_celery_ssl_options__none_gives_cert_none():
    assert celery_ssl_options(Env({"REDIS_SSL_CERT_REQS": "none"})) == {"ssl_cert_reqs": ssl.CERT_NONE}


def test_ca_certs__missing_file_is_an_error_naming_the_variable(tmp_path):
    env = Env({"REDIS_SSL_CA_CERTS": str(tmp_path / "absent.pem")})
    redis_py_ssl_kwargs(env)
    assert "REDIS_SSL_CA_CERTS" in env.problems


def test_ca_certs__with_verification_off_is_a_contradiction(ca_file):
    env = Env({"REDIS_SSL_CERT_REQS": "none", "REDIS_SSL_CA_CERTS": str(ca_file)})
    assert celery_ssl_options(env) == {"ssl_cert_reqs": ssl.CERT_NONE}
    assert "REDIS_SSL_CERT_REQS=none" in env.problems["REDIS_SSL_CA_CERTS"]


def test_cert_reqs__unknown_value_is_rejected():
    env = Env({"REDIS_SSL_CERT_REQS": "optional"})
    redis_py_ssl_kwargs(env)
    assert "expected one of required, none" in env.problems["REDIS_SSL_CERT_REQS"]


def test_redis_scheme__unknown_scheme_names_the_variable():
    env = Env({})
    assert redis_scheme(env, "REDIS_URL", "http://host:6379") == "http"
    assert "redis://, rediss://, unix://" in env.problems["REDIS_URL"]


@pytest.mark.parametrize(
    "query",
    [
        "ssl_cert_reqs=none",
        "ssl_cert_reqs=CERT_NONE",
        "ssl_check_hostname=false",
        "ssl_ca_certs=/tmp/ca.pem",
        "SSL_CERT_REQS=none",
    ],
)
def test_redis_scheme__tls_options_in_the_url_query_are_refused(query):
    """redis-py applies URL options over CONNECTION_POOL_KWARGS: ?ssl_cert_reqs=none would undo verification."""
    url = f"rediss://default:{SECRET_TOKEN}@cache.example.com:6379/0?{query}"
    with pytest.raises(ImproperlyConfigured) as excinfo:
        build_settings(cache_settings, env=Env({"REDIS_URL": url}))
    message = str(excinfo.value)
    assert "REDIS_URL: has ssl_" in message
    assert "REDIS_SSL_CERT_REQS" in message
    assert SECRET_TOKEN not in message


def test_celery_settings__tls_query_on_the_broker_names_the_broker_variable():
    env = Env({"CELERY_BROKER_URL": f"rediss://:{SECRET_TOKEN}@h:6379/0?ssl_cert_reqs=CERT_NONE"})
    with pytest.raises(ImproperlyConfigured) as excinfo:
        build_settings(celery_settings, env=env)
    assert "CELERY_BROKER_URL: has ssl_cert_reqs" in str(excinfo.value)
    assert SECRET_TOKEN not in str(excinfo.value)


def test_celery_settings__tls_query_inherited_from_redis_url_names_redis_url():
    env = Env({"REDIS_URL": "rediss://h:6379/0?ssl_cert_reqs=none", "CELERY_USE_REDIS_URL": "true"})
    with pytest.raises(ImproperlyConfigured) as excinfo:
        build_settings(celery_settings, env=env)
    assert "REDIS_URL: has ssl_cert_reqs" in str(excinfo.value)
    assert "CELERY_BROKER_URL" not in str(excinfo.value)


def test_redis_scheme__harmless_query_options_are_kept():
    env = Env({})
    assert redis_scheme(env, "REDIS_URL", "rediss://h:6379/0?health_check_interval=30") == "rediss"
    assert env.problems == {}
