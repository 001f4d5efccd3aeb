"""The package's shape: one concern one module, everything derived from CONCERNS, no cycles, no face imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from modestwear_config import Variable, declare
from modestwear_config.concerns import CONCERNS, VARIABLES, build_all
from modestwear_config.concerns.compose import Rank
from modestwear_config.concerns.unit import Concern, Placed, no_settings
from modestwear_config.env import BY_NAME, REGISTRY, Env, ImproperlyConfigured, variables_of

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "modestwear_config"
MAX_LINES = 300
# Modules of concerns/ that are not a concern: the unit, its assembly, and helpers two concerns share.
CONCERN_INFRASTRUCTURE = {
    "__init__",
    "unit",
    "compose",
    "assemble",
    "project",
    "redis_tls",
    "mail_providers",
    "db_pool",
    "cache_aliases",
    "platform_facts",
    "celery_idle",
    "libpq_options",
    "celery_urls",
}
# Public paths kept where users write them: modestwear_config.celery (core/celery.py's app factory).
SHARED_NAMES_ALLOWED = {"__init__", "__main__", "celery"}
LONG_MODULES_ALLOWED: set[str] = set()


def modules() -> dict[str, Path]:
    return {
        ".".join(("modestwear_config", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): path
        for path in PACKAGE.rglob("*.py")
    }


def imports_of(name: str, path: Path) -> set[str]:
    """Every module of the package that `path` imports, at any depth of the code (functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}".rstrip(".")
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith("modestwear_config")}


def test_architecture__no_module_imports_the_package_face():
    known = modules()
    for name, path in known.items():
        if name == "modestwear_config":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "modestwear_config":
                assert all(f"modestwear_config.{a.name}" in known for a in node.names), f"{name} imports the face"
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module:
                assert path.name != "__init__.py" or name != "modestwear_config"


def test_architecture__no_import_cycles():
    known = modules()
    graph = {name: {m for m in imports_of(name, path) if m in known and m != name} for name, path in known.items()}
    # A package's face only hands its modules' names on: importing a.b runs a, so edges to a face are not followed.
    graph = {name: {m for m in deps if known[m].name != "__init__.py"} for name, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*trail[trail.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])


def test_architecture__no_shared_names_and_no_standard_library_shadowed():
    names: dict[str, list[str]] = {}
    # A management command's module is named by its command (`manage.py health`): Django's rule, not ours.
    for name in (n for n in modules() if ".management.commands." not in n):
        names.setdefault(name.rpartition(".")[2], []).append(name)
    shared = {short: where for short, where in names.items() if len(where) > 1 and short not in SHARED_NAMES_ALLOWED}
    assert shared == {}
    assert not set(names) & set(sys.stdlib_module_names) - {"__init__", "__main__"}


def test_architecture__small_modules():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert set(long) <= LONG_MODULES_ALLOWED, long


def test_concerns__each_module_of_concerns_is_a_listed_concern():
    """A concern module that is not in CONCERNS would be built by nobody, documented nowhere."""
    listed = {sys.modules[c.build.__module__].__name__ for c in CONCERNS if c.build is not no_settings}
    listed |= {f"modestwear_config.concerns.{c.name}" for c in CONCERNS}
    for path in (PACKAGE / "concerns").glob("*.py"):
        if path.stem in CONCERN_INFRASTRUCTURE:
            continue
        module = f"modestwear_config.concerns.{path.stem}"
        concern = getattr(sys.modules.get(module) or __import__(module, fromlist=["CONCERN"]), "CONCERN", None)
        assert isinstance(concern, Concern) and concern in CONCERNS, f"{module}: no CONCERN listed in CONCERNS"


def test_concerns__registry_is_the_concerns_variables():
    assert [v.name for v in VARIABLES] == [v.name for c in CONCERNS for v in c.variables]
    assert set(REGISTRY.builtin) == {v.name for v in VARIABLES}
    assert all(BY_NAME[v.name] is v for v in VARIABLES)


def test_concern__a_new_one_is_one_declaration(tmp_path):
    """What a later issue's concern costs: its module's declaration, and its middleware takes its place."""
    V = variables_of("example")
    example = Concern(
        name="example",
        doc="An example concern.",
        variables=(),
        build=lambda env: {"EXAMPLE_ON": True},
        middleware=(Placed("example.middleware.HeadersMiddleware", Rank.CSP),),
    )
    with pytest.raises(ValueError, match="another concern"):
        Concern("example", "", (Variable("X_Y", "str", "core", "x"),), no_settings)
    from modestwear_config.concerns.assemble import build_settings

    built = build_settings(*CONCERNS, example, env=Env({"DEBUG": "true", "BASE_DIR": str(tmp_path)}))
    middleware = built["MIDDLEWARE"]
    assert built["EXAMPLE_ON"] is True
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware.index("example.middleware.HeadersMiddleware") > security
    assert middleware.index("example.middleware.HeadersMiddleware") < middleware.index(
        "corsheaders.middleware.CorsMiddleware"
    )
    assert V("EXAMPLE_FLAG", "bool", "A flag.", False).concern == "example"


def test_concern__built_alone_never_replaces_the_lists(tmp_path):
    from modestwear_config.concerns import readiness as health
    from modestwear_config.concerns.assemble import build_settings

    alone = build_settings(health.CONCERN, env=Env({"BASE_DIR": str(tmp_path)}))
    assert not {"MIDDLEWARE", "INSTALLED_APPS", "TEMPLATES"} & set(alone)


def test_configuration_error__carries_problems_as_data(tmp_path):
    with pytest.raises(ImproperlyConfigured) as raised:
        build_all(Env({"DEBUG": "maybe", "REDIS_URL": "nope", "BASE_DIR": str(tmp_path)}))
    # DEBUG falls back to off: production's required variables are named too.
    assert set(raised.value.problems) == {"DEBUG", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    assert all(name in str(raised.value) for name in raised.value.problems)


def test_registry__sealed_once_the_settings_in_force_are_built(monkeypatch, tmp_path):
    monkeypatch.setattr(REGISTRY, "sealed", False)
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    saved = dict(BY_NAME)
    try:
        late = Variable("SHOP_LATE_FLAG", "bool", "shop", "Declared too late.", False)
        build_all()  # from the process environment: the settings in force
        assert REGISTRY.sealed
        with pytest.raises(ValueError, match="SHOP_LATE_FLAG is declared after the settings were built"):
            declare(late)
        declare(BY_NAME["DEBUG"])  # the same definition again stays harmless
    finally:
        BY_NAME.clear()
        BY_NAME.update(saved)
