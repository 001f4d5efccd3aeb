"""The registry: every variable declared once, consistently, and read by the concern that owns it."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from modestwear_config import BUILDERS
from modestwear_config.concerns import CONCERNS, VARIABLES
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.env import BY_NAME, Env, Variable
from modestwear_config.env.variables import Kind

# Concerns whose variables are read outside the settings builders (at request or command time).
READ_ELSEWHERE = {"superuser", "gunicorn"}  # read by ensure_superuser and gunicorn.py, not by a builder
DEFAULT_TYPES = {"str": str, "bool": bool, "int": int, "float": (int, float), "list": tuple, "url": str, "path": str}


def test_registry__names_unique_and_upper_case():
    names = [var.name for var in VARIABLES]
    assert len(names) == len(set(names)) == len(BY_NAME)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in names)


def test_registry__no_name_collides_with_a_file_variant():
    secrets = {var.name for var in VARIABLES if var.secret}
    assert not {f"{name}_FILE" for name in secrets} & set(BY_NAME)


@pytest.mark.parametrize("var", VARIABLES, ids=lambda v: v.name)
def test_registry__declaration_is_consistent(var: Variable):
    assert var.kind in get_args(Kind)
    assert var.concern in {c.name for c in CONCERNS}
    assert var.description.endswith((".", ")"))
    if var.default is not None:
        assert isinstance(var.default, DEFAULT_TYPES[var.kind])
    if var.choices and var.kind == "url":  # names accepted besides URLs (Celery's django-db): none a URL
        assert var.default is None and not any("://" in choice for choice in var.choices)
    elif var.choices:
        assert var.kind == "str" and var.default in var.choices
    if var.minimum is not None or var.maximum is not None:
        assert var.kind in ("int", "float")
    if var.minimum is not None and isinstance(var.default, (int, float)):
        assert var.default >= var.minimum
    if var.maximum is not None and isinstance(var.default, (int, float)):
        assert var.default <= var.maximum
    if var.secret:
        assert var.default in (None, "", ())  # never a real secret as a default
    assert isinstance(var.shown_default, str)


@pytest.mark.parametrize("var", [v for v in VARIABLES if v.default not in (None, (), "")], ids=lambda v: v.name)
def test_registry__documented_default_reads_back_as_the_default(var: Variable):
    env = Env({var.name: var.shown_default})
    value = env(var.name)
    assert env.problems == {}
    assert (tuple(value) if isinstance(value, list) else value) == var.default


def test_registry__shown_default_forms():
    assert Variable("A", "bool", "core", "x.", True).shown_default == "true"
    assert Variable("A", "bool", "core", "x.", False).shown_default == "false"
    assert Variable("A", "list", "core", "x.", ()).shown_default == "empty"
    assert Variable("A", "list", "core", "x.", ("a", "b")).shown_default == "a,b"
    assert Variable("A", "str", "core", "x.").shown_default == "unset"
    assert Variable("A", "int", "core", "x.", 3, default_doc="derived").shown_default == "derived"


def test_registry__every_settings_variable_is_read_by_the_builders(tmp_path):
    """A declared variable nothing reads would be a setting that silently does nothing."""
    env = Env(
        {
            "DEBUG": "true",
            "BASE_DIR": str(tmp_path),
            "REDIS_URL": "rediss://h:6379/0",
            "EMAIL_HOST": "smtp.example.com",
            "CLOUDINARY_URL": "cloudinary://k:s@c",
        }
    )
    build_settings(*BUILDERS, env=env)
    expected = {v.name for v in VARIABLES if v.concern not in READ_ELSEWHERE} - {"ENV_FILE"}  # read by from_os
    assert expected - set(env.sources) == set()
