"""Tests for etl/template.py: the Excel and GeoPackage submission templates, and their round trip through
the pipeline's own read → normalise columns → parse values (→ geometry → validate) phases. No database.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from openpyxl.worksheet.worksheet import Worksheet

from etl.columns import normalise_columns
from etl.geometry import process_geometries
from etl.issues import ERROR, Issue
from etl.readers import ReadResult, read_submission
from etl.template import (
    CODES_SHEET,
    GPKG_LAYER,
    GUIDE_SHEET,
    SITES_SHEET,
    example_values,
    template_bytes,
    write_gpkg_template,
    write_xlsx_template,
)
from etl.validate import check_area, check_within_kommune, validate_frame
from etl.values import parse_values
from schemas.fields import FIELDS, FIELDS_BY_NAME, FieldSpec

CANONICAL = [f.name for f in FIELDS]
COLUMNS = [*CANONICAL, "wkt", "lat", "lon"]
# the geometry headers name their CRS, so a file made from the template declares it
HEADERS = [*CANONICAL, "wkt (EPSG:25833)", "lat (WGS84)", "lon (WGS84)"]
CODED = [f for f in FIELDS if f.taxonomy is not None]
KOMMUNER = Path(__file__).resolve().parents[1] / "data" / "reference" / "kommuner" / "kommuner_2024.geojson"
TODAY = dt.date(2026, 12, 31)  # after every example verification date


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "mal.xlsx"
    write_xlsx_template(path)
    return path


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "mal.gpkg"
    write_gpkg_template(path)
    return path


def sites_sheet(path: Path) -> Worksheet:
    return openpyxl.load_workbook(path)[SITES_SHEET]


def column_of(ws: Worksheet, name: str) -> str:
    for cell in ws[1]:
        if cell.value == name or str(cell.value).startswith(f"{name} ("):
            return str(cell.column_letter)
    raise AssertionError(f"no column {name}")


def errors(issues: list[Issue]) -> list[str]:
    return [i.one_line() for i in issues if i.severity == ERROR]


def pipeline(path: Path) -> tuple[ReadResult, pd.DataFrame, list[Issue]]:
    """Run read → normalise columns → parse values; return the read, the parsed frame and all issues."""
    read = read_submission(path)
    frame, _, col_issues = normalise_columns(read.frame)
    values, value_issues = parse_values(frame)
    return read, values, read.issues + col_issues + value_issues


def expected_code_values(spec: FieldSpec) -> list[str]:
    assert spec.taxonomy is not None
    return spec.example.split(";") if spec.kind == "codes" else [spec.example]


# --- the Excel workbook ---------------------------------------------------------------------------------


def test_sheets_and_header_row(xlsx: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == [SITES_SHEET, CODES_SHEET, GUIDE_SHEET]
    ws = wb[SITES_SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "D2"
    required = {f.name for f in FIELDS if f.required}
    fills = {c.value: c.fill.fgColor.rgb for c in ws[1]}
    assert len({fills[n] for n in required}) == 1
    assert all(fills[n] != fills["reference"] for n in CANONICAL if n not in required)
    assert all(c.font.bold for c in ws[1])


def test_header_comments_are_bilingual(xlsx: Path) -> None:
    ws = sites_sheet(xlsx)
    for cell in ws[1]:
        assert cell.comment is not None, cell.value
        spec = FIELDS_BY_NAME.get(str(cell.value))
        if spec is not None:
            assert spec.label_no in cell.comment.text and spec.label_en in cell.comment.text
    assert "EPSG:25833" in ws[f"{column_of(ws, 'wkt')}1"].comment.text


def test_example_row_is_marked_and_filled_from_the_catalogue(xlsx: Path) -> None:
    ws = sites_sheet(xlsx)
    assert ws["A2"].comment is not None
    assert "EKSEMPEL" in ws["A2"].comment.text and "EXAMPLE" in ws["A2"].comment.text
    row = {str(h.value).split(" (")[0]: c.value for h, c in zip(ws[1], ws[2], strict=True)}
    # the marker the intake refuses the row by when it is submitted unchanged
    assert row["reference"] == "EKSEMPEL"
    assert row["name"] == f"EKSEMPEL: {FIELDS_BY_NAME['name'].example}"
    for spec in FIELDS:
        if spec.name in ("reference", "name"):
            continue
        if not spec.example:
            assert row[spec.name] is None
        elif spec.kind == "date":
            assert row[spec.name].date() == dt.date.fromisoformat(spec.example)
        elif spec.kind in ("float", "int"):
            assert row[spec.name] == float(spec.example)
        else:
            assert row[spec.name] == spec.example
    for spec in CODED:
        assert spec.taxonomy is not None
        values = str(row[spec.name]).split(";") if spec.kind == "codes" else [row[spec.name]]
        assert values and all(v in spec.taxonomy for v in values), spec.name
    wkt = str(row["wkt"])
    assert wkt.startswith("SRID=25833;")
    assert shapely.from_wkt(wkt.split(";", 1)[1]).geom_type == "Polygon"
    assert row["lat"] is None and row["lon"] is None


def test_example_polygon_lies_in_asker() -> None:
    outline = gpd.read_file(KOMMUNER).to_crs(25833).set_index("kommunenummer").geometry["3203"]
    polygon = shapely.from_wkt(str(example_values()["wkt"]).split(";", 1)[1])
    assert outline.contains_properly(polygon)
    assert polygon.area == pytest.approx(float(FIELDS_BY_NAME["area_m2"].example), rel=0.01)


def _koder_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    m = re.fullmatch(rf"{CODES_SHEET}!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", formula)
    assert m, formula
    col, first, col2, last = m.groups()
    assert col == col2
    return [str(wb[CODES_SHEET][f"{col}{r}"].value) for r in range(int(first), int(last) + 1)]


def test_every_coded_column_has_a_dropdown_from_the_codes_sheet(xlsx: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[SITES_SHEET]
    by_column = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_column[rng.coord.split(":")[0].rstrip("0123456789")] = (dv, rng)
    assert {f.name for f in CODED} >= {"maturity", "power_status", "availability", "land_control", "evidence"}
    for spec in CODED:
        assert spec.taxonomy is not None
        dv, rng = by_column[column_of(ws, spec.name)]
        assert dv.type == "list", spec.name
        assert _koder_values(wb, dv.formula1) == list(spec.taxonomy.codes), spec.name
        assert rng.min_row == 2 and rng.max_row >= 500
        # a single code is enforced; the multi-code column only suggests (so "1340;1350" stays possible)
        assert bool(dv.showErrorMessage) == (spec.kind == "code"), spec.name
    labels = {row[0]: row[1:3] for row in wb[CODES_SHEET].iter_rows(values_only=True) if row[0]}
    for spec in CODED:
        assert spec.taxonomy is not None
        for term in spec.taxonomy.terms:
            assert labels[term.code] == (term.label_no, term.label_en)


def test_dates_and_numbers_are_checked(xlsx: Path) -> None:
    ws = sites_sheet(xlsx)
    kinds = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            kinds[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    for spec in FIELDS:
        dv = kinds.get(column_of(ws, spec.name))
        if spec.name.endswith("_verified_at"):
            assert dv is not None and dv.type == "date" and dv.formula2 == "TODAY()"
        if spec.kind == "float":
            assert dv is not None and (dv.type, dv.operator, dv.formula1) == (
                "decimal",
                "greaterThanOrEqual",
                "0",
            )
        if spec.kind in ("text", "url", "urls", "kommune_nr"):
            assert dv is None, spec.name
    assert {"area_m2", "area_daa", "power_mw_now", "power_mw_future", "price_nok_per_m2"} <= {
        f.name for f in FIELDS if f.kind == "float"
    }


def test_guide_lists_every_field_with_its_allowed_values(xlsx: Path) -> None:
    ws = openpyxl.load_workbook(xlsx)[GUIDE_SHEET]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    for spec in FIELDS:
        _, label_no, label_en, required, kind, _unit, allowed, example = rows[spec.name]
        assert (label_no, label_en) == (spec.label_no, spec.label_en)
        assert required.startswith("Ja" if spec.required else "Nei")
        assert kind
        assert (example or "") == spec.example
        if spec.taxonomy is not None:
            for term in spec.taxonomy.terms:
                assert f"{term.code} = {term.label_no} / {term.label_en}" in allowed
    for header in ("wkt (EPSG:25833)", "lat (WGS84)", "lon (WGS84)"):
        assert header in rows
    assert "m²" in rows["area_m2"]


def test_english_template(tmp_path: Path) -> None:
    path = tmp_path / "template_en.xlsx"
    write_xlsx_template(path, lang="en")
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb[SITES_SHEET][1]] == HEADERS
    guide = wb[GUIDE_SHEET]
    headers = next(r for r in guide.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("Column"))
    assert headers[3] == "Required / Påkrevd"
    assert wb[SITES_SHEET]["A2"].comment.text.startswith("EXAMPLE")
    with pytest.raises(ValueError):
        write_xlsx_template(path, lang="de")


# --- the GeoPackage -------------------------------------------------------------------------------------

_OGR_TYPES = {"int": "OFTInteger", "float": "OFTReal", "date": "OFTDate"}


def test_gpkg_template_is_empty_and_typed(gpkg: Path) -> None:
    layers = pyogrio.list_layers(gpkg)
    assert [str(n) for n in layers[:, 0]] == [GPKG_LAYER]
    info = pyogrio.read_info(gpkg, layer=GPKG_LAYER)
    assert info["features"] == 0
    assert info["crs"] == "EPSG:25833"
    assert info["geometry_type"] == "MultiPolygon"
    assert list(info["fields"]) == CANONICAL
    for spec, ogr_type in zip(FIELDS, info["ogr_types"], strict=True):
        assert ogr_type == _OGR_TYPES.get(spec.kind, "OFTString"), spec.name


def test_gpkg_round_trip(gpkg: Path, tmp_path: Path) -> None:
    """A GIS officer adds one feature with the example's values; the pipeline reads it without errors."""
    path = tmp_path / "filled.gpkg"
    shutil.copyfile(gpkg, path)
    empty = gpd.read_file(path, layer=GPKG_LAYER)
    example = example_values()
    polygon = shapely.MultiPolygon([shapely.from_wkt(str(example.pop("wkt")).split(";", 1)[1])])
    row = gpd.GeoDataFrame(
        {c: [example.get(c)] for c in empty.columns if c != "geometry"}, geometry=[polygon], crs=25833
    )
    for col in empty.columns:
        if col != "geometry":
            row[col] = row[col].astype(empty[col].dtype)
    pyogrio.write_dataframe(row, path, layer=GPKG_LAYER, append=True)
    assert pyogrio.read_info(path, layer=GPKG_LAYER)["features"] == 1
    read, values, issues = pipeline(path)
    assert read.crs is not None and read.crs.to_epsg() == 25833
    assert errors(issues) == []
    assert values["maturity"].tolist() == ["M3"]
    assert values["maturity_verified_at"].tolist() == [dt.date(2026, 9, 1)]


