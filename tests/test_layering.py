"""The house holds: cli/api → services → (etl, store) → db, with no arrow back and no cycle.

Imports are read from the source (every `import` and `from … import`, at any depth of the module), so a
late import inside a function counts too. etl is also imported for real, in a fresh interpreter, to
prove it pulls in no database library at all, not even indirectly.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "cli", "etl", "maps", "schemas", "registry")
DATABASE_LIBRARIES = ("sqlalchemy", "geoalchemy2", "psycopg", "alembic")
SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY)\s", re.M)


def _modules() -> dict[str, Path]:
    """Every runtime module of the project (migrations are Alembic's, not imported by the app)."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            # `from registry import db` imports the module registry.db
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _project_imports(path: Path) -> set[str]:
    return {m for m in _imports(path) if m in MODULES}


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


# (modules the rule is about, what they must not import, why)
RULES: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("etl",), ("registry", "api", "cli", "maps", *DATABASE_LIBRARIES), "etl is pure: files in, rows out"),
    (("schemas",), ("registry", "api", "cli", "etl", "maps", *DATABASE_LIBRARIES), "declarations only"),
    (("maps",), ("registry", "api", "cli", "etl", *DATABASE_LIBRARIES), "maps draw data they are given"),
    (("registry.store",), ("registry.services", "registry.enrich", "api", "cli", "etl"), "store is a floor"),
    (("registry.services",), ("api", "cli"), "services are called, they do not call up"),
    (("api",), ("etl", "registry.store", "registry.models", "cli"), "routes call services only"),
    (("cli",), ("etl", "registry.store", "registry.models"), "the CLI calls services only"),
    (
        ("registry.db", "registry.models", "registry.localdb", "registry.attribution", "registry.enrich"),
        ("registry.services", "api", "cli", "etl"),
        "the core's lower floors never import its upper ones",
    ),
    (("registry.settings",), PACKAGES, "settings import nothing of the project"),
)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_runtime_module_imports(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize(("owners", "forbidden", "why"), RULES, ids=[r[2] for r in RULES])
def test_layer_rule(owners: tuple[str, ...], forbidden: tuple[str, ...], why: str) -> None:
    broken = sorted(
        f"{module} imports {imported}"
        for module, path in MODULES.items()
        if _under(module, *owners)
        for imported in set(_imports(path))
        if _under(imported, *forbidden)
    )
    assert broken == [], why


def test_nothing_imports_the_cli() -> None:
    importers = sorted(
        module
        for module, path in MODULES.items()
        if not _under(module, "cli") and any(_under(m, "cli") for m in _project_imports(path))
    )
    assert importers == []


def test_no_import_cycles() -> None:
    graph = {module: _project_imports(path) - {module} for module, path in MODULES.items()}
    # A package's __init__ is imported by its modules implicitly; edges to it are not cycles of ours.
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    graph = {m: {d for d in deps if d not in packages} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*trail[trail.index(dep) :], dep] if dep in trail else [node, dep])
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_etl_loads_no_database_library() -> None:
    """Import all of etl in a fresh interpreter: no database library may end up loaded."""
    etl_modules = [m for m in MODULES if _under(m, "etl")]
    code = (
        "import importlib, sys\n"
        f"for m in {etl_modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {DATABASE_LIBRARIES!r} or "
        "m.split('.')[0] in ('registry', 'api', 'cli'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _sql_strings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "text"
        ):
            yield node.lineno, "text(...)"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
            yield node.lineno, node.value.strip()[:40]


def test_sql_lives_only_in_the_database_layer() -> None:
    """Runtime SQL is in registry/store; the engine (`set_config`) and the local cluster keep their own."""
    allowed = ("registry.store", "registry.db", "registry.models", "registry.localdb")
    found = sorted(
        f"{module}:{line} {what}"
        for module, path in MODULES.items()
        if not _under(module, *allowed)
        for line, what in _sql_strings(path)
    )
    assert found == []
