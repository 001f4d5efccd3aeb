"""docs/reference.md and .env.example are generated from the concerns: no drift, nothing by hand."""

from __future__ import annotations

from modestwear_config.concerns import VARIABLES
from modestwear_config.doctor import docs
from tests.support.servers import EXAMPLE_PROJECT, ROOT


def test_reference__matches_the_concerns():
    assert (ROOT / docs.REFERENCE).read_text() == docs.reference(), f"run: {docs.COMMAND}"


def test_reference__every_check_id_of_the_ledger_once():
    from modestwear_config.concerns import check_ledger

    table = docs.checks_table()
    for check_id in check_ledger():
        assert table.count(f"| `{check_id}` |") == 1, check_id


def test_extras__pyproject_declares_exactly_the_concerns_extras():
    """Each concern's extra is an install in pyproject.toml, and .ci/extras runs every one of them."""
    import tomllib

    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    assert set(docs.extra_names()) == declared - {"all", "test"}
    ci_extras = ROOT / ".ci" / "extras"  # a checkout's (the sdist has no .ci/)
    assert not ci_extras.exists() or "modestwear_config.doctor.docs --extras" in ci_extras.read_text()


def test_extras__floors_are_pyprojects():
    """Each extra's floors (the start-up check of a driver installed outside the extra) are pyproject's."""
    import tomllib

    from modestwear_config.concerns import extras

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for extra in extras():
        assert set(extra.floors) == set(declared[extra.name]), extra.name


def test_env_example__matches_registry():
    assert (EXAMPLE_PROJECT / ".env.example").read_text() == docs.env_example(), f"run: {docs.COMMAND}"


def test_reference_table__lists_every_variable_once():
    table = docs.variables_table()
    for var in VARIABLES:
        assert table.count(f"| `{var.name}` |") == 1, var.name


def test_env_example__enables_nothing():
    lines = [line for line in docs.env_example().splitlines() if line.strip()]
    assert all(line.startswith("#") for line in lines)


def test_env_example__never_holds_a_real_secret_default():
    for var in VARIABLES:
        if var.secret:
            assert var.default in (None, "", ()), var.name


def _suggested(text: str) -> dict[str, str]:
    """NAME -> value of every `# NAME=value` line: what a reader gets by uncommenting it."""
    import re

    return dict(re.findall(r"^# ([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))


def test_env_example__every_suggested_line_reads_as_it_says_once_uncommented(tmp_path):
    """`# CACHE_KEY_PREFIX=empty` became the prefix "empty" once uncommented: each line, uncommented in a
    .env file, is read without a problem, and one that suggests no example gives the documented default."""
    from modestwear_config.env import BY_NAME, Env

    suggested = _suggested(docs.env_example())
    assert set(suggested) == {var.name for var in VARIABLES}
    for name, value in suggested.items():
        var = BY_NAME[name]
        if var.example.startswith("<"):  # a placeholder to replace (a generated key), not a value
            continue
        (tmp_path / ".env").write_text(f"{name}={value}\n")
        env = Env.with_dotenv({"ENV_FILE": str(tmp_path / ".env")})
        read = env(name)
        assert name not in env.problems, (name, value, env.problems)
        if not var.example and var.default is not None:
            expected = list(var.default) if isinstance(var.default, tuple) else var.default
            assert read == expected, (name, value, read)
