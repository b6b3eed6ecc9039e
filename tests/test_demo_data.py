"""Checks of the committed demo data in data/demo/ (pure file checks, no database)."""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from etl.validate import check_bounds, validate_frame
from etl.values import parse_values
from schemas.fields import FIELDS_BY_NAME
from schemas.taxonomy import AVAILABILITY, EVIDENCE, LAND_CONTROL, MATURITY, MAX_AGE_DAYS, POWER, SOSI_USE

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "data" / "demo"
SCRIPT = ROOT / "scripts" / "make_demo_data.py"
KOMMUNE_FILE = ROOT / "data" / "reference" / "kommuner" / "kommuner_2024.geojson"

AS_OF = date(2026, 11, 1)  # the generator's "today": all verification dates lie before it
CODED = {
    "maturity": MATURITY,
    "power_status": POWER,
    "availability": AVAILABILITY,
    "land_control": LAND_CONTROL,
    "evidence": EVIDENCE,
}
DATE_FIELDS = (
    "maturity_verified_at",
    "power_verified_at",
    "availability_verified_at",
    "land_control_verified_at",
)
BY_FIELDS = (
    "maturity_verified_by",
    "power_verified_by",
    "availability_verified_by",
    "land_control_verified_by",
)
GRID_BY_FYLKE = {
    "03": "Elvia",
    "31": "Elvia",
    "32": "Elvia",
    "34": "Elvia",
    "33": "Glitre Nett",
    "39": "Lede",
    "40": "Lede",
}
GRID_COMPANIES = set(GRID_BY_FYLKE.values())


def _site_files(directory: Path = DEMO_DIR) -> list[Path]:
    return sorted(directory.glob("sites_*.geojson"))