# --- bytes for the API ----------------------------------------------------------------------------------


def test_template_bytes() -> None:
    assert template_bytes("xlsx")[:2] == b"PK"
    assert template_bytes("gpkg")[:16] == b"SQLite format 3\x00"
    with pytest.raises(ValueError):
        template_bytes("csv")


# --- round trip through the pipeline's own phases --------------------------------------------------------


def test_example_row_round_trip(xlsx: Path) -> None:
    read, values, issues = pipeline(xlsx)
    assert read.layer == SITES_SHEET
    assert read.frame["source_row"].tolist() == [2]
    assert read.crs is not None and read.crs.to_epsg() == 25833
    assert errors(issues) == []
    parsed = values.iloc[0].to_dict()
    for spec in FIELDS:
        expected = example_values().get(spec.name)
        if spec.name == "area_daa":
            continue  # folded into area_m2 by parse_values
        if spec.kind == "codes":
            expected = expected_code_values(spec)
        elif spec.kind == "urls":
            expected = [expected]
        assert parsed[spec.name] == expected, spec.name
    # and on through the phases that need no database: geometry and the attribute rules
    geo = process_geometries(
        read.frame["geometry"], declared=read.crs, rows=np.array([2]), area_m2=values["area_m2"]
    )
    assert geo.issues == []
    assert validate_frame(values, np.array([2]), today=TODAY) == []
    assert check_area(values, np.array([2]), geo.geoms, geo.is_point_site) == []
    asker = gpd.read_file(KOMMUNER).to_crs(25833).set_index("kommunenummer").geometry["3203"]
    within = check_within_kommune(geo.geoms, np.array([2]), values["kommune_nr"], {"3203": asker})
    assert within == []


