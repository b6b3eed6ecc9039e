"""Vector tiles of sites (/tiles/sites/{z}/{x}/{y}.pbf) from a real PostGIS, decoded with mapbox_vector_tile.

The expected contents are computed here, independently of the tile SQL: the sites' squares are drawn in
EPSG:25833, their points on surface transformed to EPSG:3857 with pyproj, and the tile and cell each falls
in worked out with the web-mercator tile formula. Then: a site's polygon and its properties in the detail
tile holding it (zoom ≥ 10) and not in a far one; drafts and archived sites in no tile; below zoom 10
every cell's count, demo count, area and most advanced maturity; the ETag stable without writes and new
after an insert, an update and an archive, If-None-Match answered 304; tiles outside the pyramid a 404
problem; the stored web-mercator geometry following an update of the outline.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.services import site_edit
from registry.services.access import CLI
from registry.services.submissions import SubmitOptions, run_submission
from schemas.taxonomy import MATURITY
from tests.accounts import make_app
from tests.conftest import SITE_TABLES
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

K = "0301"  # Oslo
ORIGIN_M = 20037508.342789244  # half the web-mercator world's width
TO_3857 = Transformer.from_crs(25833, 3857, always_xy=True)
MEDIA = "application/vnd.mapbox-vector-tile"
CELL_PX, EXTENT = 64, 4096

# (offset east m, offset north m, side m, maturity, demo): published sites, a few hundred metres apart.
PUBLISHED = [
    (0, 0, 150, "M1", False),
    (400, 0, 200, "M4", False),
    (0, 500, 120, "M2", False),
    (3000, 2500, 180, "M3", True),
    (3300, 2500, 100, "M0", True),
]


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    point_3857: tuple[float, float]
    maturity: str
    is_demo: bool
    area_m2: float


def tile_of(point: tuple[float, float], z: int) -> tuple[int, int]:
    width = 2 * ORIGIN_M / 2**z
    return math.floor((point[0] + ORIGIN_M) / width), math.floor((ORIGIN_M - point[1]) / width)


def cell_of(point: tuple[float, float], z: int, x: int, y: int) -> tuple[int, int]:
    """The 64-pixel cell of tile (z, x, y) holding a point, counted from the tile's top-left corner."""
    width = 2 * ORIGIN_M / 2**z
    xmin, ymax = -ORIGIN_M + x * width, ORIGIN_M - y * width
    px = (point[0] - xmin) / width * EXTENT
    py = (ymax - point[1]) / width * EXTENT
    return math.floor(px / CELL_PX), math.floor(py / CELL_PX)


def decode(body: bytes) -> list[dict[str, Any]]:
    tile = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    assert set(tile) == {"sites"}
    assert tile["sites"]["extent"] == EXTENT
    return list(tile["sites"]["features"])


def submit(
    engine: Engine, folder: Path, name: str, squares: list[tuple[Any, dict[str, Any]]], **opts: Any
) -> None:
    path = write_geojson(folder / f"{name}.geojson", [(to_lonlat(g), p) for g, p in squares])
    result = run_submission(engine, path, SubmitOptions(K, **opts))
    assert not result.rejected, result


