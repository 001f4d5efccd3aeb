"""Which application the server serves: the project's, whatever its module is called.

startproject's ``mysite``, cookiecutter-django's ``config`` (settings in ``config/settings/``) or
ours (``core``): the module comes from WSGI_APPLICATION or ASGI_APPLICATION when set, else from
the settings module (DJANGO_SETTINGS_MODULE, else the default manage.py sets) by looking for
``wsgi``/``asgi`` beside it and in each package above it.  deploy.sh asks for it before migrate, so
a project it cannot find stops there with one line naming what is missing.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from modestwear_config.env import Env
from modestwear_config.env.files import module_path

SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"
VARIABLES = {"wsgi": "WSGI_APPLICATION", "asgi": "ASGI_APPLICATION"}


class ApplicationNotFound(Exception):
    """The application cannot be found; the message names what to set (never a value of a secret)."""


def application(env: Env, interface: str, project: Path) -> str:
    """The application to serve as gunicorn spells it ("mysite.wsgi:application")."""
    variable = VARIABLES[interface]
    given = (env(variable) or "").strip()
    if given:
        module, _, attribute = given.replace(":", ".").rpartition(".")
        if not (module and attribute.isidentifier() and _importable(module)):
            raise ApplicationNotFound(
                f"{variable} names a module that cannot be imported from {project}: expected a dotted path "
                f"like mysite.{interface}.application"
            )
        return f"{module}:{attribute}"
    settings = env.environ.get(SETTINGS_VARIABLE, "").strip() or settings_from_manage_py(project / "manage.py")
    if not settings:
        raise ApplicationNotFound(
            f"{SETTINGS_VARIABLE} is not set and {project / 'manage.py'} sets no default: set "
            f"{SETTINGS_VARIABLE} (like mysite.settings) or {variable} (like mysite.{interface}.application)"
        )
    candidates = _candidates(settings, interface)
    for module in candidates:
        if _importable(module):
            return f"{module}:application"
    raise ApplicationNotFound(
        f"no {interface} module beside the settings {settings} (looked for {', '.join(candidates)}): set "
        f"{variable} to the project's application, like mysite.{interface}.application"
    )


def _candidates(settings: str, interface: str) -> list[str]:
    """mysite.settings -> mysite.wsgi; config.settings.production -> config.settings.wsgi, config.wsgi."""
    parts = settings.split(".")
    return [".".join([*parts[:depth], interface]) for depth in range(len(parts) - 1, 0, -1)] or [interface]


def _importable(module: str) -> bool:
    """Whether `module` is there, looked up without importing the project's packages (gunicorn's master
    loads this: mysite/__init__.py often loads Celery)."""
    return module in sys.modules or module_path(module) is not None


def settings_from_manage_py(manage_py: Path) -> str:
    """The default startproject's manage.py gives: ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")``.

    Read, never run (running it would start a command).  "" when there is no such line.
    """
    try:
        tree = ast.parse(manage_py.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return ""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args)
            and node.args[0].value == SETTINGS_VARIABLE  # type: ignore[attr-defined]
        ):
            return str(node.args[1].value)  # type: ignore[attr-defined]
    return ""
