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
        lines = [f"  {name}: {message}" for name, message in self.problems.items()]
        super().__init__("Invalid environment configuration:\n" + "\n".join(lines))
