"""Every search filter of GET /api/v1/sites against the same question asked of the stored rows in Python:
the API returns exactly the sites the rule says (and the power-by-year rule is matching's own,
`registry.matching.power_by_year_mw`); sort orders; totals exact or marked as estimates; CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.matching import power_by_year_mw
from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_app
from tests.conftest import SITE_TABLES
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

BAERUM, ASKER = "3201", "3203"
TO_LONLAT = Transformer.from_crs(25833, 4326, always_xy=True)
TODAY = dt.date(2026, 12, 1)
OLD, RECENT = "2025-01-15", "2026-09-01"
REGIONRAAD = "Asker og Bærum regionråd"

# Per site: (kommune, index along the row, side in m, extra properties). Varied on every axis searched.
SITES: list[tuple[str, int, float, dict[str, Any]]] = [
    (
        BAERUM,
        1,
        60,
        {"maturity": "M1", "power_status": "E0", "power_mw_now": None, "availability": "not_on_market"},
    ),
    (BAERUM, 2, 120, {"maturity": "M3", "power_mw_now": 2, "power_mw_future": 12, "power_future_year": 2028}),
    (
        BAERUM,
        3,
        200,
        {"maturity": "M4", "power_status": "E3", "power_mw_now": 15, "land_control": "private_agreement"},
    ),
    (
        BAERUM,
        4,
        90,
        {
            "maturity": "M5",
            "power_status": "E4",
            "power_mw_now": 30,
            "uses": "1330",
            "description_no": "Lager og logistikk nær motorveien",
        },
    ),
    (
        BAERUM,
        5,
        150,
        {
            "maturity": "M2",
            "power_mw_now": 1,
            "power_mw_future": 8,
            "power_future_year": 2031,
            "maturity_verified_at": OLD,
            "availability": "optioned",
        },
    ),
    (
        ASKER,
        1,
        110,
        {
            "maturity": "M3",
            "power_status": "E2",
            "power_mw_now": 6,
            "uses": "1340",
            "description_en": "Data centre site with logistics access",
        },
    ),
    (
        ASKER,
        2,
        250,
        {
            "maturity": "M5",
            "power_status": "E4",
            "power_mw_now": 40,
            "land_control": "private_agreement",
            "power_verified_at": OLD,
        },
    ),
    (
        ASKER,
        3,
        70,
        {
            "maturity": "M0",
            "power_status": "E1",
            "power_mw_now": None,
            "power_mw_future": 20,
            "power_future_year": 2027,
            "availability": "optioned",
        },
    ),
]


@dataclass
class World:
    client: TestClient
    rows: list[dict[str, Any]]  # each site's columns, its site_match distances and its outline (25833)


@pytest.fixture(scope="module")
def world(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    folder: Path = tmp_path_factory.mktemp("filters")
    for kommune in (BAERUM, ASKER):
        x, y = anchor_25833(engine, kommune)
        feats = [
            (
                to_lonlat(square_25833(x, y, side, dx=400 * i)),
                site_props(
                    10 * int(kommune == ASKER) + i, kommune, **{"land_control_verified_at": RECENT, **extra}
                ),
            )
            for k, i, side, extra in SITES
            if k == kommune
        ]
        loaded = run_submission(
            engine, write_geojson(folder / f"{kommune}.geojson", feats), SubmitOptions(kommune)
        )
        assert loaded.rows_loaded == len(feats), [i.one_line() for i in loaded.issues]
    with engine.begin() as conn:
        # Asker's membership and regionråd changed for this module, so members_only and regionraad keep some
        # sites and not others (both kommuner are members of one regionråd in the reference data).
        conn.execute(
            text("UPDATE kommune SET is_member = NOT is_member, regionraad = 'Folloregionen' WHERE nr = :k"),
            {"k": ASKER},
        )
        # One demo site (the demo loader's flag) and one draft, which no search may show.
        conn.execute(text("UPDATE site SET is_demo = true WHERE reference = 'T-013'"))
        conn.execute(text("UPDATE site SET status = 'draft' WHERE reference = 'T-005'"))
        rows = [
            dict(r)
            for r in conn.execute(
                text(
                    "SELECT s.*, k.regionraad, k.is_member, ST_AsBinary(s.geom_25833) AS wkb, "
                    "m.km_motorway_junction, m.km_rail_terminal, m.km_port, m.km_airport, "
                    "(SELECT n.road FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id "
                    " WHERE l.site_id = s.id AND l.kind = 'motorway_junction') AS road "
                    "FROM site s JOIN kommune k ON k.nr = s.kommune_nr JOIN site_match m ON m.id = s.id "
                    "WHERE s.status = 'published'"
                )
            ).mappings()
        ]
    for r in rows:
        r["geom"] = shapely.from_wkb(bytes(r["wkb"]))
    clock = FixedClock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    yield World(TestClient(make_app(engine, clock=clock)), rows)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE kommune SET is_member = NOT is_member, regionraad = :r WHERE nr = :k"),
            {"k": ASKER, "r": REGIONRAAD},
        )
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def _ids(w: World, **params: Any) -> list[int]:
    response = w.client.get("/api/v1/sites", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def _expect(w: World, keep: Callable[[dict[str, Any]], bool]) -> set[int]:
    return {r["id"] for r in w.rows if keep(r)}


def test_the_world_is_varied(world: World) -> None:
    assert len(world.rows) == len(SITES) - 1  # the draft is not published
    assert {r["kommune_nr"] for r in world.rows} == {BAERUM, ASKER}
    assert all(r["km_motorway_junction"] is not None for r in world.rows)


@pytest.mark.parametrize(
    ("params", "rule"),
    [
        ({"kommune": BAERUM}, lambda r: r["kommune_nr"] == BAERUM),
        ({"kommune": [BAERUM, ASKER]}, lambda r: True),
        ({"kommune": "3024"}, lambda r: r["kommune_nr"] == BAERUM),  # Bærum's 2020–2023 number
        ({"min_area_m2": 15000}, lambda r: r["area_m2"] >= 15000),
        ({"max_area_m2": 15000}, lambda r: r["area_m2"] <= 15000),
        ({"min_area_m2": 8000, "max_area_m2": 20000}, lambda r: 8000 <= r["area_m2"] <= 20000),
        ({"maturity_min": "M3"}, lambda r: r["maturity"] in ("M3", "M4", "M5")),
        ({"power_min": "E3"}, lambda r: r["power_status"] in ("E3", "E4")),
        ({"power_mw_min": 6}, lambda r: r["power_mw_now"] is not None and r["power_mw_now"] >= 6),
        (
            {"power_mw_min_by_year": 10, "power_year": 2028},
            lambda r: (power_by_year_mw(r, 2028) or 0) >= 10,
        ),
        (
            {"power_mw_min_by_year": 10, "power_year": 2027},
            lambda r: (power_by_year_mw(r, 2027) or 0) >= 10,
        ),
        ({"availability": "optioned"}, lambda r: r["availability"] == "optioned"),
        (
            {"availability": ["optioned", "not_on_market"]},
            lambda r: r["availability"] in ("optioned", "not_on_market"),
        ),
        ({"land_control": "private_agreement"}, lambda r: r["land_control"] == "private_agreement"),
        ({"use_code": "1330"}, lambda r: "1330" in r["uses"]),
        ({"use_code": ["1330", "1350"]}, lambda r: bool({"1330", "1350"} & set(r["uses"]))),
        ({"include_demo": "false"}, lambda r: not r["is_demo"]),
        ({"members_only": "true"}, lambda r: r["is_member"]),
        ({"regionraad": REGIONRAAD}, lambda r: r["regionraad"] == REGIONRAAD),
        ({"q": "logistikk"}, lambda r: r["reference"] == "T-004"),
        ({"q": "lager motorveien"}, lambda r: r["reference"] == "T-004"),  # both words, stemmed
        ({"q": "datasenter OR centre"}, lambda r: r["reference"] == "T-011"),
        (
            {"verified_within_months": 6},
            lambda r: all(
                r[c] is None or (r[v] is not None and r[v] >= dt.date(2026, 6, 1))
                for c, v in (
                    ("maturity", "maturity_verified_at"),
                    ("power_status", "power_verified_at"),
                    ("availability", "availability_verified_at"),
                    ("land_control", "land_control_verified_at"),
                )
            ),
        ),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_filter_returns_exactly_the_sites_the_rule_keeps(
    world: World, params: dict[str, Any], rule: Callable[[dict[str, Any]], bool]
) -> None:
    expected = _expect(world, rule)
    assert set(_ids(world, **params)) == expected
    assert 0 < len(expected) < len(world.rows) or params.get("kommune") == [BAERUM, ASKER], (
        "a test that can fail"
    )


def test_each_distance_limit_keeps_the_sites_within_it(world: World) -> None:
    for name, column in (
        ("main_road", "km_motorway_junction"),
        ("rail_terminal", "km_rail_terminal"),
        ("port", "km_port"),
        ("airport", "km_airport"),
    ):
        distances = sorted(r[column] for r in world.rows)
        limit = (distances[2] + distances[3]) / 2  # between the third and the fourth nearest
        expected = _expect(world, lambda r, c=column, km=limit: r[c] <= km)
        assert set(_ids(world, **{f"max_km_{name}": limit})) == expected, name
        assert 0 < len(expected) < len(world.rows)


def test_road_names_a_road_of_the_nearest_junction(world: World) -> None:
    """A junction's road text may name several roads ("E16 / E18"): the road asked for is one of them."""
    texts = {r["road"] for r in world.rows if r["road"]}
    roads = {m for t in texts for m in re.findall(r"(?:E|Rv|Fv)\d+", t)}
    assert roads
    for road in roads:
        expected = _expect(
            world, lambda r, rd=road: bool(r["road"]) and rd in re.findall(r"(?:E|Rv|Fv)\d+", r["road"])
        )
        assert set(_ids(world, road=road)) == expected, road
        spaced = re.sub(r"(\D+)(\d+)", r"\1 \2", road).lower()
        assert set(_ids(world, road=spaced)) == expected  # "e 18" is E18
    assert _ids(world, road="E1") == []  # not a prefix of E18 or E16


