"""CELERY_RESULT_BACKEND named without a URL, as Celery allows (rpc, disabled, and django-celery-results'
django-db and django-cache): accepted, resolved by Celery to its backend, shown by the doctor, never scrubbed."""

from __future__ import annotations

import importlib.util
import io
import logging

import pytest
from celery.app.backends import by_url

from modestwear_config.components.log_formatters import RedactingFormatter
from modestwear_config.concerns import build_all
from modestwear_config.concerns.celery import DJANGO_CELERY_RESULTS, VARIABLES
from modestwear_config.doctor import report as doctor
from modestwear_config.env import Env, ImproperlyConfigured
from modestwear_config.scrub.scrubber import Scrubber

BROKER = "redis://127.0.0.1:6379/0"
NAMES = next(v for v in VARIABLES if v.name == "CELERY_RESULT_BACKEND").choices
EXPECTED_CLASS = {
    "rpc": "RPCBackend",
    "disabled": "DisabledBackend",
    "django-db": "DatabaseBackend",
    "django-cache": "CacheBackend",
}


@pytest.mark.parametrize("name", NAMES)
def test_named_backend__built_and_resolved_by_celery(name, settings):
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_celery_results"]  # its backends import its models
    env = Env({"DEBUG": "true", "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": f" {name} "})
    backend = build_all(env)["CELERY_RESULT_BACKEND"]
    assert backend == name
    cls, url = by_url(backend)
    assert cls.__name__ == EXPECTED_CLASS[name]
    if name in DJANGO_CELERY_RESULTS:
        assert cls.__module__.startswith("django_celery_results")


@pytest.mark.parametrize("name", NAMES)
def test_named_backend__shown_by_the_doctor_and_never_scrubbed(name):
    env = Env(
        {
            "DEBUG": "true",
            "CELERY_BROKER_URL": f"redis://:broker-pw-{'q' * 12}@cache:6379/0",
            "CELERY_RESULT_BACKEND": name,
        }
    )
    out = io.StringIO()
    doctor.render(doctor.diagnose(env), False, out)
    line = next(line for line in out.getvalue().splitlines() if "CELERY_RESULT_BACKEND " in line)
    assert f" {name} " in line
    formatter = RedactingFormatter("%(message)s", scrubber=Scrubber(env.secret_values()))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "results in %s", (name,), None)
    assert formatter.format(record) == f"results in {name}"


@pytest.mark.parametrize("value", ["django_db", "DJANGO-DB", "rpc:", "db", "redis"])
def test_other_words__still_need_a_url(value):
    with pytest.raises(ImproperlyConfigured, match="CELERY_RESULT_BACKEND: expected a URL"):
        build_all(Env({"DEBUG": "true", "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": value}))


@pytest.mark.parametrize("name", DJANGO_CELERY_RESULTS)
def test_django_celery_results_missing__a_startup_error_naming_the_variable(name, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda module, *a: None if module == "django_celery_results" else real(module, *a)
    )
    with pytest.raises(ImproperlyConfigured, match=f"CELERY_RESULT_BACKEND: {name} needs django-celery-results"):
        build_all(Env({"DEBUG": "true", "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": name}))
