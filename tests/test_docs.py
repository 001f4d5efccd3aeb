"""The README's variable reference and .env.example are generated from the registry: no drift."""

from __future__ import annotations

from modestwear_config import docs
from modestwear_config.registry import VARIABLES
from tests.support.servers import EXAMPLE_PROJECT, ROOT


def test_reference_table__readme_matches_registry():
    readme = (ROOT / "README.md").read_text()
    assert docs.replace_reference(readme) == readme, "run: python -m modestwear_config.docs --write"


def test_env_example__matches_registry():
    assert (EXAMPLE_PROJECT / ".env.example").read_text() == docs.env_example(), (
        "run: python -m modestwear_config.docs --write"
    )


def test_reference_table__lists_every_variable_once():
    table = docs.reference_table()
    for var in VARIABLES:
        assert table.count(f"| `{var.name}` |") == 1, var.name


def test_env_example__enables_nothing():
    lines = [line for line in docs.env_example().splitlines() if line.strip()]
    assert all(line.startswith("#") for line in lines)


def test_env_example__never_holds_a_real_secret_default():
    for var in VARIABLES:
        if var.secret:
            assert var.default in (None, "", ()), var.name
