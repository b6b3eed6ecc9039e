"""The region map cannot take the server down: it embeds at most `map_max_sites` site shapes (a setting)
and beyond that draws counts per kommune computed in the database; each query is bounded. Tested with a
small cap rather than 300k sites. Real PostGIS, no mocks.
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
from registry.services.maps import MAX_POINTS_PER_SITE, map_sites, region_map_data
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import MAP_MAX_SITES, ServerSettings
from tests.sites_factory import anchor_25833, site_props, to_lonlat, write_geojson


@pytest.fixture
def demo_engine(clean_engine: Engine) -> Engine:
    load_demo(clean_engine)
    return clean_engine


def _published(engine: Engine) -> dict[str, str]:
    """Name → kommune of every published site."""
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, kommune_nr FROM site WHERE status = 'published'")).all())


def _client(engine: Engine, cap: int) -> TestClient:
    settings = ServerSettings(environment="test", map_max_sites=cap)
    return TestClient(create_app(settings, database_url=engine.url.render_as_string(False)))


def _mentions(html: str, name: str) -> bool:
    """Whether the page carries `name`, as text or inside embedded JSON (non-ASCII escaped)."""
    return name in html or json.dumps(name)[1:-1] in html


def test_the_default_cap_is_a_few_thousand() -> None:
    assert 1000 <= ServerSettings().map_max_sites == MAP_MAX_SITES <= 5000


def test_the_map_query_is_limited(demo_engine: Engine) -> None:
    with session_factory(demo_engine)() as session:
        assert len(map_sites(session, limit=5)["features"]) == 5


def test_the_cap_is_inclusive(demo_engine: Engine) -> None:
    n = len(_published(demo_engine))
    with session_factory(demo_engine)() as session:
        at_cap = region_map_data(session, max_sites=n)
        over_cap = region_map_data(session, max_sites=n - 1)
    assert len(at_cap["sites"]["features"]) == n and at_cap["counts"] is None
    assert over_cap["sites"]["features"] == [] and over_cap["counts"]["features"]


def test_counts_per_kommune_come_from_the_database(demo_engine: Engine) -> None:
    with session_factory(demo_engine)() as session:
        counts = region_map_data(session, max_sites=10)["counts"]["features"]
    with demo_engine.connect() as conn:
        expected = {
            (r.kommune_nr, r.is_demo): (r.n, r.area)
            for r in conn.execute(
                text(
                    "SELECT kommune_nr, is_demo, count(*) AS n, sum(area_m2) AS area FROM site "
                    "WHERE status = 'published' GROUP BY kommune_nr, is_demo"
                )
            )
        }
    got = {(f["properties"]["kommune_nr"], f["properties"]["is_demo"]): f for f in counts}
    assert set(got) == set(expected)
    for key, (n, area) in expected.items():
        props = got[key]["properties"]
        assert props["sites"] == n and props["area_m2"] == pytest.approx(area)
        lon, lat = got[key]["geometry"]["coordinates"]
        assert 9 < lon < 13 and 59 < lat < 61  # CRS84, in the Oslo region


@pytest.mark.parametrize("lang", ["no", "en"])
def test_beyond_the_cap_the_page_shows_counts_and_says_so(demo_engine: Engine, lang: str) -> None:
    names = _published(demo_engine)
    response = _client(demo_engine, cap=10).get("/maps/region", params={"lang": lang})
    assert response.status_code == 200
    html = response.text
    assert not [name for name in names if _mentions(html, name)], "a site was embedded beyond the cap"
    # The notice, in both languages, the user's first; the counts' labels and the legend's circle.
    notice_no = "Flere enn 10 arealer: vist som antall og areal per kommune"
    notice_en = "More than 10 sites: shown as count and area per municipality"
    first, second = (notice_no, notice_en) if lang == "no" else (notice_en, notice_no)
    assert first in html and second in html and html.index(first) < html.index(second)
    assert "nar-count-label" in html and ("Sirkel: antall arealer" in html or "Circle: sites" in html)
    asker = sum(1 for kommune in names.values() if kommune == "3203")
    label = f"{asker} arealer · " if lang == "no" else f"{asker} sites · "
    assert _mentions(html, label)


def test_within_the_cap_the_page_draws_every_site(demo_engine: Engine) -> None:
    names = _published(demo_engine)
    html = _client(demo_engine, cap=len(names)).get("/maps/region").text
    assert all(_mentions(html, name) for name in names)
    assert "Flere enn" not in html and "More than" not in html
    assert 'class="nar-notice' not in html and 'className: "nar-count-label"' not in html


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