def test_officer_fills_a_row_the_way_people_type(xlsx: Path, tmp_path: Path) -> None:
    """Labels instead of codes, units in numbers, Norwegian dates: understood, at most info/warnings."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[SITES_SHEET]
    typed = {
        "reference": "ASK-002",
        "name": "Holmen nord",
        "area_daa": "12,5 daa",
        "uses": "1350",
        "maturity": "Regulert",
        "maturity_verified_at": "01.10.2026",
        "power_status": "E3",
        "power_mw_now": "1,5 MW",
        "availability": "for_sale_or_lease",
        "land_control": "kommune",
        "wkt": "SRID=25833;POLYGON ((245000 6644000, 245125 6644000, 245125 6644100, 245000 6644100, "
        "245000 6644000))",
    }
    for name, value in typed.items():
        ws[f"{column_of(ws, name)}3"] = value
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    _, values, issues = pipeline(path)
    assert errors(issues) == []
    row = values.iloc[1]
    assert (row["maturity"], row["area_m2"], row["power_mw_now"]) == ("M3", 12_500.0, 1.5)
    assert row["maturity_verified_at"] == dt.date(2026, 10, 1)
    assert {i.issue_type for i in issues if i.row == 3} == {"code-normalised", "number-converted"}


def test_point_site_with_lat_lon_when_wkt_column_removed(xlsx: Path, tmp_path: Path) -> None:
    """The documented alternative today: delete the wkt column, give lat/lon and an area."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[SITES_SHEET]
    ws.delete_cols(COLUMNS.index("wkt") + 1)
    ws.delete_rows(2)  # the example row had only a WKT geometry
    for name, value in {
        "reference": "ASK-003",
        "name": "Punkt",
        "maturity": "M1",
        "area_m2": 10000,
        "lat": 59.86,
        "lon": 10.455,
    }.items():
        ws[f"{column_of(ws, name)}2"] = value
    path = tmp_path / "latlon.xlsx"
    wb.save(path)
    read, values, issues = pipeline(path)
    assert errors(issues) == []
    geo = process_geometries(
        read.frame["geometry"], declared=read.crs, rows=np.array([2]), area_m2=values["area_m2"]
    )
    assert errors(geo.issues) == []
    # the lat/lon headers say WGS84: nothing is assumed
    assert read.crs is not None and read.crs.to_epsg() == 4326
    assert {i.issue_type for i in geo.issues} == {"point-site"}