@pytest.fixture(scope="module")
def collections() -> dict[str, dict]:
    """Kommune number (from the file name) → parsed FeatureCollection."""
    out = {}
    for path in _site_files():
        out[path.stem.removeprefix("sites_")] = json.loads(path.read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def sites(collections: dict[str, dict]) -> list[tuple[str, dict, BaseGeometry]]:
    """(kommune number of the file, properties, shapely geometry) for every demo site."""
    return [
        (nr, f["properties"], shape(f["geometry"])) for nr, fc in collections.items() for f in fc["features"]
    ]


@pytest.fixture(scope="module")
def kommune_polygons() -> gpd.GeoDataFrame:
    kommuner = gpd.read_file(KOMMUNE_FILE)
    kommuner["geometry"] = kommuner.geometry.make_valid()
    return kommuner.set_index("kommunenummer")


@pytest.fixture(scope="module")
def profiles() -> list[dict[str, str]]:
    with (DEMO_DIR / "profiles.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _urls(value: str | None) -> list[str]:
    return [u for u in (value or "").split(";") if u]


def test_counts(collections: dict[str, dict], sites: list) -> None:
    assert len(collections) >= 9
    assert len(sites) >= 45
    for nr, fc in collections.items():
        assert 4 <= len(fc["features"]) <= 7, nr


def test_collection_members(collections: dict[str, dict]) -> None:
    for nr, fc in collections.items():
        assert fc["type"] == "FeatureCollection"
        assert "crs" not in fc, f"{nr}: RFC 7946 GeoJSON has no crs member"
        assert "DEMO" in fc["name"]
        assert "DEMODATA" in fc["description"] and "DEMO DATA" in fc["description"]
        assert "oppdiktet" in fc["description"] and "invented" in fc["description"]


def test_property_names_are_canonical(sites: list) -> None:
    for nr, props, _ in sites:
        unknown = set(props) - set(FIELDS_BY_NAME) - {"demo"}
        assert not unknown, f"{nr} {props.get('reference')}: {unknown}"
        assert props["demo"] is True
        assert props["kommune_nr"] == nr


def test_required_fields_present(sites: list) -> None:
    required = [f.name for f in FIELDS_BY_NAME.values() if f.required]
    for _, props, _ in sites:
        for name in required:
            assert props.get(name), f"{props.get('reference')}: {name} missing"


def test_references_and_names_unique(sites: list) -> None:
    references = [p["reference"] for _, p, _ in sites]
    names = [p["name"] for _, p, _ in sites]
    assert len(set(references)) == len(references)
    assert len(set(names)) == len(names)
    assert all(n.startswith("Demo: ") and len(n) > len("Demo: ") for n in names)


def test_coded_values_valid(sites: list) -> None:
    for _, props, _ in sites:
        ref = props["reference"]
        for name, taxonomy in CODED.items():
            assert props[name] in taxonomy, f"{ref}: {name}={props[name]!r}"
        codes = props["uses"].split(";")
        assert codes and all(c in SOSI_USE for c in codes), f"{ref}: uses={props['uses']!r}"
        assert props["grid_company"] in GRID_COMPANIES


def test_grid_company_matches_area(sites: list) -> None:
    for nr, props, _ in sites:
        assert props["grid_company"] == GRID_BY_FYLKE[nr[:2]], props["reference"]


def test_geometry_valid_and_rfc7946(sites: list) -> None:
    for _, props, geom in sites:
        assert geom.geom_type == "Polygon", props["reference"]
        assert geom.is_valid, f"{props['reference']}: {shapely.is_valid_reason(geom)}"
        assert geom.exterior.is_ccw, f"{props['reference']}: exterior ring must be counter-clockwise"
        for x, y in geom.exterior.coords:
            assert 4 < x < 32 and 57 < y < 72, f"{props['reference']}: ({x}, {y}) is not lon/lat in Norway"
            assert round(x, 7) == x and round(y, 7) == y


def test_sites_within_their_kommune(sites: list, kommune_polygons: gpd.GeoDataFrame) -> None:
    for nr, props, geom in sites:
        assert geom.within(kommune_polygons.loc[nr, "geometry"]), f"{props['reference']} outside kommune {nr}"


def test_sites_do_not_overlap(sites: list) -> None:
    geoms = [(p["reference"], g) for _, p, g in sites]
    for (ref_a, a), (ref_b, b) in itertools.combinations(geoms, 2):
        assert not a.intersects(b), f"{ref_a} overlaps {ref_b}"


def test_areas_plausible(sites: list) -> None:
    frame = gpd.GeoDataFrame(
        [{"nr": nr, "submitted": p["area_m2"]} for nr, p, _ in sites],
        geometry=[g for _, _, g in sites],
        crs=4326,
    ).to_crs(25833)
    frame["true"] = frame.area
    assert frame["true"].between(5_000, 400_000).all()
    assert (frame.loc[frame["nr"] == "0301", "true"] <= 40_000).all(), "Oslo's sites should be small"
    submitted = frame.dropna(subset=["submitted"])
    assert 1 <= len(frame) - len(submitted) <= len(frame) // 4, "a few rows leave area_m2 empty"
    deviation = (submitted["submitted"] / submitted["true"] - 1).abs()
    assert (deviation <= 0.051).all(), deviation.max()


def test_demo_sites_break_no_rule(sites: list) -> None:
    """The validation module (the one copy of the rules) finds nothing wrong in the demo data."""
    frame, _ = parse_values(pd.DataFrame([p for _, p, _ in sites]))
    rows = np.arange(1, len(frame) + 1)
    found = check_bounds(frame, rows) + validate_frame(frame, rows, today=AS_OF)
    assert [i.one_line() for i in found] == []


def test_power_realism(sites: list) -> None:
    """Beyond the rules: the demo's power facts look like a grid company's answers."""
    for _, p, _ in sites:
        ref, status = p["reference"], p["power_status"]
        if status == "E1":
            assert p["power_future_year"] > AS_OF.year, ref
            assert p["power_mw_future"], ref
        if status == "E4":
            assert _date(p["power_reserved_until"]) > AS_OF, ref
            assert MATURITY.rank(p["maturity"]) >= 3, f"{ref}: capacity is reserved only for zoned land"
        else:
            assert p["power_reserved_until"] is None, ref
        if status in ("E2", "E3", "E4"):
            assert p["power_mw_now"] and p["power_mw_now"] > 0, ref
        if p["power_mw_future"] is not None:
            assert p["power_future_year"] is not None, ref


def test_market_realism(sites: list) -> None:
    """Beyond the rules: prices, terms and evidence as a kommune would give them."""
    for _, p, _ in sites:
        ref, availability = p["reference"], p["availability"]
        if p["maturity"] == "M5":
            assert availability == "for_sale_or_lease", f"{ref}: M5 means price and terms are on offer"
        if availability == "for_sale_or_lease":
            assert 300 <= p["price_nok_per_m2"] <= 4000, ref
            assert p["price_terms"], ref
        else:
            assert p["price_nok_per_m2"] is None, f"{ref}: a price only where for sale"
        if p["land_control"] == "private_no_agreement":
            assert availability == "not_on_market", ref
        if p["evidence"] == "self_reported":
            assert p["evidence_url"] is None, ref
        else:
            assert p["evidence_url"], ref


def test_verification_dates(sites: list) -> None:
    """Every fact is dated; about one site in ten has a fact older than its axis allows, not more."""
    stale_sites = 0
    for _, p, _ in sites:
        ages = {name: (AS_OF - _date(p[name])).days for name in DATE_FIELDS}
        max_ages = {name: MAX_AGE_DAYS[name.removesuffix("_verified_at")] for name in DATE_FIELDS}
        assert all(0 < ages[n] <= 2 * max_ages[n] for n in DATE_FIELDS), f"{p['reference']}: {ages}"
        stale_sites += any(ages[n] > max_ages[n] for n in DATE_FIELDS)
    assert 0.05 * len(sites) <= stale_sites <= 0.2 * len(sites), stale_sites


def test_verified_by_are_roles_not_people(sites: list) -> None:
    for _, p, _ in sites:
        for name in BY_FIELDS:
            value = p[name]
            unit, _, org = value.partition(", ")
            assert unit and org, f"{p['reference']}: {name}={value!r}"
            assert org.endswith(" kommune") or unit in GRID_COMPANIES, f"{p['reference']}: {name}={value!r}"


def test_links_on_example_org(sites: list, profiles: list[dict[str, str]]) -> None:
    urls = [u for _, p, _ in sites for u in _urls(p["links"]) + _urls(p["evidence_url"])]
    assert urls
    for url in urls:
        parsed = urlparse(url)
        assert parsed.scheme == "https" and (parsed.hostname or "").endswith("example.org"), url
    for row in profiles:
        assert re.fullmatch(r"[a-z0-9.]+@example\.org", row["email"]), row["email"]


def test_descriptions_bilingual(sites: list) -> None:
    for _, p, _ in sites:
        assert "Demodata" in p["description_no"] and "Demo data" in p["description_en"], p["reference"]
        assert p["description_no"] != p["description_en"]


def test_profiles_cover_demo_kommuner(collections: dict[str, dict], profiles: list[dict[str, str]]) -> None:
    assert sorted(r["kommune_nr"] for r in profiles) == sorted(collections)
    for row in profiles:
        assert row["contact_name"] == "" and row["phone"] == "", "roles only, no invented people"
        assert row["contact_role"].endswith(" kommune")
        # Working hours (08–16 on working days): one to three working days.
        assert 8 <= int(row["response_hours"]) <= 24
        for name in ("pitch_no", "pitch_en", "competence_no", "competence_en"):
            assert len(row[name]) > 40, (row["kommune_nr"], name)
        assert row["pitch_no"] != row["pitch_en"]
        assert _date(row["verified_at"]) < AS_OF
        assert row["is_demo"] == "true"


def test_readme_explains_generation() -> None:
    text = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    assert "scripts/make_demo_data.py" in text
    assert "invented" in text and "oppdiktet" in text.lower()


def test_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)], check=True, capture_output=True, cwd=tmp_path
    )
    committed = sorted(p.name for p in DEMO_DIR.iterdir())
    generated = sorted(p.name for p in tmp_path.iterdir())
    assert generated == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), f"{name} differs: regenerate"
