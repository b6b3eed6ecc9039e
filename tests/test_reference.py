"""The reference data loader: counts, valid geometries, number history, membership, idempotence."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon
from sqlalchemy import Engine, text

from etl.reference_read import to_multipolygon
from registry.attribution import SOURCES, attribution_html, attribution_lines
from registry.services.reference import DEFAULT_DATA_DIR, TABLES, load_reference

KOMMUNER_2024 = DEFAULT_DATA_DIR / "kommuner" / "kommuner_2024.geojson"
MEMBERS = DEFAULT_DATA_DIR / "osloregionen" / "members.csv"
REGIONRAAD = DEFAULT_DATA_DIR / "osloregionen" / "osloregionen_ipr_regionraad_2023.csv"


@pytest.fixture(scope="module")
def loaded(engine: Engine) -> dict[str, int]:
    messages: list[str] = []
    counts = load_reference(engine, progress=messages.append)
    assert any(m.startswith("kommune:") for m in messages)
    return counts


def _scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _xmins(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """The transaction id that last wrote each row, per table: unchanged only if the row was not rewritten."""
    keys = {
        "fylke": "nr",
        "kommune": "nr",
        "kommune_number_history": "old_nr || '>' || new_nr",
        "substation": "source_id",
        "logistics_node": "kind || '|' || name",
        "cluster": "name",
    }
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT {k}, xmin::text FROM {t} ORDER BY 1"))]
            for t, k in keys.items()
        }


@pytest.mark.db
def test_second_load_changes_nothing(engine: Engine, loaded: dict[str, int]) -> None:
    before = _xmins(engine)
    history_before = _scalar(engine, "SELECT count(*) FROM site_history")
    again = load_reference(engine)
    assert again == loaded
    assert set(again) == set(TABLES)
    assert _xmins(engine) == before
    assert _scalar(engine, "SELECT count(*) FROM site_history") == history_before


@pytest.mark.db
def test_reload_repairs_an_edited_row(engine: Engine, loaded: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE kommune SET name = 'Feil', is_member = false WHERE nr = '0301'"))
    load_reference(engine)
    with engine.connect() as conn:
        name, member = conn.execute(text("SELECT name, is_member FROM kommune WHERE nr = '0301'")).one()
    assert (name, member) == ("Oslo", True)


@pytest.mark.db
def test_kommuner_and_fylker(engine: Engine, loaded: dict[str, int]) -> None:
    assert loaded["kommune"] == 357
    assert _scalar(engine, "SELECT count(*) FROM kommune") == 357
    assert loaded["fylke"] == len(gpd.read_file(DEFAULT_DATA_DIR / "kommuner" / "fylker_2024.geojson"))
    for table in ("kommune", "fylke"):
        bad = _scalar(
            engine,
            f"SELECT count(*) FROM {table} WHERE NOT ST_IsValid(geom_25833) OR ST_SRID(geom_25833) <> 25833 "
            "OR GeometryType(geom_25833) <> 'MULTIPOLYGON' OR ST_IsEmpty(geom_25833)",
        )
        assert bad == 0, table
    # Larvik is one of the 28 invalid source polygons; repaired, it must keep its area (813 km² with sea).
    larvik_km2 = _scalar(engine, "SELECT ST_Area(geom_25833) / 1e6 FROM kommune WHERE nr = '3909'")
    assert 750 < float(larvik_km2) < 870  # type: ignore[arg-type]
    assert _scalar(engine, "SELECT fylke_nr FROM kommune WHERE nr = '3203'") == "32"


@pytest.mark.db
def test_substations_match_the_files(engine: Engine, loaded: dict[str, int]) -> None:
    per_file: dict[str, int] = {}
    for path in sorted((DEFAULT_DATA_DIR / "grid").glob("wattapp_*.json")):
        collections = json.loads(path.read_text(encoding="utf-8"))
        per_file[path.name] = sum(len(fc["features"]) for fc in collections)
    assert per_file == {
        "wattapp_elvia.json": 241,
        "wattapp_glitrenettost.json": 46,
        "wattapp_lede.json": 54,
        "wattapp_statnett.json": 10,
    }
    assert loaded["substation"] == sum(per_file.values())
    with engine.connect() as conn:
        db_per_file = {
            r[0]: r[1] for r in conn.execute(text("SELECT source_file, count(*) FROM substation GROUP BY 1"))
        }
        negative = conn.execute(
            text("SELECT count(*) FROM substation WHERE available_prod_mw < 0")
        ).scalar_one()
        undated = conn.execute(
            text("SELECT count(*) FROM substation WHERE capacity_date IS NULL")
        ).scalar_one()
    assert db_per_file == per_file
    assert negative > 0  # negative available production capacity is kept, not clipped
    assert undated == 0


@pytest.mark.db
def test_number_history(engine: Engine, loaded: dict[str, int]) -> None:
    with engine.connect() as conn:
        primary = {
            r[0]: r[1]
            for r in conn.execute(text("SELECT old_nr, new_nr FROM kommune_number_history WHERE is_primary"))
        }
        several = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT old_nr FROM kommune_number_history WHERE is_primary "
                "GROUP BY old_nr HAVING count(*) > 1) x"
            )
        ).scalar_one()
        haram = (
            conn.execute(
                text(
                    "SELECT new_nr FROM kommune_number_history WHERE old_nr = '1507' "
                    "ORDER BY overlap_share DESC"
                )
            )
            .scalars()
            .all()
        )
    assert several == 0
    assert primary["3025"] == "3203"  # Asker
    assert primary["3005"] == "3301"  # Drammen
    assert primary["3001"] == "3101"  # Halden
    assert primary["3054"] == "3234"  # Lunner
    assert primary["0301"] == "0301"  # unchanged numbers are there too
    assert len(primary) == len(gpd.read_file(DEFAULT_DATA_DIR / "kommuner" / "kommuner_2020.geojson"))
    assert haram == ["1508", "1580"]  # Ålesund 2020 was split into Ålesund and Haram in 2024


@pytest.mark.db
def test_membership(engine: Engine, loaded: dict[str, int]) -> None:
    with engine.connect() as conn:
        is_member, regionraad, note = conn.execute(
            text("SELECT is_member, regionraad, membership_note FROM kommune WHERE nr = '0301'")
        ).one()
        members = conn.execute(text("SELECT count(*) FROM kommune WHERE is_member")).scalar_one()
        bergen = conn.execute(
            text("SELECT is_member, regionraad, membership_note FROM kommune WHERE nr = '4601'")
        ).one()
        nan_text = conn.execute(
            text("SELECT count(*) FROM kommune WHERE 'NaN' IN (regionraad, membership_note, name)")
        ).scalar_one()
    assert is_member and regionraad
    # A kommune outside the region has no regionråd and no note: NULL, never pandas' NaN as text.
    assert tuple(bergen) == (False, None, None)
    assert nan_text == 0
    assert "assumption" in note
    with MEMBERS.open(encoding="utf-8") as fh:
        assert members == sum(1 for _ in csv.DictReader(fh))


@pytest.mark.db
def test_logistics_nodes_and_clusters(engine: Engine, loaded: dict[str, int]) -> None:
    assert loaded["logistics_node"] == 30
    with engine.connect() as conn:
        bad_precision = conn.execute(
            text("SELECT count(*) FROM logistics_node WHERE precision_km IS NULL OR precision_km <= 0")
        ).scalar_one()
        sinsen = conn.execute(
            text("SELECT precision_km FROM logistics_node WHERE name LIKE 'Sinsenkrysset%'")
        ).scalar_one()
        in_norway = conn.execute(
            text(
                "SELECT count(*) FROM logistics_node n WHERE EXISTS "
                "(SELECT 1 FROM fylke f WHERE ST_DWithin(f.geom_25833, n.geom_25833, 1000))"
            )
        ).scalar_one()
        heidner = conn.execute(
            text("SELECT kommune_nr FROM cluster WHERE name = 'NCE Heidner Biocluster'")
        ).scalar_one()
    assert bad_precision == 0
    assert sinsen < 1  # the one true interchange point
    assert in_norway == 30  # every point is within 1 km of a county (bridges and ports sit on water)
    assert heidner == "3403"  # Hamar


def test_members_csv_matches_kommuner_2024() -> None:
    kommuner = gpd.read_file(KOMMUNER_2024)
    names = dict(zip(kommuner["kommunenummer"], kommuner["kommunenavn"], strict=True))
    with REGIONRAAD.open(encoding="utf-8") as fh:
        councils = {r["regionraad"].strip("()") for r in csv.DictReader(fh)}
    with MEMBERS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert names.get(row["kommune_nr"]) == row["kommune_name"], row
        assert row["regionraad"] in councils, row
        assert row["note"].startswith("assumption"), row
        assert row["source"].startswith("https://osloregionen.no/"), row
    assert len({r["kommune_nr"] for r in rows}) == len(rows)
    assert councils <= {r["regionraad"] for r in rows}  # every regional council has members


def test_logistics_csv_has_precision_for_every_row() -> None:
    with (DEFAULT_DATA_DIR / "infrastructure" / "logistics_nodes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30
    assert all(float(r["precision_km"]) > 0 for r in rows)


def test_to_multipolygon_repairs_a_bowtie() -> None:
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    assert not bowtie.is_valid
    fixed = to_multipolygon(bowtie)
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert len(fixed.geoms) == 2 and fixed.area == pytest.approx(2.0)


def test_attribution_names_source_and_licence() -> None:
    lines_no = attribution_lines("no")
    assert len(lines_no) == len(SOURCES)
    assert any("© Kartverket" in line and "CC BY 4.0" in line for line in lines_no)
    grid_en = attribution_lines("en", tables=["substation"])
    assert len(grid_en) == 1 and "CC BY-NC-SA 4.0" in grid_en[0] and "non-commercial" in grid_en[0]
    html = attribution_html("en", tables=["logistics_node"])
    assert "Wikipedia contributors" in html and "CC BY-SA 4.0" in html and "<script" not in html
    assert attribution_lines("no", tables=["site"]) == []


def test_every_loaded_table_has_a_source() -> None:
    covered = {t for s in SOURCES for t in s.tables}
    assert set(TABLES) <= covered


def test_data_dir_is_the_shipped_copy() -> None:
    assert Path(__file__).resolve().parents[1] / "data" / "reference" == DEFAULT_DATA_DIR


@pytest.mark.db
def test_stale_rows_deleted_only_when_unreferenced(engine: Engine, loaded: dict[str, int]) -> None:
    point = "ST_SetSRID(ST_MakePoint(600000, 6640000), 25833)"
    square = "ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(600000, 6640000), 25833), 50, 1))"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kommune (nr, name, fylke_nr, geom_25833) "
                f"SELECT '9999', 'Gammel', '03', {square}; "
                "INSERT INTO substation (source_id, grid_company, name, source_file, geom_25833) VALUES "
                f"('test:kept', 'X', 'Kept', 'test', {point}), ('test:gone', 'X', 'Gone', 'test', {point})"
            )
        )
        site_id = conn.execute(
            text(
                "INSERT INTO site (kommune_nr, name, geom_25833, maturity, nearest_substation_id) "
                f"SELECT '9999', 'Test', {square}, 'M1', id FROM substation WHERE source_id = 'test:kept' "
                "RETURNING id"
            )
        ).scalar_one()
    try:
        messages: list[str] = []
        load_reference(engine, progress=messages.append)
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT source_id FROM substation WHERE source_id LIKE 'test:%'")
            ).scalars()
            assert list(left) == ["test:kept"]
            assert conn.execute(text("SELECT count(*) FROM kommune WHERE nr = '9999'")).scalar_one() == 1
        assert any("9999" in m for m in messages)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM site WHERE id = :id"), {"id": site_id})
            conn.execute(text("DELETE FROM substation WHERE source_id LIKE 'test:%'"))
            conn.execute(text("DELETE FROM kommune WHERE nr = '9999'"))
