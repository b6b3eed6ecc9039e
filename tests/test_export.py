"""The secretariat's workbook: numbers as numbers, dates as dates, distances in km with precision, node
and road in columns of their own, and a summary per kommune. And main road access called what it is, in
the export and in the API. Real PostGIS, no mocks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.db import session_factory
from registry.services.exports import write_sites_xlsx
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from schemas.taxonomy import LOGISTICS_KIND, MATURITY, POWER, ROAD_ACCESS
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

ASKER, BAERUM = "3203", "3201"
TODAY = dt.date.today()
RECENT = (TODAY - dt.timedelta(days=10)).isoformat()
OLD_POWER = (TODAY - dt.timedelta(days=200)).isoformat()  # past power's 180 days
ROAD_HEADER = "Hovedvegtilknytning (km) / Main road access (km)"


def _submit(engine: Engine, tmp_path: Path, kommune_nr: str, sizes: list[int], **changes: Any) -> None:
    x, y = anchor_25833(engine, kommune_nr)
    dates = {f"{a}_verified_at": RECENT for a in ("maturity", "power", "availability", "land_control")}
    feats = [
        (
            to_lonlat(square_25833(x, y, side, dx=400 * i)),
            site_props(i + 1, kommune_nr, **{**dates, **changes}),
        )
        for i, side in enumerate(sizes)
    ]
    path = write_geojson(tmp_path / f"{kommune_nr}.geojson", feats)
    result = run_submission(engine, path, SubmitOptions(kommune_nr=kommune_nr))
    assert result.rows_loaded == len(sizes), [i.one_line() for i in result.issues]


@pytest.fixture
def workbook(clean_engine: Engine, tmp_path: Path) -> openpyxl.Workbook:
    """Two current sites in Asker (M3, E2), one in Bærum (M4, E3) whose power fact is stale."""
    _submit(clean_engine, tmp_path, ASKER, [100, 200])
    _submit(
        clean_engine, tmp_path, BAERUM, [300], maturity="M4", power_status="E3", power_verified_at=OLD_POWER
    )
    out = tmp_path / "export.xlsx"
    with session_factory(clean_engine)() as session:
        assert write_sites_xlsx(session, out) == 3
    return openpyxl.load_workbook(out)


def _is_number(value: Any) -> bool:
    """A numeric cell (openpyxl reads a whole-valued number back as int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _table(ws: Any) -> list[dict[str, Any]]:
    """The sheet as rows of header → cell (the cells, so their types and formats can be checked)."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def test_distances_are_numbers_with_precision_node_and_road_apart(
    workbook: openpyxl.Workbook, clean_engine: Engine
) -> None:
    rows = _table(workbook["Næringsarealer"])
    with clean_engine.connect() as conn:
        stored = {
            (r.site_id, r.kind): r
            for r in conn.execute(
                text(
                    "SELECT l.site_id, l.kind, l.distance_km, l.precision_km, n.name, n.road "
                    "FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id"
                )
            )
        }
    for row in rows:
        site_id = row["ID"].value
        for kind in LOGISTICS_KIND.codes:
            no, en = LOGISTICS_KIND.label(kind, "no"), LOGISTICS_KIND.label(kind, "en")
            km = row[f"{no} (km) / {en} (km)"]
            precision = row[f"{no} presisjon ± (km) / {en} precision ± (km)"]
            node = row[f"{no}: node / {en}: node"]
            expected = stored[(site_id, kind)]
            assert _is_number(km.value) and km.value == pytest.approx(expected.distance_km)
            assert _is_number(precision.value) and precision.value == pytest.approx(expected.precision_km)
            assert node.value == expected.name
            assert km.number_format == "0.0"
        road = row["Hovedvegtilknytning: veg / Main road access: road"].value
        assert road and road == stored[(site_id, ROAD_ACCESS)].road  # E6, E18, Rv4 …


def test_dates_are_dates_and_numbers_are_numbers(workbook: openpyxl.Workbook) -> None:
    rows = _table(workbook["Næringsarealer"])
    for row in rows:
        for header in (
            "Modenhet verifisert dato / Maturity verified on",
            "Strøm verifisert dato / Power verified on",
            "Tilgjengelighet verifisert dato / Availability verified on",
            "Arealkontroll verifisert dato / Land control verified on",
        ):
            cell = row[header]
            assert cell.is_date and isinstance(cell.value, dt.datetime), header
            assert cell.number_format == "yyyy-mm-dd"
        for header in ("Areal (daa) / Area (daa)", "Areal (m²) / Area (m²)", "Areal (ha) / Area (ha)"):
            assert _is_number(row[header].value), header
        assert _is_number(row["Tilgjengelig effekt nå (MW) / Power available now (MW)"].value)
    exported = workbook["Metadata"]["B2"]
    assert exported.is_date and isinstance(exported.value, dt.datetime)


def test_summary_per_kommune(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["Næringsarealer", "Per kommune", "Metadata"]
    sites = _table(workbook["Næringsarealer"])
    daa = {}
    for row in sites:
        nr = row["Kommunenummer / Municipality number"].value
        daa[nr] = daa.get(nr, 0.0) + row["Areal (daa) / Area (daa)"].value
    summary = {r["Kommunenummer / Municipality number"].value: r for r in _table(workbook["Per kommune"])}
    assert list(summary) == [BAERUM, ASKER]  # by kommune number

    def col(kind: str, code: str) -> str:
        tax = MATURITY if kind == "maturity" else POWER
        no, en = tax.label(code, "no"), tax.label(code, "en")
        return f"{code} {no} (daa) / {code} {en} (daa)"

    share = (
        "Andel med alle fakta verifisert innenfor hver akses maksalder / "
        "Share with every fact verified within its axis's maximum age"
    )
    asker, baerum = summary[ASKER], summary[BAERUM]
    assert (asker["Arealer / Sites"].value, baerum["Arealer / Sites"].value) == (2, 1)
    assert asker["Areal (daa) / Area (daa)"].value == pytest.approx(daa[ASKER], abs=0.01)
    assert asker["Areal (daa) / Area (daa)"].value == pytest.approx((100 * 100 + 200 * 200) / 1000, rel=1e-3)
    # By maturity and by power level: all of Asker's area is M3 and E2, all of Bærum's M4 and E3.
    assert asker[col("maturity", "M3")].value == pytest.approx(asker["Areal (daa) / Area (daa)"].value)
    assert asker[col("maturity", "M4")].value == 0
    assert asker[col("power", "E2")].value == pytest.approx(asker["Areal (daa) / Area (daa)"].value)
    assert baerum[col("maturity", "M4")].value == pytest.approx(baerum["Areal (daa) / Area (daa)"].value)
    assert baerum[col("power", "E3")].value == pytest.approx(baerum["Areal (daa) / Area (daa)"].value)
    # Verified within each axis's maximum age: Asker all, Bærum none (its power fact is 200 days old).
    assert (asker[share].value, baerum[share].value) == (1.0, 0.0)
    assert asker[share].number_format == "0%"
    assert baerum["Utdaterte / Stale"].value == 1
    meta = " ".join(
        str(c.value) for row in workbook["Metadata"].iter_rows() for c in row if c.value is not None
    )
    assert "Strømtilgang / Power access: maks alder (dager) / maximum age (days) 180" in meta


def test_main_road_access_is_called_what_it_is(workbook: openpyxl.Workbook, clean_engine: Engine) -> None:
    """Not "motorway junction": most of those points are main-road access points, bridges or towns."""
    headers = [str(c.value) for c in workbook["Næringsarealer"][1]]
    assert ROAD_HEADER in headers
    assert not [h for h in headers if "motorvei" in h.lower() or "motorway" in h.lower()]

    client = TestClient(
        create_app(ServerSettings(environment="test"), database_url=clean_engine.url.render_as_string(False))
    )
    site_id = client.get("/api/v1/sites", params={"kommune": ASKER}).json()["features"][0]["id"]
    logistics = client.get(f"/api/v1/sites/{site_id}").json()["properties"]["logistics"]
    (road,) = [item for item in logistics if item["kind"]["code"] == ROAD_ACCESS]
    assert (
        road["kind"]["label_no"] == "Hovedvegtilknytning" and road["kind"]["label_en"] == "Main road access"
    )
    assert road["road"] and road["road"].startswith(("E", "Rv"))
    assert all("road" in item for item in logistics)
    body = client.get(f"/api/v1/sites/{site_id}").text.lower()
    assert "motorveikryss" not in body and "motorway junction" not in body
    schema = client.get("/openapi.json").json()["components"]["schemas"]["LogisticsDistance"]
    assert "road" in schema["properties"]
