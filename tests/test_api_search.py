"""Site search at its edges: the bbox is exactly the lon/lat box asked for, every number is bounded,
unknown parameters are refused, and 2020–2023 kommune numbers lead to the 2024 kommune."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine, text

from api.app import create_app
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from tests.sites_factory import TO_LONLAT, anchor_25833, site_props, to_lonlat, write_geojson

FROM_LONLAT = Transformer.from_crs(4326, 25833, always_xy=True)
SIDE_M = 8.0  # the test sites are small squares …
GAP_M = 3.0  # … this far from the box edge they test, inside or outside
PROBLEM = "application/problem+json"


def _client(engine: Engine, **settings: Any) -> TestClient:
    app = create_app(
        ServerSettings(environment="test", **settings),
        database_url=engine.url.render_as_string(hide_password=False),
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(clean_engine: Engine) -> TestClient:
    return _client(clean_engine)


def _square(x: float, y: float) -> shapely.Polygon:
    return shapely.box(x, y, x + SIDE_M, y + SIDE_M)


def _edge_sites(cx: float, cy: float, corner: tuple[float, float], north: tuple[float, float]) -> list[Any]:
    """Squares (EPSG:25833) just inside and just outside the edges of the test boxes.

    `corner` is box A's south-west corner (lon, lat); `north` a point on box B's north edge.
    """
    lon_c, lat_c = corner
    squares = [_square(cx + 150, cy + 150), _square(cx - 40, cy - 40)]  # deep inside; south-west, out
    # Box A's south edge (the parallel through the corner) 300 m east of the corner; west of 15°E a
    # parallel falls eastwards in EPSG:25833, so "just south of it" is still inside the projected corners.
    sx, sy = FROM_LONLAT.transform(lon_c + 300 / (111_320 * 0.5), lat_c)
    squares += [_square(sx, sy + GAP_M), _square(sx, sy - GAP_M - SIDE_M)]
    # Box A's west edge (the meridian through the corner) 300 m north of it: it leans east, so "just west
    # of it" is still east of the corner.
    wx, wy = FROM_LONLAT.transform(lon_c, lat_c + 300 / 111_320)
    squares += [_square(wx + GAP_M, wy), _square(wx - GAP_M - SIDE_M, wy)]
    # Box B's north edge, in the middle of the box, where a parallel bows farthest from its chord.
    nx, ny = FROM_LONLAT.transform(*north)
    squares += [_square(nx, ny - GAP_M - SIDE_M), _square(nx, ny + GAP_M)]
    return squares


def _lonlat_truth(squares: list[Any], box: tuple[float, float, float, float]) -> set[str]:
    """References of the squares that intersect the lon/lat box, computed with a dense outline."""
    target = shapely.box(*box)
    return {
        f"T-{i + 1:03d}"
        for i, sq in enumerate(squares)
        if to_lonlat(shapely.segmentize(sq, 0.5)).intersects(target)
    }


def _projected_corners(box: tuple[float, float, float, float]) -> shapely.Polygon:
    """The box with only its corners projected to EPSG:25833 (what a plain envelope transform gives)."""
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    return shapely.Polygon([FROM_LONLAT.transform(lon, lat) for lon, lat in corners])


def _found(client: TestClient, box: tuple[float, float, float, float] | str) -> set[str]:
    value = box if isinstance(box, str) else ",".join(repr(v) for v in box)
    res = client.get("/api/v1/sites", params={"bbox": value, "limit": 1000})
    assert res.status_code == 200, res.text
    return {f["properties"]["reference"] for f in res.json()["features"]}


def test_bbox_returns_exactly_the_sites_in_the_lonlat_box(
    clean_engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    cx, cy = anchor_25833(clean_engine, "3201")
    corner = TO_LONLAT.transform(cx, cy)
    north = TO_LONLAT.transform(cx - 200, cy + 200)
    box_a = (corner[0], corner[1], corner[0] + 0.3, corner[1] + 0.2)
    box_b = (north[0] - 0.5, north[1] - 0.2, north[0] + 0.5, north[1])
    squares = _edge_sites(cx, cy, corner, north)
    path = write_geojson(
        tmp_path / "kanter.geojson",
        [(to_lonlat(sq), site_props(i + 1, "3201")) for i, sq in enumerate(squares)],
    )
    result = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201"))
    assert result.rows_loaded == len(squares), [i.one_line() for i in result.issues]
    every = {f"T-{i + 1:03d}" for i in range(len(squares))}

    # The test has teeth: a box projected by its corners alone gets both boxes wrong.
    truth_a, truth_b = _lonlat_truth(squares, box_a), _lonlat_truth(squares, box_b)
    envelope_a = shapely.box(*_projected_corners(box_a).bounds)
    assert {f"T-{i + 1:03d}" for i, sq in enumerate(squares) if sq.intersects(envelope_a)} - truth_a
    chord_b = _projected_corners(box_b)
    assert {f"T-{i + 1:03d}" for i, sq in enumerate(squares) if sq.intersects(chord_b)} - truth_b
    assert truth_a == {"T-001", "T-003", "T-005"}  # in; T-002, T-004, T-006 just out; T-007, T-008 west
    assert "T-007" in truth_b and "T-008" not in truth_b

    assert _found(client, box_a) == truth_a
    assert _found(client, box_b) == truth_b
    # The whole world, and boxes past the poles and the antimeridian, hold every site.
    assert _found(client, "-180,-90,180,90") == every
    assert _found(client, "-200,-100,200,100") == every
    assert _found(client, "-1e308,-1e308,1e308,1e308") == every
    assert _found(client, "100,-10,120,10") == set()  # Borneo


def test_every_kommune_lies_in_the_bbox_domain(ref_engine: Engine) -> None:
    """The store clips boxes to BBOX_DOMAIN_LONLAT; that is only harmless if no site can be outside it."""
    from registry.store.sites import BBOX_DOMAIN_LONLAT

    with ref_engine.connect() as conn:
        extent = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(ST_Transform(geom_25833, 4326)) e FROM kommune) q"
            )
        ).one()
    lo_x, lo_y, hi_x, hi_y = BBOX_DOMAIN_LONLAT
    assert lo_x + 2 < extent[0] and lo_y + 2 < extent[1] and extent[2] < hi_x - 2 and extent[3] < hi_y - 2


@pytest.mark.parametrize(
    "bbox",
    ["nan,59,11,60", "10,59,inf,60", "-inf,59,11,60", "10,59,1e309,60", "10,59,11", "10,60,11,59", "a,b,c,d"],
)
def test_bad_bbox_is_a_400_problem(client: TestClient, bbox: str) -> None:
    res = client.get("/api/v1/sites", params={"bbox": bbox})
    assert res.status_code == 400 and res.headers["content-type"].startswith(PROBLEM)
    body = res.json()
    assert body["type"] == "/problems/invalid-parameters"
    assert body["errors"][0]["loc"] == ["query", "bbox"]


@pytest.mark.parametrize(
    "params",
    [
        {"offset": "9223372036854775808"},
        {"offset": "1000001"},
        {"offset": "-1"},
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "99999999999999999999999"},
        {"min_area_m2": "inf"},
        {"min_area_m2": "nan"},
        {"min_area_m2": "1e400"},
        {"min_area_m2": "1e11"},
    ],
)
def test_out_of_range_numbers_are_a_400_problem(client: TestClient, params: dict[str, str]) -> None:
    res = client.get("/api/v1/sites", params=params)
    assert res.status_code == 400 and res.headers["content-type"].startswith(PROBLEM)
    assert res.json()["errors"][0]["loc"] == ["query", next(iter(params))]


def test_largest_offset_is_answered(client: TestClient) -> None:
    res = client.get("/api/v1/sites", params={"offset": "1000000", "limit": "1000"})
    assert res.status_code == 200 and res.json()["features"] == [] and res.json()["next"] is None


def test_ids_out_of_range_are_a_400_problem(clean_engine: Engine) -> None:
    client = _client(clean_engine, enable_http_submissions=True)
    for url in (
        "/api/v1/sites/9223372036854775808",
        "/api/v1/sites/2147483648",
        "/api/v1/sites/0",
    ):
        res = client.get(url)
        assert res.status_code == 400 and res.headers["content-type"].startswith(PROBLEM), url
    assert client.get("/api/v1/sites/2147483647").status_code == 404


def test_every_numeric_parameter_is_bounded(client: TestClient) -> None:
    """Each integer or number parameter in the OpenAPI document has a minimum and a maximum."""
    spec = client.get("/openapi.json").json()
    numeric = []
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                schema = param["schema"]
                options = schema.get("anyOf", [schema])
                for option in options:
                    if option.get("type") in ("integer", "number"):
                        numeric.append((path, param["name"], option))
    assert numeric, "no numeric parameters found"
    unbounded = [(p, n) for p, n, o in numeric if "maximum" not in o or "minimum" not in o]
    assert unbounded == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sites?foo=bar",
        "/api/v1/sites?limit=5&Kommune=3201",
        "/api/v1/sites/1?foo=bar",
        "/api/v1/kommuner?foo=bar",
        "/api/v1/kommuner/3201?foo=bar",
        "/maps/region?lang=en&foo=bar",
        "/healthz?foo=bar",
        "/api/v1/exports/sites.xlsx?foo=bar",
        "/api/v1/submissions/template.xlsx?foo=bar",
        "/docs?foo=bar",
    ],
)
def test_unknown_query_parameter_is_a_400_naming_it(client: TestClient, url: str) -> None:
    res = client.get(url)
    assert res.status_code == 400 and res.headers["content-type"].startswith(PROBLEM)
    body = res.json()
    unknown = [name for name in ("foo", "Kommune") if f"{name}=" in url]
    assert body["type"] == "/problems/unknown-parameter"
    assert body["unknown"] == unknown and unknown[0] in body["detail"]


def test_unknown_parameter_lists_the_allowed_ones(client: TestClient) -> None:
    body = client.get("/api/v1/sites", params={"foo": "bar"}).json()
    allowed = body["allowed"]
    assert allowed == sorted(allowed)
    # Every documented search parameter (issue 10's list) and the paging and format ones, nothing else.
    documented = {
        *("kommune", "regionraad", "members_only", "bbox", "near", "within_km", "min_area_m2"),
        *("max_area_m2", "maturity_min", "power_min", "power_mw_min", "power_mw_min_by_year", "power_year"),
        *("availability", "land_control", "use_code", "max_km_main_road", "road", "max_km_rail_terminal"),
        *("max_km_port", "max_km_airport", "q", "verified_within_months", "include_demo", "sort"),
        *("limit", "offset", "f"),
    }
    assert set(allowed) == documented
    assert "availability, bbox, f" in body["detail"] and "tillatt" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sites?maturity_min=M9",
        "/api/v1/sites?kommune=abc",
        "/api/v1/sites?bbox=1,2,3",
        "/api/v1/sites?limit=x",
        "/api/v1/kommuner?members_only=maybe",
        "/api/v1/kommuner/12",
        "/api/v1/sites/abc",
        "/maps/region?lang=xx",
        "/api/v1/submissions/template.pdf",
    ],
)
def test_invalid_values_share_one_convention(client: TestClient, url: str) -> None:
    """FastAPI's validation errors and our own checks answer alike: 400, invalid-parameters."""
    res = client.get(url)
    assert res.status_code == 400 and res.headers["content-type"].startswith(PROBLEM)
    body = res.json()
    assert body["type"] == "/problems/invalid-parameters" and body["status"] == 400
    assert body["errors"] and all(len(e["loc"]) == 2 for e in body["errors"])
    assert "Ugyldig" in body["title"]


