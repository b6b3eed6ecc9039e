"""OGC API – Features at /ogc: the documents a client reads, paging, bbox, errors, and GDAL's OAPIF
driver (ogrinfo, ogr2ogr) against a real uvicorn server, compared with the API's published sites."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.clock import FixedClock
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

ASKER, BAERUM = "3203", "3201"
GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
NOW = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)
COLLECTIONS = ["sites", "kommuner", "substations", "logistics_nodes"]


@dataclass(frozen=True)
class World:
    client: TestClient
    engine: Engine
    published: list[int]  # ids, in the API's order
    hidden: list[int]  # a draft and an archived site


def _site_file(engine: Engine, path: Path, kommune_nr: str, refs: list[int], **changes: Any) -> Path:
    """Squares of 120 m, 300 m apart, inside the kommune, one per reference number (T-001, ...)."""
    x, y = anchor_25833(engine, kommune_nr)
    feats = [
        (to_lonlat(square_25833(x, y, 120, dx=300 * i)), site_props(i, kommune_nr, **changes)) for i in refs
    ]
    return write_geojson(path, feats)


def _submit(engine: Engine, path: Path, kommune_nr: str, **options: Any) -> None:
    result = run_submission(engine, path, SubmitOptions(kommune_nr=kommune_nr, **options))
    assert not result.rejected, [i.one_line() for i in result.issues]


def _app(engine: Engine) -> Any:
    return create_app(
        ServerSettings(environment="test"),
        database_url=engine.url.render_as_string(hide_password=False),
        clock=FixedClock(NOW),
    )


@pytest.fixture
def world(clean_engine: Engine, tmp_path: Path) -> World:
    """Five published sites (three in Bærum, two in Asker), one archived and one draft."""
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "b.geojson", BAERUM, [1, 2, 3]), BAERUM)
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "a1.geojson", ASKER, [4, 5, 6]), ASKER)
    # Replacing Asker's file without T-006 archives it; a draft in Asker is not published.
    _submit(
        clean_engine, _site_file(clean_engine, tmp_path / "a2.geojson", ASKER, [4, 5]), ASKER, replace=True
    )
    _submit(clean_engine, _site_file(clean_engine, tmp_path / "d.geojson", ASKER, [7]), ASKER, draft=True)
    with clean_engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status FROM site ORDER BY id")).all()
    statuses = sorted(r[1] for r in rows)
    assert statuses == ["archived", "draft", *["published"] * 5]
    client = TestClient(_app(clean_engine), raise_server_exceptions=False)
    api = client.get("/api/v1/sites", params={"limit": 1000}).json()
    published = [f["id"] for f in api["features"]]
    assert len(published) == 5
    return World(client, clean_engine, published, [r[0] for r in rows if r[1] != "published"])


# Documents ------------------------------------------------------------------------------------------------


def test_landing_page_links_the_description_conformance_and_data(world: World) -> None:
    res = world.client.get("/ogc")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    links = {link["rel"]: link for link in res.json()["links"]}
    base = "http://testserver/ogc"
    assert links["self"]["href"] == base
    assert links["service-desc"] == {
        "href": f"{base}/api",
        "rel": "service-desc",
        "type": "application/vnd.oai.openapi+json;version=3.0",
        "title": links["service-desc"]["title"],
    }
    assert links["conformance"]["href"] == f"{base}/conformance"
    assert links["data"]["href"] == f"{base}/collections"
    assert world.client.get(links["service-doc"]["href"]).status_code == 200


def test_conformance_declares_core_geojson_and_oas30(world: World) -> None:
    body = world.client.get("/ogc/conformance").json()
    conf = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert sorted(body["conformsTo"]) == sorted(conf + c for c in ("core", "geojson", "oas30"))


def test_api_definition_is_openapi_30_of_the_ogc_paths_only(world: World) -> None:
    res = world.client.get("/ogc/api")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/vnd.oai.openapi+json;version=3.0")
    doc = res.json()
    assert doc["openapi"].startswith("3.0.")
    assert sorted(doc["paths"]) == [
        "/ogc",
        "/ogc/api",
        "/ogc/collections",
        "/ogc/collections/sites/items",
        "/ogc/collections/{collectionId}",
        "/ogc/collections/{collectionId}/items",
        "/ogc/collections/{collectionId}/items/{featureId}",
        "/ogc/conformance",
    ]
    text_ = json.dumps(doc)
    assert '"type": "null"' not in text_ and '"422"' not in text_  # 3.1 forms and FastAPI's 422 are gone
    params = {
        p["name"]: p for p in doc["paths"]["/ogc/collections/{collectionId}/items"]["get"]["parameters"]
    }
    limit = params["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == ("integer", 1, 1000, 100)
    assert params["bbox"]["schema"]["nullable"] is True and params["bbox"]["schema"]["type"] == "string"
    # The sites collection takes every parameter of the API's search (one declaration), but not its f=csv.
    site_params = {p["name"] for p in doc["paths"]["/ogc/collections/sites/items"]["get"]["parameters"]}
    api_params = {
        p["name"]
        for p in world.client.get("/openapi.json").json()["paths"]["/api/v1/sites"]["get"]["parameters"]
    }
    assert site_params == api_params - {"f"}
    assert {"bbox", "kommune", "max_km_main_road", "q", "sort"} <= site_params
    assert doc["servers"] == [{"url": "http://testserver"}]


def test_collections_have_extent_crs_and_licence(world: World) -> None:
    body = world.client.get("/ogc/collections").json()
    by_id = {c["id"]: c for c in body["collections"]}
    assert list(by_id) == COLLECTIONS
    for c in by_id.values():
        assert c["crs"] == [CRS84] and c["itemType"] == "feature"
        (box,) = c["extent"]["spatial"]["bbox"]
        assert c["extent"]["spatial"]["crs"] == CRS84
        assert 4 < box[0] < box[2] < 32 and 57 < box[1] < box[3] < 72  # Norway, lon/lat order
        rels = {link["rel"] for link in c["links"]}
        assert {"self", "items", "license"} <= rels
        assert world.client.get(next(x["href"] for x in c["links"] if x["rel"] == "items")).status_code == 200
    # The sites' extent is the published sites' box: around the five squares in Asker and Bærum only.
    sites_box = by_id["sites"]["extent"]["spatial"]["bbox"][0]
    assert sites_box[2] - sites_box[0] < 0.5 and sites_box[3] - sites_box[1] < 0.3
    # Each reference collection names its source and licence.
    grid = by_id["substations"]
    assert "WattApp" in grid["description"] and "CC BY-NC-SA 4.0" in grid["description"]
    assert any(
        x["rel"] == "license" and x["href"] == "https://creativecommons.org/licenses/by-nc-sa/4.0/"
        for x in grid["links"]
    )
    assert "Kartverket" in by_id["kommuner"]["description"]
    assert "CC BY-SA 4.0" in by_id["logistics_nodes"]["description"]
    assert world.client.get("/ogc/collections/substations").json() == grid


# Items ----------------------------------------------------------------------------------------------------


def test_site_items_are_the_apis_published_sites(world: World) -> None:
    res = world.client.get("/ogc/collections/sites/items")
    assert res.status_code == 200 and res.headers["content-type"] == GEOJSON
    body = res.json()
    api = world.client.get("/api/v1/sites", params={"limit": 1000}).json()
    assert body["features"] == api["features"]  # same features, same properties, same order
    assert (body["numberMatched"], body["numberReturned"]) == (5, 5)
    assert body["timeStamp"] == "2026-10-01T12:00:00Z"
    assert not {f["id"] for f in body["features"]} & set(world.hidden)
    # One item is the API's passport, with links.
    site_id = world.published[0]
    one = world.client.get(f"/ogc/collections/sites/items/{site_id}")
    assert one.status_code == 200 and one.headers["content-type"] == GEOJSON
    passport = world.client.get(f"/api/v1/sites/{site_id}").json()
    got = one.json()
    assert {k: v for k, v in got.items() if k != "links"} == passport
    assert {link["rel"] for link in got["links"]} == {"self", "collection"}


def test_paging_follows_next_and_prev_links(world: World) -> None:
    seen: list[int] = []
    url: str | None = "/ogc/collections/sites/items?limit=2&kommune=3201&min_area_m2=1"
    pages = 0
    while url:
        body = world.client.get(url).json()
        pages += 1
        assert body["numberMatched"] == 3 and body["numberReturned"] == len(body["features"]) <= 2
        seen += [f["id"] for f in body["features"]]
        links = {link["rel"]: link["href"] for link in body["links"]}
        assert "kommune=3201" in links["self"] and "min_area_m2=1" in links["self"]
        assert ("prev" in links) == (pages > 1)
        url = links.get("next")
    api = world.client.get("/api/v1/sites", params={"kommune": BAERUM}).json()
    assert pages == 2 and seen == [f["id"] for f in api["features"]]
    last = world.client.get("/ogc/collections/sites/items?limit=2&offset=4").json()
    links = {link["rel"]: link["href"] for link in last["links"]}
    assert "next" not in links and links["prev"].endswith("limit=2&offset=2")
    assert [f["id"] for f in last["features"]] == world.published[4:]


def test_site_filters_are_the_apis(world: World) -> None:
    for params in ({"kommune": ASKER}, {"kommune": "3024"}, {"maturity_min": "M4"}, {"power_min": "E2"}):
        ogc = world.client.get("/ogc/collections/sites/items", params=params).json()
        api = world.client.get("/api/v1/sites", params=params).json()
        assert [f["id"] for f in ogc["features"]] == [f["id"] for f in api["features"]], params
        assert ogc["numberMatched"] == api["total"]
    assert (
        world.client.get("/ogc/collections/sites/items", params={"kommune": ASKER}).json()["numberMatched"]
        == 2
    )
    bad = world.client.get("/ogc/collections/sites/items", params={"kommune": "9999"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM)


def test_bbox_filters_every_collection(world: World) -> None:
    feature = world.client.get(f"/ogc/collections/sites/items/{world.published[0]}").json()
    x0, y0, x1, y1 = shapely.geometry.shape(feature["geometry"]).bounds
    box = f"{x0 - 0.0001},{y0 - 0.0001},{x1 + 0.0001},{y1 + 0.0001}"
    body = world.client.get("/ogc/collections/sites/items", params={"bbox": box}).json()
    assert [f["id"] for f in body["features"]] == [world.published[0]] and body["numberMatched"] == 1
    # Kommuner: a small box in central Oslo touches Oslo only; one over Asker and Bærum both.
    oslo = world.client.get("/ogc/collections/kommuner/items", params={"bbox": "10.74,59.91,10.75,59.92"})
    assert [f["id"] for f in oslo.json()["features"]] == ["0301"]
    both = world.client.get("/ogc/collections/kommuner/items", params={"bbox": f"{x0},{y0},{x1},{y1}"}).json()
    assert [f["id"] for f in both["features"]] == [feature["properties"]["kommune_nr"]]
    # Points: those returned lie in the box, and those left out do not.
    box_pts = (10.0, 59.5, 11.5, 60.5)
    every = world.client.get("/ogc/collections/substations/items", params={"limit": 1000}).json()
    inside = world.client.get(
        "/ogc/collections/substations/items", params={"bbox": ",".join(map(str, box_pts)), "limit": 1000}
    ).json()
    truth = [
        f["id"]
        for f in every["features"]
        if shapely.box(*box_pts).intersects(shapely.geometry.shape(f["geometry"]))
    ]
    assert 0 < len(truth) < every["numberMatched"]
    assert [f["id"] for f in inside["features"]] == truth and inside["numberMatched"] == len(truth)
    nowhere = world.client.get("/ogc/collections/logistics_nodes/items", params={"bbox": "100,-10,120,10"})
    assert nowhere.json()["numberMatched"] == 0 and nowhere.json()["features"] == []


def test_reference_collections_carry_their_properties(world: World) -> None:
    k = world.client.get("/ogc/collections/kommuner/items/3201").json()
    assert k["id"] == "3201" and k["properties"]["name"] == "Bærum" and k["properties"]["is_member"] is True
    assert k["properties"]["regionraad"] and k["geometry"]["type"] in ("Polygon", "MultiPolygon")
    subs = world.client.get("/ogc/collections/substations/items", params={"limit": 1}).json()
    (sub,) = subs["features"]
    assert sub["geometry"]["type"] == "Point"
    assert {"name", "grid_company", "available_cons_mw", "capacity_date", "licence"} <= set(sub["properties"])
    assert sub["properties"]["licence"] == "CC BY-NC-SA 4.0"
    with world.engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("kommune", "substation", "logistics_node")
        }
    for cid, table in (
        ("kommuner", "kommune"),
        ("substations", "substation"),
        ("logistics_nodes", "logistics_node"),
    ):
        assert (
            world.client.get(f"/ogc/collections/{cid}/items", params={"limit": 1}).json()["numberMatched"]
            == counts[table]
        )
    node = world.client.get("/ogc/collections/logistics_nodes/items", params={"limit": 1}).json()["features"][
        0
    ]
    again = world.client.get(f"/ogc/collections/logistics_nodes/items/{node['id']}").json()
    assert {k: v for k, v in again.items() if k != "links"} == node
    assert node["properties"]["kind_en"] and node["properties"]["precision_km"] > 0


# Errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/ogc/collections/nope",
        "/ogc/collections/nope/items",
        "/ogc/collections/nope/items/1",
        "/ogc/collections/sites/items/999999",
        "/ogc/collections/sites/items/abc",
        "/ogc/collections/sites/items/99999999999",
        "/ogc/collections/kommuner/items/9999",
        "/ogc/collections/substations/items/0",
    ],
)
def test_unknown_collection_or_feature_is_a_404_problem(world: World, url: str) -> None:
    res = world.client.get(url)
    assert res.status_code == 404 and res.headers["content-type"].startswith(PROBLEM)
    assert res.json()["type"] == "/problems/not-found"


def test_drafts_and_archived_sites_are_404(world: World) -> None:
    for site_id in world.hidden:
        assert world.client.get(f"/ogc/collections/sites/items/{site_id}").status_code == 404


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("/ogc/collections/sites/items?limit=0", "invalid-parameters"),
        ("/ogc/collections/sites/items?limit=1001", "invalid-parameters"),
        ("/ogc/collections/kommuner/items?limit=1001", "invalid-parameters"),
        ("/ogc/collections/kommuner/items?offset=-1", "invalid-parameters"),
        ("/ogc/collections/kommuner/items?offset=1000001", "invalid-parameters"),
        ("/ogc/collections/kommuner/items?bbox=1,2,3", "invalid-parameters"),
        ("/ogc/collections/kommuner/items?bbox=3,2,1,4", "invalid-parameters"),
        ("/ogc/collections/kommuner/items?kommune=3201", "unknown-parameter"),  # sites only
        ("/ogc/collections/sites/items?foo=bar", "unknown-parameter"),
        ("/ogc/collections?f=json", "unknown-parameter"),
        ("/ogc?foo=1", "unknown-parameter"),
    ],
)
def test_bad_parameters_are_a_400_problem(world: World, url: str, slug: str) -> None:
    res = world.client.get(url)
    assert res.status_code == 400 and res.headers["content-type"].startswith(PROBLEM), res.text
    assert res.json()["type"] == f"/problems/{slug}"


def test_limit_bounds_are_inclusive(world: World) -> None:
    assert world.client.get("/ogc/collections/kommuner/items?limit=1").json()["numberReturned"] == 1
    body = world.client.get("/ogc/collections/kommuner/items?limit=1000").json()
    assert body["numberReturned"] == body["numberMatched"] and "next" not in {x["rel"] for x in body["links"]}
    default = world.client.get("/ogc/collections/kommuner/items").json()
    assert default["numberReturned"] == min(100, default["numberMatched"])


# GDAL's OAPIF driver against a real server ---------------------------------------------------------------


@pytest.fixture
def server(world: World) -> Iterator[str]:
    if shutil.which("ogr2ogr") is None:
        pytest.skip("GDAL is not installed (scripts/system-deps.sh gdal)")
    live = LiveServer(_app(world.engine))
    live.start()
    try:
        yield live.url
    finally:
        live.stop()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done


def _fetched(stderr: str) -> list[str]:
    """The URLs GDAL fetched, from its debug output (`HTTP: Fetch(url)`)."""
    return re.findall(r"HTTP: Fetch\((\S+?)\)", stderr)


def test_ogrinfo_lists_the_collections_and_counts_the_published_sites(world: World, server: str) -> None:
    listing = _run("ogrinfo", "-ro", "-q", f"OAPIF:{server}/ogc").stdout
    layers = re.findall(r"^\d+: (\w+)", listing, re.M)
    assert layers == COLLECTIONS, listing
    # The count is numberMatched: drafts and archived sites would make it 7.
    summary = _run("ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=2", f"OAPIF:{server}/ogc", "sites").stdout
    assert "Feature Count: 5\n" in summary, summary
    assert "Geometry: Multi Polygon" in summary and "EPSG" in summary and "4326" in summary, summary


def test_ogr2ogr_copies_the_apis_published_sites(world: World, server: str, tmp_path: Path) -> None:
    out = tmp_path / "sites.json"
    # Two features per request: five sites take three pages, read by following rel=next.
    done = _run(
        "ogr2ogr",
        "--debug",
        "on",
        "-f",
        "GeoJSON",
        str(out),
        "-oo",
        "PAGE_SIZE=2",
        f"OAPIF:{server}/ogc",
        "sites",
    )
    pages = [u for u in _fetched(done.stderr) if "/ogc/collections/sites/items" in u]
    assert any(u.endswith("offset=2") for u in pages) and any(u.endswith("offset=4") for u in pages), pages
    copied = json.loads(out.read_text(encoding="utf-8"))["features"]
    api = world.client.get("/api/v1/sites", params={"limit": 1000}).json()["features"]
    assert len(copied) == len(api) == 5
    by_id = {f["properties"]["id"]: f for f in copied}
    assert sorted(by_id) == sorted(world.published)
    for feature in api:
        got = by_id[feature["id"]]
        props = feature["properties"]
        for key in (
            "id",
            "name",
            "kommune_nr",
            "reference",
            "area_m2",
            "area_daa",
            "kommune_name",
            "is_demo",
        ):
            assert got["properties"][key] == props[key], key
        assert got["properties"]["maturity"] == props["maturity"]  # an object: OGR keeps it as JSON
        ours = shapely.geometry.shape(feature["geometry"])
        theirs = shapely.geometry.shape(got["geometry"])
        assert ours.geom_type == theirs.geom_type
        assert shapely.equals_exact(ours, theirs, tolerance=1e-6)
