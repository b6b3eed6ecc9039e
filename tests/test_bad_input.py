"""Bad input on the thin path: a clear one-line message naming file, row and field; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import table_counts
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

runner = CliRunner()


def _invoke(engine: Engine, *args: str) -> tuple[int, str]:
    env = {"NAERING_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    res = runner.invoke(app, list(args), env=env)
    return res.exit_code, res.output


def _site_counts(engine: Engine) -> dict[str, int]:
    counts = table_counts(engine)
    return {t: counts[t] for t in ("site", "site_history", "site_match")}


def test_not_geodata(clean_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "notes.geojson"
    path.write_text("Dette er et referat, ikke geodata.\nLinje to.\n", encoding="utf-8")
    before = table_counts(clean_engine)
    code, out = _invoke(clean_engine, "submit", str(path), "--kommune", "3203", "--lang", "en")
    assert code == 4
    assert "notes.geojson" in out
    assert table_counts(clean_engine) == before


def test_geometry_outside_norway(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, "3203")
    inside = to_lonlat(square_25833(x, y, 100))
    outside = shapely.Polygon([(2.35, 48.85), (2.36, 48.85), (2.36, 48.86), (2.35, 48.85)])  # Paris
    path = write_geojson(tmp_path / "paris.geojson", [(outside, site_props(1, "3203"))])
    before = _site_counts(clean_engine)
    code, out = _invoke(clean_engine, "submit", str(path), "--kommune", "3203", "--lang", "en")
    assert code == 4
    assert "paris.geojson, row 1, field 'geometry'" in out and "outside Norway" in out
    assert _site_counts(clean_engine) == before
    # With a good row beside it, the good row loads and the bad one is named (non-zero exit).
    path2 = write_geojson(
        tmp_path / "mixed.geojson", [(inside, site_props(1, "3203")), (outside, site_props(2, "3203"))]
    )
    code, out = _invoke(clean_engine, "submit", str(path2), "--kommune", "3203", "--lang", "en")
    assert code == 3
    assert "mixed.geojson, row 2, field 'geometry'" in out
    assert _site_counts(clean_engine)["site"] == 1


def test_unknown_kommune_number(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, "3203")
    path = write_geojson(
        tmp_path / "ukjent.geojson", [(to_lonlat(square_25833(x, y, 100)), site_props(1, "9999"))]
    )
    before = _site_counts(clean_engine)
    code, out = _invoke(clean_engine, "submit", str(path), "--kommune", "3203", "--lang", "en")
    assert code == 4
    assert "ukjent.geojson, row 1, field 'kommune_nr'" in out and "9999" in out
    assert _site_counts(clean_engine) == before
    code, out = _invoke(clean_engine, "submit", str(path), "--kommune", "9999")
    assert code == 4 and "9999" in out
    assert _site_counts(clean_engine) == before


@pytest.mark.parametrize(("old", "new"), [("3025", "3203"), ("3005", "3301")])
def test_old_kommune_number_is_mapped_with_warning(
    clean_engine: Engine, tmp_path: Path, old: str, new: str
) -> None:
    x, y = anchor_25833(clean_engine, new)
    path = write_geojson(
        tmp_path / "gammel.geojson", [(to_lonlat(square_25833(x, y, 100)), site_props(1, old))]
    )
    code, out = _invoke(clean_engine, "submit", str(path), "--kommune", old, "--lang", "en")
    assert code == 3  # loaded, with a warning
    assert "kommune-old-number" in out and "row 1, field 'kommune_nr'" in out
    counts = _site_counts(clean_engine)
    assert counts["site"] == 1
    with clean_engine.connect() as conn:
        assert conn.execute(text("SELECT kommune_nr FROM site")).scalar_one() == new