@pytest.fixture
def baerum_sites(clean_engine: Engine, tmp_path: Path) -> set[str]:
    """Two published sites in 3201 Bærum (2024), which was 3024 in 2020–2023."""
    cx, cy = anchor_25833(clean_engine, "3201")
    squares = [shapely.box(cx, cy, cx + 60, cy + 60), shapely.box(cx + 200, cy, cx + 260, cy + 60)]
    path = write_geojson(
        tmp_path / "baerum.geojson",
        [(to_lonlat(sq), site_props(i + 1, "3201")) for i, sq in enumerate(squares)],
    )
    assert run_submission(clean_engine, path, SubmitOptions(kommune_nr="3201")).rows_loaded == 2
    return {"T-001", "T-002"}


def test_old_kommune_number_redirects_to_the_2024_kommune(client: TestClient) -> None:
    res = client.get("/api/v1/kommuner/3024", follow_redirects=False)
    assert res.status_code == 301
    assert res.headers["location"].endswith("/api/v1/kommuner/3201")
    followed = client.get("/api/v1/kommuner/3024")
    assert followed.status_code == 200 and followed.json()["nr"] == "3201"
    assert followed.json()["name"] == "Bærum"
    assert client.get("/api/v1/kommuner/3201", follow_redirects=False).status_code == 200
    assert client.get("/api/v1/kommuner/9999").status_code == 404


def test_old_kommune_number_filter_searches_the_2024_kommune(
    client: TestClient, baerum_sites: set[str]
) -> None:
    body = client.get("/api/v1/sites", params={"kommune": "3024"}).json()
    assert {f["properties"]["reference"] for f in body["features"]} == baerum_sites
    assert {f["properties"]["kommune_nr"] for f in body["features"]} == {"3201"}
    (note,) = body["notes"]
    assert note["parameter"] == "kommune" and note["given"] == "3024" and note["used"] == "3201"
    assert "3201 Bærum" in note["message_no"] and "3201 Bærum" in note["message_en"]
    current = client.get("/api/v1/sites", params={"kommune": "3201"}).json()
    assert current["total"] == 2 and current["notes"] == []
    # A split kommune goes to its primary successor: 1507 Ålesund (2020–2023) is now mostly 1508.
    split = client.get("/api/v1/sites", params={"kommune": "1507"}).json()
    assert split["notes"][0]["used"] == "1508" and split["total"] == 0


def test_unknown_kommune_filter_is_a_400_problem(client: TestClient) -> None:
    res = client.get("/api/v1/sites", params={"kommune": "9999"})
    assert res.status_code == 400 and res.json()["errors"][0]["loc"] == ["query", "kommune"]
