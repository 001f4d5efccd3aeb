"""pyproject.toml against what CI runs: classifiers and ranges say exactly the supported matrix,
every requirement has the one floor the lowest pair installs, the version is declared once."""

from __future__ import annotations

import importlib.metadata
import re

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import modestwear_config
from tests.support.matrix import MATRIX, ROOT, floor_constraints, floors, project, requirements


def test_matrix__lowest_and_newest_pairs_run_everything():
    assert MATRIX[min(MATRIX)] == ("lowest", "all")
    assert MATRIX[max(MATRIX)] == ("newest", "all")
    assert {dependencies for dependencies, _ in MATRIX.values()} == {"lowest", "newest"}


def test_classifiers__every_supported_python_and_django_and_nothing_else():
    classifiers = project()["classifiers"]
    pythons = {
        c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    djangos = {c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Framework :: Django :: \d+\.\d+", c)}
    assert pythons == {python for python, _ in MATRIX}
    assert djangos == {django for _, django in MATRIX}


def test_ranges__admit_every_pair_of_the_matrix():
    meta = project()
    requires_python = SpecifierSet(meta["requires-python"])
    (django,) = [r.specifier for r in requirements() if r.name == "django"]
    for python, django_version in MATRIX:
        assert Version(f"{python}.0") in requires_python
        assert Version(f"{django_version}.0") in django and Version(f"{django_version}.99") in django
    assert Version(f"{min(MATRIX)[0]}.0") == Version(min(requires_python).version)  # type: ignore[type-var]
    assert Version("5.1.15") not in django  # 5.1 left support in December 2025
    assert Version("6.2a1") in django.__class__(str(django), prereleases=True)  # the next release's pre-release
    assert Version("7.0") not in django  # removes what 6.x deprecates


def test_floors__one_per_requirement_and_the_lowest_pair_pins_them_all():
    found = floors()
    assert set(found) == {r.name for r in requirements()}
    lines = floor_constraints().splitlines()
    assert len(lines) == len(found)
    assert f"django=={found['django']}" in lines


@pytest.mark.parametrize(
    ("requirement", "problem"),
    [
        ("redis", "needs exactly one lower bound"),
        ("redis<8", "needs exactly one lower bound"),
        ("redis>=7.2,>=7.3", "needs exactly one lower bound"),
    ],
)
def test_floors__a_requirement_without_one_floor_is_refused(tmp_path, requirement, problem):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[project]\nname = "x"\ndependencies = ["{requirement}"]\n[project.optional-dependencies]\n')
    with pytest.raises(ValueError, match=problem):
        floors(pyproject)


def test_floors__two_floors_for_one_package_are_refused(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["redis>=7.2"]\n'
        '[project.optional-dependencies]\nextra = ["redis>=7.3"]\n'
    )
    with pytest.raises(ValueError, match="two different floors"):
        floors(pyproject)


def test_floors__library_takes_psycopg_without_a_libpq_build():
    """psycopg's maintainers ask libraries for plain psycopg; the binary build is an application's choice."""
    extras = project()["optional-dependencies"]
    assert [r for r in extras["postgres"] if "[binary]" in r or "[c]" in r] == []
    assert any(r.startswith("psycopg[binary]") for r in extras["postgres-binary"])
    assert "postgres-binary" in extras["test"][0] and "postgres-binary" not in extras["all"][0]


def test_version__declared_once_in_pyproject():
    assert modestwear_config.__version__ == importlib.metadata.version("modestwear_config") == project()["version"]
    literal = re.compile(r"""__version__\s*=\s*["']""")
    assert [p for p in (ROOT / "src").rglob("*.py") if literal.search(p.read_text())] == []


def test_license__spdx_expression_and_file_shipped():
    meta = project()
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert not any(c.startswith("License ::") for c in meta["classifiers"])  # PEP 639: the expression only


def test_changelog__unreleased_then_one_section_per_release():
    headings = re.findall(r"^## (.+)$", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings[0] == "Unreleased"
    for heading in headings[1:]:
        assert re.fullmatch(r"\d+\.\d+\.\d+ - \d{4}-\d{2}-\d{2}", heading), heading