def test_near_within_km_measures_to_the_sites_edge(world: World) -> None:
    target = next(r for r in world.rows if r["reference"] == "T-003")
    centre = target["geom"].centroid
    lon, lat = TO_LONLAT.transform(centre.x, centre.y)
    for km in (0.05, 0.5, 1.0, 3.0):
        expected = _expect(world, lambda r, m=km * 1000: r["geom"].distance(centre) <= m)
        assert set(_ids(world, near=f"{lon},{lat}", within_km=km)) == expected, km
    ordered = _ids(world, near=f"{lon},{lat}", sort="distance")
    assert ordered == sorted(
        ordered, key=lambda i: next(r for r in world.rows if r["id"] == i)["geom"].distance(centre)
    )
    assert ordered[0] == target["id"]


def test_filters_combine_and_unknown_names_are_refused(world: World) -> None:
    expected = _expect(world, lambda r: r["kommune_nr"] == ASKER and r["maturity"] in ("M3", "M4", "M5"))
    assert set(_ids(world, kommune=ASKER, maturity_min="M3")) == expected
    for params, name in (
        ({"regionraad": "Atlantis"}, "regionraad"),
        ({"kommune": "9999"}, "kommune"),
        ({"within_km": 3}, "within_km"),
        ({"power_mw_min_by_year": 3}, "power_year"),
        ({"sort": "distance"}, "sort"),
        ({"near": "200,10"}, "near"),
        ({"min_area_m2": 5, "max_area_m2": 4}, "max_area_m2"),
        ({"road": "Ring 3"}, "road"),
        ({"sort": "colour"}, "sort"),
    ):
        response = world.client.get("/api/v1/sites", params=params)
        assert response.status_code == 400, params
        assert name in response.text


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("area", lambda r: r["area_m2"], False),
        ("-area", lambda r: r["area_m2"], True),
        ("distance_main_road", lambda r: r["km_motorway_junction"], False),
        ("-distance_airport", lambda r: r["km_airport"], True),
        ("name", lambda r: r["name"], False),
    ],
)
def test_sort_orders(world: World, sort: str, key: Callable[[dict[str, Any]], Any], reverse: bool) -> None:
    by_id = {r["id"]: r for r in world.rows}
    got = _ids(world, sort=sort)
    assert [key(by_id[i]) for i in got] == sorted((key(r) for r in world.rows), reverse=reverse)