def test_lat_lon_row_beside_an_empty_wkt_column(xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[SITES_SHEET]
    ws.delete_rows(2)
    for name, value in {
        "reference": "ASK-004",
        "name": "Punkt",
        "maturity": "M1",
        "area_m2": 10000,
        "lat": 59.86,
        "lon": 10.455,
    }.items():
        ws[f"{column_of(ws, name)}2"] = value
    path = tmp_path / "latlon_with_wkt_column.xlsx"
    wb.save(path)
    read, _, _ = pipeline(path)
    point = read.frame["geometry"].iloc[0]
    assert point is not None and point.geom_type == "Point"
    assert (point.x, point.y) == pytest.approx((10.455, 59.86))


def test_mixed_wkt_and_lat_lon_rows_share_the_wkt_crs(xlsx: Path, tmp_path: Path) -> None:
    """The example row keeps its EWKT (EPSG:25833); a lat/lon row below it is reprojected into 25833."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[SITES_SHEET]
    for name, value in {
        "reference": "ASK-005",
        "name": "Punkt",
        "maturity": "M1",
        "area_m2": 10000,
        "lat": 59.86,
        "lon": 10.455,
    }.items():
        ws[f"{column_of(ws, name)}3"] = value
    path = tmp_path / "mixed.xlsx"
    wb.save(path)
    read, _, _ = pipeline(path)
    assert read.crs is not None and read.crs.to_epsg() == 25833
    point = read.frame["geometry"].iloc[1]
    assert point.geom_type == "Point"
    assert 200_000 < point.x < 300_000 and 6_600_000 < point.y < 6_700_000


@pytest.mark.parametrize("save_as", ["xlsx", "csv"])
def test_a_file_made_from_the_template_declares_its_crs(xlsx: Path, tmp_path: Path, save_as: str) -> None:
    """The officer deletes the example and pastes WKT copied from QGIS (no SRID prefix), and a point row;
    saved as Excel or as CSV, the file names its CRS and nothing is assumed."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[SITES_SHEET]
    ws.delete_rows(2)
    outline = "POLYGON ((245000 6644000, 245125 6644000, 245125 6644100, 245000 6644100, 245000 6644000))"
    rows = {
        2: {"wkt": outline},
        3: {"lat": 59.86, "lon": 10.455, "area_m2": 10000},
    }
    for r, cells in rows.items():
        for name, value in {
            "reference": f"ASK-01{r}",
            "name": f"Område {r}",
            "maturity": "M3",
            **cells,
        }.items():
            ws[f"{column_of(ws, name)}{r}"] = value
    path = tmp_path / f"filled.{save_as}"
    if save_as == "xlsx":
        wb.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter=";").writerows(ws.iter_rows(max_row=3, values_only=True))
    read, values, issues = pipeline(path)
    assert read.crs is not None and read.crs.to_epsg() == 25833
    assert "crs-header" in {i.issue_type for i in issues}
    geo = process_geometries(
        read.frame["geometry"], declared=read.crs, rows=np.array([2, 3]), area_m2=values["area_m2"]
    )
    assert "crs-assumed" not in {i.issue_type for i in geo.issues}
    point = geo.geoms[1].centroid  # the WGS84 point reprojected into the sheet's EPSG:25833
    assert 200_000 < point.x < 300_000 and 6_600_000 < point.y < 6_700_000
