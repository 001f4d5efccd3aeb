"""The porting assistant on settings that are not ours: startproject's, a cookiecutter-shaped
settings package, and generated modules holding secrets in code."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modestwear_config.doctor.porting import GROUPS, port, port_file, provided_settings, render_porting
from tests.support.servers import ROOT

COOKIE = ROOT / "tests" / "port_samples" / "cookie" / "config" / "settings"


class Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text


def rendered(path: Path) -> str:
    out = Out()
    render_porting(port(path), out)
    return out.text


@pytest.fixture(scope="module")
def startproject(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("port")
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run([str(django_admin), "startproject", "blogsite"], cwd=root, check=True, timeout=60)
    return root / "blogsite" / "blogsite" / "settings.py"


def groups(path: Path) -> dict[str, set[str]]:
    (porting,) = port(path)
    return {g: {f.setting for f in getattr(porting, g)} for g in GROUPS}


def test_port__startproject_keeps_only_its_urls_and_application(startproject):
    found = groups(startproject)
    # TEMPLATES is the library's on 5.2; on 6.x the library's adds the CSP context processor, so it is kept
    # through merge_templates; STATIC_URL "static/" is not the library's "/static/" spelling.
    allowed = {"ROOT_URLCONF", "WSGI_APPLICATION", "STATIC_URL", "TEMPLATES"}
    assert {"ROOT_URLCONF", "WSGI_APPLICATION"} <= found["keep"] <= allowed
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASES", "INSTALLED_APPS", "MIDDLEWARE"} <= found["delete"]
    assert found["merge"] == set() and found["declare"] == set()
    text = rendered(startproject)
    secret_line = next(line for line in startproject.read_text().splitlines() if line.startswith("SECRET_KEY"))
    assert secret_line.split("=", 1)[1].strip().strip("'\"") not in text  # startproject's key is never echoed
    assert "read as a secret: delete it from the code, and set SECRET_KEY in the environment" in text


def test_port__settings_package_reads_base_before_production():
    portings = port(COOKIE)
    assert [Path(p.path).name for p in portings] == ["__init__.py", "base.py", "production.py"]


def test_port__cookiecutter_names_are_listed_to_set_or_rename_never_lost():
    """Each variable the project reads for a setting the library provides is named: to set (the
    library reads it, maybe as an alias) or to rename. None disappears silently."""
    portings = port(COOKIE)
    read_for_provided = {name for p in portings for f in p.delete for name in f.reads}
    named = {n for p in portings for n in (*p.variables_to_set(), *p.unknown_names())}
    assert read_for_provided == named
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "CONN_MAX_AGE", "DATABASE_URL", "MAILGUN_API_KEY"} <= named


def test_port__merge_suggestion_keeps_the_projects_apps_once_and_the_librarys_order():
    from modestwear_config import merge_apps, merge_middleware
    from modestwear_config.doctor.porting import _library_value

    (base,) = [p for p in port(COOKIE) if p.path.endswith("base.py")]
    results: dict[str, list[str]] = {}
    for setting in ("INSTALLED_APPS", "MIDDLEWARE"):
        (finding,) = [f for f in base.merge if f.setting == setting]
        library = list(_library_value(setting))
        namespace = {setting: library, "merge_apps": merge_apps, "merge_middleware": merge_middleware}
        exec(finding.advice, namespace)  # noqa: S102 - the line the assistant tells the user to write
        merged = namespace[setting]
        assert len(merged) == len(set(merged))
        assert [e for e in merged if e in library] == library  # the library's order kept
        results[setting] = merged
    assert {"allauth", "cookie.users", "django.contrib.sites", "rest_framework"} <= set(results["INSTALLED_APPS"])


def test_port__own_settings_read_from_the_environment_are_to_declare():
    found = {f.setting: f for p in port(COOKIE) for f in p.declare}
    assert found["ADMIN_URL"].reads == ("DJANGO_ADMIN_URL",)
    (production,) = [p for p in port(COOKIE) if p.path.endswith("production.py")]
    (sentry,) = [f for f in production.keep if f.setting == "SENTRY_DSN"]  # the library reads it now
    assert "the library reads SENTRY_DSN itself" in sentry.advice


def test_port__a_library_variable_read_for_an_own_setting_is_kept_with_a_note():
    (base,) = [p for p in port(COOKIE) if p.path.endswith("base.py")]
    (redis,) = [f for f in base.keep if f.setting == "REDIS_URL"]
    assert "the library reads REDIS_URL itself" in redis.advice


# -- never a value -----------------------------------------------------------------------------------
PROVIDED = sorted(provided_settings())
SECRETISH = st.text(string.ascii_letters + string.digits, min_size=12, max_size=30).map(lambda s: "cAnArY" + s)


@settings(max_examples=60, deadline=None)
@given(assignments=st.lists(st.tuples(st.sampled_from([*PROVIDED, "MY_OWN", "STRIPE_KEY"]), SECRETISH), max_size=12))
def test_port__property_no_value_written_in_the_settings_is_ever_printed(tmp_path_factory, assignments):
    module = tmp_path_factory.mktemp("generated") / "settings.py"
    lines = [f"{name} = {value!r}" for name, value in assignments]
    lines += [f"OWN_{i} = os.environ.get('OWN_VAR_{i}', {value!r})" for i, (_, value) in enumerate(assignments[:3])]
    module.write_text("import os\n" + "\n".join(lines) + "\n")
    text = rendered(module)
    for _, value in assignments:
        assert value not in text
    (porting,) = port(module)
    assert sum(len(getattr(porting, g)) for g in GROUPS) == len(lines)


# -- the commands -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_port__both_commands_print_the_same_and_refuse_what_is_not_python(tmp_path, startproject):
    from tests.support.servers import manage, project_env

    standalone = subprocess.run(
        [sys.executable, "-m", "modestwear_config.doctor", "--port", str(COOKIE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert standalone.returncode == 0, standalone.stderr
    managed = manage("config", "--port", str(COOKIE), env=project_env())
    assert managed.returncode == 0, managed.stderr
    assert managed.stdout == standalone.stdout
    broken = tmp_path / "settings.py"
    broken.write_text("SECRET_KEY = 'cAnArY-broken\n")
    refused = manage("config", "--port", str(broken), env=project_env())
    assert refused.returncode == 2
    assert "line 1 is not valid Python" in refused.stderr and "cAnArY" not in refused.stderr
    missing = manage("config", "--port", str(tmp_path / "nope.py"), env=project_env())
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_port__one_file_reads_without_importing_it(tmp_path):
    module = tmp_path / "settings.py"
    module.write_text("import a_module_that_does_not_exist\nDEBUG = True\nSITE_NAME = 'shop'\n")
    porting = port_file(module)
    assert [f.setting for f in porting.keep] == ["SITE_NAME"]


def test_port__a_block_the_library_replaces_never_hides_what_else_it_does(tmp_path):
    """bakerydemo's shape: an app appended inside a database branch is its own finding (merge), and
    values the project decided differently (AutoField, its own TEMPLATES) are kept, not deleted."""
    module = tmp_path / "settings.py"
    module.write_text(
        "import dj_database_url\n"
        "INSTALLED_APPS = ['django.contrib.admin', 'blog']\n"
        "DATABASES = {'default': dj_database_url.config()}\n"
        "if DATABASES['default']['ENGINE'] == 'django.db.backends.postgresql':\n"
        "    INSTALLED_APPS.append('django.contrib.postgres')\n"
        "DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n"
        "TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'DIRS': ['templates']}]\n"
        "MIDDLEWARE = ['whitenoise.middleware.WhiteNoiseMiddleware', 'django.middleware.locale.LocaleMiddleware']\n"
        "STATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'\n"
    )
    (porting,) = port(module)
    merged = {f.line: f.advice for f in porting.merge}
    assert merged[5] == 'INSTALLED_APPS = merge_apps(INSTALLED_APPS, ["django.contrib.postgres"])'
    assert "LocaleMiddleware" in merged[8] and merged[8].startswith("MIDDLEWARE = merge_middleware(MIDDLEWARE, [")
    assert {"DEFAULT_AUTO_FIELD", "TEMPLATES"} <= {f.setting for f in porting.keep}
    deleted = {f.setting: f.advice for f in porting.delete}
    assert deleted["DATABASES"].startswith("set DATABASE_URL")
    assert "Django removed it in 5.1" in deleted["STATICFILES_STORAGE"]


def test_port__star_imports_of_the_project_are_followed_once(tmp_path):
    """Styleguide's shape: config/django/base.py star-imports config/settings/*.py; each is read once,
    imported modules first, and a cycle ends."""
    (tmp_path / "config" / "settings").mkdir(parents=True)
    (tmp_path / "config" / "django").mkdir()
    (tmp_path / "config" / "settings" / "cors.py").write_text("CORS_ALLOW_ALL_ORIGINS = True\n")
    (tmp_path / "config" / "settings" / "loop.py").write_text("from config.django.base import *\nLOOP = 1\n")
    base = tmp_path / "config" / "django" / "base.py"
    base.write_text("from config.settings.cors import *\nfrom config.settings.loop import *\nSITE = 1\n")
    names = [Path(p.path).name for p in port(base)]
    assert names == ["cors.py", "loop.py", "base.py"]


def test_port__a_change_inside_a_provided_setting_is_kept_and_per_environment_policy_stays_there(tmp_path):
    """cookiecutter's DATABASES["default"]["ATOMIC_REQUESTS"] = True has no variable: deleting it would turn
    atomic requests off. production.py runs after base.py's import: its own policy stays in it."""
    (tmp_path / "base.py").write_text("DATABASES = {}\nDATABASES['default']['ATOMIC_REQUESTS'] = True\n")
    (tmp_path / "production.py").write_text("from .base import *\nSECURE_HSTS_SECONDS = 60\n")
    base, production = port(tmp_path)
    (atomic,) = [f for f in base.keep if f.line == 2]
    assert atomic.advice == "changes part of the library's DATABASES: keep it below the import"
    (hsts,) = production.keep
    assert "keep it here, below the import" in hsts.advice and "defaults(" not in hsts.advice