def test_power_sort_puts_missing_values_last_both_ways(world: World) -> None:
    by_id = {r["id"]: r for r in world.rows}
    for sort in ("power", "-power"):
        values = [by_id[i]["power_mw_now"] for i in _ids(world, sort=sort)]
        known = [v for v in values if v is not None]
        assert values == known + [None] * (len(values) - len(known))
        assert known == sorted(known, reverse=sort.startswith("-"))


def test_pages_in_any_order_cover_all_without_repeats(world: World) -> None:
    for sort in ("kommune", "-area", "power"):
        seen = []
        for offset in range(0, len(world.rows), 3):
            seen += _ids(world, sort=sort, limit=3, offset=offset)
        assert seen == _ids(world, sort=sort)
        assert len(set(seen)) == len(world.rows)


def test_total_is_exact_up_to_the_threshold_then_an_estimate_marked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = world.client.get("/api/v1/sites", params={"limit": 2}).json()
    assert (body["total"], body["total_exact"]) == (len(world.rows), True)
    import registry.store.sites as store

    monkeypatch.setattr(store, "EXACT_TOTAL_MAX", 3)
    body = world.client.get("/api/v1/sites", params={"limit": 2}).json()
    assert body["total_exact"] is False and body["total"] >= 4
    small = world.client.get(
        "/api/v1/sites", params={"limit": 2, "kommune": ASKER, "maturity_min": "M5"}
    ).json()
    assert (small["total"], small["total_exact"]) == (1, True)