@pytest.fixture(scope="module")
def world(ref_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    engine = ref_engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    folder = tmp_path_factory.mktemp("tiles")
    x0, y0 = anchor_25833(engine, K)
    squares = {}
    real, demo = [], []
    for i, (dx, dy, side, maturity, is_demo) in enumerate(PUBLISHED, start=1):
        square = square_25833(x0 + dx, y0 + dy, side)
        squares[f"T-{i:03d}"] = square
        (demo if is_demo else real).append((square, site_props(i, K, maturity=maturity)))
    submit(engine, folder, "real", real)
    submit(engine, folder, "demo", demo, is_demo=True)
    draft_square = square_25833(x0 + 800, y0, 150)
    archived_square = square_25833(x0 + 800, y0 + 400, 150)
    submit(engine, folder, "draft", [(draft_square, site_props(20, K, maturity="M5"))], draft=True)
    submit(engine, folder, "archived", [(archived_square, site_props(21, K, maturity="M5"))])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, reference, name, maturity, is_demo, area_m2 FROM site")).all()
    by_ref = {r.reference: r for r in rows}
    site_edit.archive(engine, CLI, by_ref["T-021"].id, clock=FixedClock())
    sites = []
    for ref, square in squares.items():
        r = by_ref[ref]
        p = shapely.point_on_surface(square)
        sites.append(Site(r.id, r.name, TO_3857.transform(p.x, p.y), r.maturity, r.is_demo, r.area_m2))
    hidden = {}
    for ref, square in (("T-020", draft_square), ("T-021", archived_square)):
        p = shapely.point_on_surface(square)
        hidden[by_ref[ref].id] = TO_3857.transform(p.x, p.y)
    assert sum(s.is_demo for s in sites) == 2 and {s.maturity for s in sites} == {
        "M0",
        "M1",
        "M2",
        "M3",
        "M4",
    }
    yield {"engine": engine, "client": TestClient(make_app(engine)), "sites": sites, "hidden": hidden}
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def get_tile(client: TestClient, z: int, x: int, y: int, **headers: str) -> Any:
    return client.get(f"/tiles/sites/{z}/{x}/{y}.pbf", headers=headers)


def test_detail_tile_holds_the_site_with_its_properties(world: dict[str, Any]) -> None:
    client, sites = world["client"], world["sites"]
    site = next(s for s in sites if s.maturity == "M4")
    for z in (10, 14):
        x, y = tile_of(site.point_3857, z)
        r = get_tile(client, z, x, y)
        assert r.status_code == 200
        assert r.headers["content-type"] == MEDIA
        features = {f["id"]: f for f in decode(r.content)}
        assert site.id in features
        feature = features[site.id]
        assert feature["geometry"]["type"] == "Polygon"
        assert feature["properties"] == {
            "id": site.id,
            "name": site.name,
            "kommune_nr": K,
            "maturity": "M4",
            "power": "E2",
            "area_daa": round(site.area_m2 / 1000, 1),
            "is_demo": False,
        }
        # the polygon covers the pixel of the site's point
        px, py = (c * EXTENT for c in _fraction_in_tile(site.point_3857, z, x, y))
        assert shapely.geometry.shape(feature["geometry"]).buffer(1).contains(shapely.Point(px, py))
    demo = next(s for s in sites if s.is_demo)
    x, y = tile_of(demo.point_3857, 14)
    demo_feature = {f["id"]: f for f in decode(get_tile(client, 14, x, y).content)}[demo.id]
    assert demo_feature["properties"]["is_demo"] is True


def _fraction_in_tile(point: tuple[float, float], z: int, x: int, y: int) -> tuple[float, float]:
    width = 2 * ORIGIN_M / 2**z
    return (point[0] - (-ORIGIN_M + x * width)) / width, ((ORIGIN_M - y * width) - point[1]) / width


def test_far_tile_does_not_hold_the_site(world: dict[str, Any]) -> None:
    client, site = world["client"], world["sites"][0]
    x, y = tile_of(site.point_3857, 12)
    far = get_tile(client, 12, x + 40, y + 40)
    assert far.status_code == 204
    assert far.content == b""
    assert far.headers["etag"]


def test_drafts_and_archived_sites_are_in_no_tile(world: dict[str, Any]) -> None:
    client = world["client"]
    for site_id, point in world["hidden"].items():
        for z in (12, 15):
            x, y = tile_of(point, z)
            r = get_tile(client, z, x, y)
            ids = {f["id"] for f in decode(r.content)} if r.status_code == 200 else set()
            assert site_id not in ids
        x, y = tile_of(point, 6)
        ones = [f["properties"].get("id") for f in decode(get_tile(client, 6, x, y).content)]
        assert site_id not in ones


def _expected_cells(sites: list[Site], z: int, x: int, y: int) -> dict[tuple[int, int], dict[str, Any]]:
    groups: dict[tuple[int, int], list[Site]] = defaultdict(list)
    for s in sites:
        if tile_of(s.point_3857, z) == (x, y):
            groups[cell_of(s.point_3857, z, x, y)].append(s)
    out = {}
    for cell, members in groups.items():
        props: dict[str, Any] = {
            "count": len(members),
            "area_daa": round(sum(m.area_m2 for m in members) / 1000, 1),
            "demo_count": sum(m.is_demo for m in members),
            "maturity": max((m.maturity for m in members), key=MATURITY.rank),
        }
        if len(members) == 1:
            props.update({"id": members[0].id, "name": members[0].name})
        out[cell] = props
    return out


@pytest.mark.parametrize("z", [4, 7, 8, 9])
def test_aggregated_tiles_count_the_published_sites_per_cell(world: dict[str, Any], z: int) -> None:
    client, sites = world["client"], world["sites"]
    tiles = {tile_of(s.point_3857, z) for s in sites}
    total = demo_total = 0
    for x, y in sorted(tiles):
        r = get_tile(client, z, x, y)
        assert r.status_code == 200
        got = {}
        for f in decode(r.content):
            assert f["geometry"]["type"] == "Point"
            px, py = f["geometry"]["coordinates"]
            got[(math.floor(px / CELL_PX), math.floor(py / CELL_PX))] = f["properties"]
            total += f["properties"]["count"]
            demo_total += f["properties"]["demo_count"]
        assert got == _expected_cells(sites, z, x, y)
    assert total == len(sites)
    assert demo_total == sum(s.is_demo for s in sites)


def test_aggregated_cell_names_the_most_advanced_maturity(world: dict[str, Any]) -> None:
    client, sites = world["client"], world["sites"]
    x, y = tile_of(sites[0].point_3857, 3)
    (cell,) = decode(get_tile(client, 3, x, y).content)  # every site in one cell of 20 km
    assert cell["properties"]["count"] == len(sites)
    assert cell["properties"]["maturity"] == "M4"
    assert "id" not in cell["properties"] and "name" not in cell["properties"]


def test_etag_follows_the_data_version(world: dict[str, Any], tmp_path: Path) -> None:
    client, engine, sites = world["client"], world["engine"], world["sites"]
    site = sites[0]
    x, y = tile_of(site.point_3857, 14)

    def etag() -> str:
        r = get_tile(client, 14, x, y)
        assert r.status_code == 200
        return str(r.headers["etag"])

    first = etag()
    assert first.startswith('"') and first.endswith(f'-14-{x}-{y}"')
    assert etag() == first

    not_modified = get_tile(client, 14, x, y, **{"If-None-Match": first})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == first
    assert get_tile(client, 14, x, y, **{"If-None-Match": f'"0-0-0-0", W/{first}'}).status_code == 304
    assert get_tile(client, 14, x, y, **{"If-None-Match": '"0-14-0-0"'}).status_code == 200

    # an insert anywhere (the version is the whole table's)
    x0, y0 = anchor_25833(engine, K)
    submit(engine, tmp_path, "new", [(square_25833(x0 - 3000, y0, 100), site_props(30, K))])
    after_insert = etag()
    assert after_insert != first
    assert get_tile(client, 14, x, y, **{"If-None-Match": first}).status_code == 200

    site_edit.update_site(engine, CLI, site.id, {"name": "Omdøpt område"}, clock=FixedClock())
    after_update = etag()
    assert after_update != after_insert
    feature = {f["id"]: f for f in decode(get_tile(client, 14, x, y).content)}[site.id]
    assert feature["properties"]["name"] == "Omdøpt område"

    with engine.connect() as conn:
        new_id = conn.execute(text("SELECT id FROM site WHERE reference = 'T-030'")).scalar_one()
    site_edit.archive(engine, CLI, new_id, clock=FixedClock())
    assert etag() not in (first, after_insert, after_update)
    site_edit.update_site(engine, CLI, site.id, {"name": site.name}, clock=FixedClock())


def test_cache_control_comes_from_the_setting(world: dict[str, Any]) -> None:
    site = world["sites"][0]
    x, y = tile_of(site.point_3857, 12)
    assert get_tile(world["client"], 12, x, y).headers["cache-control"] == "public, max-age=60"
    client = TestClient(make_app(world["engine"], tile_max_age_s=600))
    assert get_tile(client, 12, x, y).headers["cache-control"] == "public, max-age=600"


@pytest.mark.parametrize(
    "path", ["23/0/0", "-1/0/0", "0/1/0", "0/0/1", "3/8/0", "3/0/8", "3/-1/0", "10/0/1024", "22/0/4194304"]
)
def test_tiles_outside_the_pyramid_are_404_problems(world: dict[str, Any], path: str) -> None:
    r = world["client"].get(f"/tiles/sites/{path}.pbf", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404
    assert "0" in r.json()["detail"]


def test_corner_tiles_of_the_pyramid_exist(world: dict[str, Any]) -> None:
    for z, x, y in ((0, 0, 0), (22, 4194303, 4194303), (3, 7, 7)):
        assert get_tile(world["client"], z, x, y).status_code in (200, 204)


def test_web_mercator_geometry_follows_the_outline(world: dict[str, Any]) -> None:
    client, engine = world["client"], world["engine"]
    site = world["sites"][2]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE site SET geom_25833 = ST_Translate(geom_25833, 5000, 0) WHERE id = :id"),
            {"id": site.id},
        )
        row = conn.execute(
            text(
                "SELECT ST_Equals(geom_3857, ST_Transform(geom_25833, 3857)) AS outline, "
                "ST_X(point_3857) AS px, ST_Y(point_3857) AS py, "
                "ST_Intersects(ST_Transform(geom_25833, 3857), point_3857) AS inside FROM site WHERE id = :id"
            ),
            {"id": site.id},
        ).one()
    try:
        assert row.outline and row.inside
        moved = (row.px, row.py)
        assert moved[0] - site.point_3857[0] > 5000  # east by 5 km (more in web-mercator metres)
        x, y = tile_of(moved, 15)
        assert site.id in {f["id"] for f in decode(get_tile(client, 15, x, y).content)}
        old_x, old_y = tile_of(site.point_3857, 15)
        old = get_tile(client, 15, old_x, old_y)
        assert old.status_code == 204 or site.id not in {f["id"] for f in decode(old.content)}
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE site SET geom_25833 = ST_Translate(geom_25833, -5000, 0) WHERE id = :id"),
                {"id": site.id},
            )


