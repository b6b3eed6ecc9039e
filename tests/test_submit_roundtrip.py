"""The thin path end to end: a kommune file → PostGIS (EPSG:25833) → API (CRS84) → export."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import Engine, text

from api.app import create_app
from registry.db import session_factory
from registry.services.exports import write_sites_xlsx
from registry.services.submissions import EXIT_CLEAN, SubmitOptions, run_submission
from registry.settings import ServerSettings
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

GEOD = Geod(ellps="GRS80")


@pytest.fixture
def client(clean_engine: Engine) -> TestClient:
    app = create_app(
        ServerSettings(environment="test"), database_url=clean_engine.url.render_as_string(False)
    )
    return TestClient(app)


def _asker_file(engine: Engine, tmp_path: Path, n: int = 3) -> tuple[Path, list[shapely.Geometry]]:
    x, y = anchor_25833(engine, "3203")
    squares = [square_25833(x, y, 150 + 10 * i, dx=400 * i) for i in range(n)]
    lonlat = [to_lonlat(s) for s in squares]
    path = write_geojson(
        tmp_path / "asker.geojson", [(g, site_props(i + 1, "3203")) for i, g in enumerate(lonlat)]
    )
    return path, lonlat


def test_submit_geojson_4326_round_trip(clean_engine: Engine, client: TestClient, tmp_path: Path) -> None:
    path, lonlat = _asker_file(clean_engine, tmp_path)
    result = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3203"))
    assert not result.rejected, [i.one_line() for i in result.issues]
    assert result.rows_loaded == 3
    assert result.exit_code == EXIT_CLEAN, [i.one_line() for i in result.issues]

    with clean_engine.connect() as conn:
        srids = conn.execute(text("SELECT DISTINCT ST_SRID(geom_25833) FROM site")).scalars().all()
        statuses = conn.execute(text("SELECT DISTINCT status FROM site")).scalars().all()
    assert srids == [25833]
    assert statuses == ["published"]

    body = client.get("/api/v1/sites", params={"kommune": "3203", "limit": 10}).json()
    assert body["total"] == 3
    by_ref = {f["properties"]["reference"]: f for f in body["features"]}
    for i, expected in enumerate(lonlat):
        feature = by_ref[f"T-{i + 1:03d}"]
        served = shapely.geometry.shape(feature["geometry"])
        # Served in CRS84: lon/lat order, same place as submitted (within 1e-6 degrees).
        assert served.geom_type == "MultiPolygon"
        assert served.hausdorff_distance(expected) < 1e-6
        x0, y0, _, _ = served.bounds
        assert 10 < x0 < 11 and 59 < y0 < 60
        # area_m2 within 0.5 % of an independent geodesic computation (pyproj.Geod on GRS80).
        geodesic_m2 = abs(GEOD.geometry_area_perimeter(expected)[0])
        assert feature["properties"]["area_m2"] == pytest.approx(geodesic_m2, rel=0.005)

    passport = client.get(f"/api/v1/sites/{body['features'][0]['id']}").json()
    kinds = {item["kind"]["code"] for item in passport["properties"]["logistics"]}
    assert kinds == {"airport", "port", "rail_terminal", "motorway_junction"}
    for item in passport["properties"]["logistics"]:
        assert item["method"] == "straight_line_utm33"
        assert item["precision_km"] > 0
    assert passport["properties"]["power"]["nearest_substation"]["grid_company"]


def test_submit_gpkg_25833(clean_engine: Engine, tmp_path: Path) -> None:
    x, y = anchor_25833(clean_engine, "0301")
    frame = gpd.GeoDataFrame(
        [site_props(i, "0301") for i in range(1, 3)],
        geometry=[square_25833(x, y, 120, dx=300 * i) for i in range(2)],
        crs=25833,
    )
    path = tmp_path / "oslo.gpkg"
    frame.to_file(path, layer="naeringsarealer", driver="GPKG")
    result = run_submission(clean_engine, path, SubmitOptions(kommune_nr="0301", draft=True))
    assert result.rows_loaded == 2, [i.one_line() for i in result.issues]
    with clean_engine.connect() as conn:
        areas = conn.execute(text("SELECT area_m2 FROM site ORDER BY reference")).scalars().all()
        statuses = conn.execute(text("SELECT DISTINCT status FROM site")).scalars().all()
    assert areas == [pytest.approx(120 * 120, rel=1e-9)] * 2
    assert statuses == ["draft"]


def test_api_filters_paging_and_errors(clean_engine: Engine, client: TestClient, tmp_path: Path) -> None:
    path, _ = _asker_file(clean_engine, tmp_path, n=3)
    run_submission(clean_engine, path, SubmitOptions(kommune_nr="3203"))
    assert client.get("/readyz").json()["checks"]["database"]["ok"] is True

    page = client.get("/api/v1/sites", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["features"]) == 2 and page["next"]
    assert any("CC BY" in line for line in page["attribution"])
    assert client.get("/api/v1/sites", params={"min_area_m2": 160 * 160 - 1}).json()["total"] == 2
    assert client.get("/api/v1/sites", params={"maturity_min": "M4"}).json()["total"] == 0
    assert client.get("/api/v1/sites", params={"maturity_min": "M3"}).json()["total"] == 3
    assert client.get("/api/v1/sites", params={"kommune": "0301"}).json()["total"] == 0
    assert client.get("/api/v1/sites", params={"bbox": "4,57,5,58"}).json()["total"] == 0
    assert client.get("/api/v1/sites", params={"bbox": "10,59,11,60"}).json()["total"] == 3

    bad = client.get("/api/v1/sites", params={"maturity_min": "M9"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    missing = client.get("/api/v1/sites/999999")
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
    assert client.get("/api/v1/kommuner/9999").status_code == 404
    asker = client.get("/api/v1/kommuner/3203").json()
    assert asker["name"] == "Asker" and asker["published_sites"] == 3
    listed = client.get("/api/v1/kommuner").json()["kommuner"]
    assert len(listed) == 357


def test_export_xlsx(clean_engine: Engine, tmp_path: Path) -> None:
    path, _ = _asker_file(clean_engine, tmp_path, n=2)
    run_submission(clean_engine, path, SubmitOptions(kommune_nr="3203"))
    out = tmp_path / "export.xlsx"
    with session_factory(clean_engine)() as session:
        assert write_sites_xlsx(session, out) == 2
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Næringsarealer", "Per kommune", "Metadata"]
    sites = wb["Næringsarealer"]
    headers = [c.value for c in sites[1]]
    assert (
        "Planmessig modenhet (M0–M5) / Plan maturity (M0–M5)" in headers
        and "Areal (daa) / Area (daa)" in headers
    )
    assert sites.max_row == 3
    name_col = headers.index("Navn / Name") + 1
    assert {sites.cell(row=r, column=name_col).value for r in (2, 3)} == {"Testområde 1", "Testområde 2"}
    meta_text = " ".join(str(c.value) for row in wb["Metadata"].iter_rows() for c in row if c.value)
    assert "Kartverket" in meta_text and "CC BY 4.0" in meta_text and "CC BY-NC-SA 4.0" in meta_text
    assert "Eksportert / Exported" in meta_text