def test_csv_holds_the_same_sites_with_codes_and_a_point(world: World) -> None:
    response = world.client.get("/api/v1/sites", params={"f": "csv", "sort": "area", "limit": 1000})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "Kartverket" in response.headers["x-attribution"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["id"]) for r in rows] == _ids(world, sort="area")
    by_id = {r["id"]: r for r in world.rows}
    for row in rows:
        site = by_id[int(row["id"])]
        assert row["maturity"] == site["maturity"] and row["power"] == site["power_status"]
        assert row["kommune_nr"] == site["kommune_nr"]
        assert site["geom"].contains(
            shapely.Point(
                Transformer.from_crs(4326, 25833, always_xy=True).transform(
                    float(row["lon"]), float(row["lat"])
                )
            )
        )


def test_csv_escapes_text_a_spreadsheet_would_run(world: World, ref_engine: Engine) -> None:
    with ref_engine.begin() as conn:
        conn.execute(text("UPDATE site SET name = '=HYPERLINK(\"http://x\")' WHERE reference = 'T-001'"))
    try:
        response = world.client.get("/api/v1/sites", params={"f": "csv", "q": "hyperlink"})
        body = world.client.get("/api/v1/sites", params={"f": "csv", "kommune": BAERUM}).text
        names = [r["name"] for r in csv.DictReader(io.StringIO(body))]
        assert '\'=HYPERLINK("http://x")' in names
        assert response.status_code == 200
    finally:
        with ref_engine.begin() as conn:
            conn.execute(text("UPDATE site SET name = 'Testområde 1' WHERE reference = 'T-001'"))


def test_total_is_the_same_on_every_page_and_past_the_end(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = len(world.rows)
    for offset in (0, 2, n - 1, n, n + 5):
        body = world.client.get("/api/v1/sites", params={"limit": 2, "offset": offset}).json()
        assert (body["total"], body["total_exact"]) == (n, True), offset
        assert len(body["features"]) == max(0, min(2, n - offset))
    import registry.store.sites as store

    monkeypatch.setattr(store, "EXACT_TOTAL_MAX", 3)
    past = world.client.get("/api/v1/sites", params={"limit": 2, "offset": n + 5}).json()
    assert past["total_exact"] is False and past["features"] == []
    monkeypatch.setattr(store, "EXACT_TOTAL_MAX", n + 2)
    past = world.client.get("/api/v1/sites", params={"limit": 2, "offset": n + 5}).json()
    assert (past["total"], past["total_exact"]) == (n, True)