def test_writers_never_wait_on_the_data_version(world: dict[str, Any]) -> None:
    """Noting a write must not lock anything another writer needs: a transaction that wrote `site` and is
    still open (a long file load) leaves another transaction free to write `site` too, and a reader counts
    the open one's write only once it commits."""
    engine, sites = world["engine"], world["sites"]
    client = world["client"]
    x, y = tile_of(sites[0].point_3857, 14)
    before = get_tile(client, 14, x, y).headers["etag"]
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("UPDATE site SET updated_at = updated_at WHERE id = :id"), {"id": sites[0].id})
        second.execute(text("SET lock_timeout = '2s'"))  # a lock wait fails here instead of hanging
        second.execute(text("UPDATE site SET updated_at = updated_at WHERE id = :id"), {"id": sites[1].id})
        second.commit()
        after_second = get_tile(client, 14, x, y).headers["etag"]
        assert after_second != before
        first.commit()
    assert get_tile(client, 14, x, y).headers["etag"] not in (before, after_second)


def test_an_aggregated_tile_is_rebuilt_after_a_write(world: dict[str, Any]) -> None:
    """Aggregated tiles are kept in the process by data version: a write must never leave the old one
    served (the cell's most advanced maturity follows an edit, and follows it back)."""
    client, engine, sites = world["client"], world["engine"], world["sites"]
    x, y = tile_of(sites[0].point_3857, 3)
    before = get_tile(client, 3, x, y)
    assert get_tile(client, 3, x, y).content == before.content  # the kept copy
    (cell,) = decode(before.content)
    assert cell["properties"]["maturity"] == "M4"
    site_edit.update_site(engine, CLI, sites[0].id, {"maturity": "M5"}, clock=FixedClock())
    try:
        after = get_tile(client, 3, x, y)
        assert after.headers["etag"] != before.headers["etag"]
        (cell,) = decode(after.content)
        assert cell["properties"]["maturity"] == "M5"
        assert get_tile(client, 3, x, y, **{"If-None-Match": before.headers["etag"]}).status_code == 200
        assert get_tile(client, 3, x, y, **{"If-None-Match": after.headers["etag"]}).status_code == 304
    finally:
        site_edit.update_site(engine, CLI, sites[0].id, {"maturity": sites[0].maturity}, clock=FixedClock())
    (cell,) = decode(get_tile(client, 3, x, y).content)
    assert cell["properties"]["maturity"] == "M4"


def test_a_dense_detail_tile_is_sent_as_cells(world: dict[str, Any]) -> None:
    """From zoom 10 a tile holding more sites than `tile_detail_max_sites` carries cell points (counted
    like the low zooms) instead of polygons; at or under the limit, polygons."""
    engine, sites = world["engine"], world["sites"]
    z = 10
    x, y = tile_of(sites[0].point_3857, z)
    reaching = [s for s in sites if tile_of(s.point_3857, z) == (x, y)]
    assert len(reaching) >= 3  # the sites lie within a few km of each other

    at_limit = TestClient(make_app(engine, tile_detail_max_sites=len(reaching)))
    polygons = decode(get_tile(at_limit, z, x, y).content)
    assert {f["id"] for f in polygons} >= {s.id for s in reaching}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in polygons)

    dense = TestClient(make_app(engine, tile_detail_max_sites=len(reaching) - 1))
    cells = decode(get_tile(dense, z, x, y).content)
    assert all(f["geometry"]["type"] == "Point" for f in cells)
    got = {}
    for f in cells:
        px, py = f["geometry"]["coordinates"]
        got[(math.floor(px / CELL_PX), math.floor(py / CELL_PX))] = f["properties"]
    assert got == _expected_cells(sites, z, x, y)
