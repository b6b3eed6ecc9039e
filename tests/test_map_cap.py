"""The region map cannot take the server down: it embeds no site (they come as vector tiles), so the
page's size depends on the reference tables, not on the number of sites; `map_sites`, for maps of a few
sites, is bounded by a LIMIT and a vertex cap. Real PostGIS, no mocks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.db import session_factory
from registry.services.demo import load_demo
from registry.services.maps import MAP_SITES_LIMIT, MAX_POINTS_PER_SITE, map_sites, region_map_layers
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

# The page at 100k sites must stay under this (issue 11); it cannot depend on the sites at all.
PAGE_MAX_BYTES = 500_000
MORE_SITES = 120


@pytest.fixture
def demo_engine(clean_engine: Engine) -> Engine:
    load_demo(clean_engine)
    return clean_engine


def _published(engine: Engine) -> dict[str, str]:
    """Name → kommune of every published site."""
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, kommune_nr FROM site WHERE status = 'published'")).all())


def _client(engine: Engine) -> TestClient:
    return TestClient(
        create_app(ServerSettings(environment="test"), database_url=engine.url.render_as_string(False))
    )


def _mentions(html: str, name: str) -> bool:
    """Whether the page carries `name`, as text or inside embedded JSON (non-ASCII escaped)."""
    return name in html or json.dumps(name)[1:-1] in html


def _add_sites(engine: Engine, tmp_path: Path, n: int) -> None:
    x, y = anchor_25833(engine, "3203")
    features = [
        (
            to_lonlat(square_25833(x + 300 * (i % 10), y + 300 * (i // 10), 100)),
            site_props(i, "3203", name=f"Ny tomt {i}"),
        )
        for i in range(n)
    ]
    result = run_submission(
        engine, write_geojson(tmp_path / "more.geojson", features), SubmitOptions(kommune_nr="3203")
    )
    assert result.rows_loaded == n, [i.one_line() for i in result.issues][:5]


def test_the_map_query_is_limited(demo_engine: Engine) -> None:
    with session_factory(demo_engine)() as session:
        assert len(map_sites(session, limit=5)["features"]) == 5
    assert 1000 <= MAP_SITES_LIMIT <= 5000


@pytest.mark.parametrize("lang", ["no", "en"])
def test_the_page_embeds_no_site_and_does_not_grow_with_them(
    demo_engine: Engine, tmp_path: Path, lang: str
) -> None:
    before = _client(demo_engine).get("/maps/region", params={"lang": lang})
    assert before.status_code == 200
    _add_sites(demo_engine, tmp_path, MORE_SITES)
    after = _client(demo_engine).get("/maps/region", params={"lang": lang})
    names = _published(demo_engine)
    assert len(names) >= 57 + MORE_SITES
    assert not [name for name in names if _mentions(after.text, name)], "a site was embedded"
    # Only the banner's numbers change ("57 av 177 …"): a few bytes, not a few per site.
    assert abs(len(after.content) - len(before.content)) < 50
    assert len(after.content) < PAGE_MAX_BYTES
    assert "/tiles/sites/{z}/{x}/{y}.pbf" in after.text


def test_the_map_layers_come_from_the_reference_tables(demo_engine: Engine) -> None:
    with session_factory(demo_engine)() as session:
        layers = region_map_layers(session)
    with demo_engine.connect() as conn:
        members, substations, nodes, clusters, sites, demo = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM kommune WHERE is_member), (SELECT count(*) FROM substation), "
                "(SELECT count(*) FROM logistics_node), "
                "(SELECT count(*) FROM cluster WHERE kommune_nr IS NOT NULL), "
                "(SELECT count(*) FROM site WHERE status = 'published'), "
                "(SELECT count(*) FROM site WHERE status = 'published' AND is_demo)"
            )
        ).one()
    assert len(layers["kommuner"]["features"]) == members > 0
    assert len(layers["substations"]["features"]) == substations > 0
    assert len(layers["logistics"]["features"]) == nodes > 0
    assert len(layers["clusters"]["features"]) == clusters > 0
    assert (layers["sites"], layers["demo_sites"]) == (sites, demo)
    for kind in ("kommuner", "substations", "logistics", "clusters"):
        for f in layers[kind]["features"]:
            lon, lat = (
                f["geometry"]["coordinates"]
                if f["geometry"]["type"] == "Point"
                else f["properties"]["label_lon_lat"]
            )
            # CRS84 in Norway (Statnett's supply areas reach far beyond the region)
            assert 4 < lon < 32 and 57.5 < lat < 71.5, (kind, f["properties"])
    sub = layers["substations"]["features"][0]["properties"]
    assert {"grid_company", "available_cons_mw", "capacity_date", "caveat"} <= set(sub)


def _star_25833(x: float, y: float, *, points: int, outer_m: float, inner_m: float) -> shapely.Polygon:
    """A star centred on (x, y) with `points` vertices alternating between two radii (deep, narrow spikes)."""
    angles = [2 * math.pi * i / points for i in range(points)]
    radii = [outer_m if i % 2 else inner_m for i in range(points)]
    return shapely.Polygon(
        [(x + r * math.cos(a), y + r * math.sin(a)) for a, r in zip(angles, radii, strict=True)]
    )


def test_one_huge_outline_cannot_blow_up_the_page(clean_engine: Engine, tmp_path: Path) -> None:
    """A site whose outline keeps thousands of vertices after simplification is drawn as its envelope."""
    x, y = anchor_25833(clean_engine, "3203")
    star = _star_25833(x, y, points=3 * MAX_POINTS_PER_SITE, outer_m=300, inner_m=270)
    path = write_geojson(tmp_path / "star.geojson", [(to_lonlat(star), site_props(1, "3203"))])
    result = run_submission(clean_engine, path, SubmitOptions(kommune_nr="3203"))
    assert result.rows_loaded == 1, [i.one_line() for i in result.issues]
    with session_factory(clean_engine)() as session:
        (feature,) = map_sites(session)["features"]
    drawn = shapely.geometry.shape(feature["geometry"])
    assert len(shapely.get_coordinates(drawn)) <= 5
    assert drawn.contains(to_lonlat(shapely.Point(x, y)))  # the envelope still covers the site
