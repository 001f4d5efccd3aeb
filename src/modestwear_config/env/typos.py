"""Environment variables that look like a declared one but are read by nobody (DATABSE_URL).

Only names are compared, never values.  A name is suspect when it is one edit (two for long
names) away from a declared name, differs only in case, or is a declared name with a common
prefix (DJANGO_TIME_ZONE); an alias (DJANGO_DEBUG is DEBUG's) is read, so never one.  The usual environment of shells, CI and platforms is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from .variables import ALIASES, BY_NAME

PREFIXES = ("DJANGO_", "MODESTWEAR_", "APP_")
# Set by shells, Python, CI and platforms: never a typo of ours, whatever they look like.
IGNORED_PREFIXES = (
    # The platforms' own (concerns/platform_facts.py): each sets many more than the library reads.
    "RENDER_",
    "FLY_",
    "RAILWAY_",
    "HEROKU_",
    "K_",
    "WEBSITE",
    "KOYEB_",
    "PYTHON",
    "PIP_",
    "VIRTUAL_ENV",
    "LC_",
    "XDG_",
    "SSH_",
    "GIT_",
    "GITHUB_",
    "RUNNER_",
    "CI_",
    "HOMEBREW_",
    "NPM_",
    "NODE_",
    "PYENV",
    "CONDA",
    "DBUS_",
    "KUBERNETES_",
    "AWS_",
    "GUNICORN_CMD",
    "CELERY_WORKER_",
    "SERVER_SOFTWARE",
)
IGNORED = frozenset(
    {
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_CONFIGURATION",
        "HOME",
        "PATH",
        "PWD",
        "OLDPWD",
        "USER",
        "LOGNAME",
        "SHELL",
        "TERM",
        "LANG",
        "LANGUAGE",
        "TZ",
        "HOSTNAME",
        "HOST",
        "SHLVL",
        "TMPDIR",
        "TEMP",
        "TMP",
        "MAIL",
        "EDITOR",
        "PAGER",
        "DISPLAY",
        "RENDER",
        "IS_PULL_REQUEST",
        "CI",
        "DEBIAN_FRONTEND",
        "PORTS",
        "SOURCE_DATE_EPOCH",
    }
)
MIN_FUZZY_LENGTH = 5  # shorter names (PORT, TZ) are too close to too much


def suggestions(names: Iterable[str]) -> dict[str, str]:
    """Undeclared name -> the declared name it probably meant, for each suspect name."""
    found: dict[str, str] = {}
    for name in sorted(names):
        if _declared(name) or name.upper() in IGNORED or name.upper().startswith(IGNORED_PREFIXES):
            continue
        meant = closest(name)
        if meant:
            found[name] = meant
    return found


def _declared(name: str) -> bool:
    """A declared name, a secret's NAME_FILE (or its alias's), or an alias (DJANGO_DEBUG is read as DEBUG: no typo)."""
    base = name.removesuffix("_FILE")
    var = BY_NAME.get(ALIASES.get(base, base))
    return name in BY_NAME or name in ALIASES or (var is not None and var.secret)


def closest(name: str) -> str | None:
    """The declared name `name` probably meant (an alias's misspelling leads to the name it stands for)."""
    upper = name.upper()
    for candidate in (upper, *(upper.removeprefix(p) for p in PREFIXES if upper.startswith(p))):
        if candidate in BY_NAME or candidate in ALIASES:
            return ALIASES.get(candidate, candidate)
    if len(upper) < MIN_FUZZY_LENGTH:
        return None
    limit = 1 if len(upper) < 10 else 2
    best = min((*BY_NAME, *ALIASES), key=lambda declared: distance(upper, declared))
    return ALIASES.get(best, best) if distance(upper, best) <= limit else None


def distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
