"""The start-up error, as data: commands read ``.problems`` instead of parsing the text."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured as DjangoImproperlyConfigured


class ImproperlyConfigured(DjangoImproperlyConfigured):
    """Every problem the reader found, variable -> message; the text names each and never a value.

    Django's exception, with the problems as data (``.problems``): commands read them instead of
    parsing the text, and a traceback still reads "ImproperlyConfigured: Invalid environment ...".
    """

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems: dict[str, str] = dict(sorted(problems.items()))
        super().__init__("Invalid environment configuration:\n" + problem_lines(self.problems) + "\n" + DOCTOR_HINT)


DOCTOR_HINT = (
    "Every variable, its source and these problems: python -m modestwear_config.doctor "
    "(or manage.py config, which answers despite them)."
)


def problem_lines(problems: Mapping[str, str]) -> str:
    return "\n".join(f"  {name}: {message}" for name, message in sorted(problems.items()))


def announcement(problems: Mapping[str, str]) -> str:
    """What the settings import writes to stderr before raising: the problems first, not after the
    traceback of every import between the settings module and the reader."""
    return (
        f"modestwear_config: the settings cannot load, {len(problems)} variable(s) are invalid:\n"
        f"{problem_lines(problems)}\n{DOCTOR_HINT}\n"
    )
