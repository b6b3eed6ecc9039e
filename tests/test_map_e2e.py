"""End to end: the real app (FastAPI + PostGIS + demo data) serves /maps/region to headless Chromium.

Also: the viewer hides the demo sites (and the banner goes with them), and beyond the map's cap the page
draws counts per kommune.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from maps.site_layers import POINTS_MAX_ZOOM, POINTS_PANE
from registry.services.demo import load_demo
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import ServerSettings
from schemas.taxonomy import MATURITY
from tests.browser import console_errors, headless_chromium
from tests.live_server import LiveServer
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

pytestmark = pytest.mark.browser

DRAW_TIMEOUT_S = 20
SCREENSHOT = "/tmp/map_e2e.png"

# The page's folium map object: a global `map_<hash>`, found by type rather than by name.
FIND_MAP_JS = "Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"

# Ids of the drawn site layers, polygons and points apart (kommune outlines carry no maturity).
DRAWN_SITES_JS = f"""
    var map = window[{FIND_MAP_JS}], out = {{polygons: [], points: []}};
    map.eachLayer(function (layer) {{
        var p = layer.feature && layer.feature.properties;
        if (!p || !("maturity" in p)) {{ return; }}
        if (layer instanceof L.CircleMarker) {{ out.points.push(String(p.id)); }}
        else if (layer instanceof L.Polygon) {{ out.polygons.push(String(p.id)); }}
    }});
    return out;
"""

# [path, site id] of the first site point that a click at its centre would reach (not covered by the
# legend, banner or controls), or null.
CLICKABLE_POINT_JS = f"""
    var map = window[{FIND_MAP_JS}], found = null;
    map.eachLayer(function (layer) {{
        if (found || !(layer instanceof L.CircleMarker) || !layer.feature) {{ return; }}
        var r = layer._path.getBoundingClientRect();
        if (document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === layer._path) {{
            found = [layer._path, String(layer.feature.properties.id)];
        }}
    }});
    return found;
"""


@pytest.fixture
def demo_engine(clean_engine: Engine) -> Engine:
    """The test database with the demo sites published."""
    load_demo(clean_engine)
    return clean_engine


@pytest.fixture
def published_sites(demo_engine: Engine) -> dict[str, str]:
    """Id → name of the published sites, straight from the database."""
    with demo_engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM site WHERE status = 'published'")).all()
    assert rows, "the demo data published no sites"
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
    with headless_chromium(width=1280, height=900) as driver:
        yield driver


def _open_map(browser: Any, url: str, n_sites: int) -> None:
    """Load the map page and wait until every site's point is drawn."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")  # drop entries from earlier pages
    browser.get(url)
    count_js = f"return document.querySelectorAll('.leaflet-{POINTS_PANE}-pane path').length"
    WebDriverWait(browser, DRAW_TIMEOUT_S).until(lambda d: d.execute_script(count_js) >= n_sites)


def _assert_offline(browser: Any, origin: str) -> None:
    """Assert that the page loaded nothing from any other host than the app."""
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert names, "no resources were recorded"
    off_host = [name for name in names if not name.startswith(origin + "/")]
    assert off_host == []
    assert browser.current_url.startswith(origin + "/")


def _legend_text(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    legend = browser.find_element(By.CSS_SELECTOR, ".leaflet-bottom.leaflet-right .nar-legend")
    assert legend.is_displayed()
    return str(legend.text)


def test_region_map_of_the_real_app(browser: Any, live_app: str, published_sites: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open_map(browser, f"{live_app}/maps/region", len(published_sites))
    assert browser.execute_script("return typeof window.L") == "object"

    # Every published site is drawn once as a polygon and once as a point, and nothing else is.
    drawn = browser.execute_script(DRAWN_SITES_JS)
    assert sorted(drawn["points"]) == sorted(published_sites)
    assert sorted(drawn["polygons"]) == sorted(published_sites)

    # At region zoom the points are what makes the sites findable: shown, and big enough to see and hit.
    zoom = browser.execute_script(f"return window[{FIND_MAP_JS}].getZoom()")
    assert zoom <= POINTS_MAX_ZOOM
    points = browser.find_elements(By.CSS_SELECTOR, f".leaflet-{POINTS_PANE}-pane path.leaflet-interactive")
    assert len(points) == len(published_sites)
    assert all(p.is_displayed() and p.size["width"] >= 12 for p in points)

    banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
    assert banner.is_displayed() and "DEMODATA" in banner.text
    legend = _legend_text(browser)
    for term in MATURITY.terms:
        assert f"{term.code} {MATURITY.label(term.code, 'no')}" in legend
    attribution = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-attribution").text
    assert "Kartverket" in attribution and "CC BY 4.0" in attribution

    # Headless Chromium's software compositor leaves part of Leaflet's will-change SVG layer unpainted
    # in screenshots (the DOM geometry is right); painting it as a plain layer gives a true picture.
    browser.execute_script(
        "document.querySelectorAll('.leaflet-zoom-animated').forEach(e => e.style.willChange = 'auto')"
    )
    browser.save_screenshot(SCREENSHOT)

    # A click on a site's point opens its popup: the site's name and a working link to its passport.
    clickable = browser.execute_script(CLICKABLE_POINT_JS)
    assert clickable is not None, "every site point is covered by map furniture"
    point, site_id = clickable
    point.click()
    popup = WebDriverWait(browser, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .nar-popup")
    )
    WebDriverWait(browser, 5).until(lambda d: popup.text)  # the popup fades in
    link = popup.find_element(By.CSS_SELECTOR, "a[href^='/sites/']")
    href = link.get_attribute("href")
    assert href == f"{live_app}/sites/{site_id}"
    assert published_sites[site_id] in popup.text

    assert console_errors(browser) == []
    _assert_offline(browser, live_app)
    # The link opens the site's page (not raw JSON), named as in the popup.
    browser.get(href)
    assert browser.find_element(By.TAG_NAME, "h1").text == published_sites[site_id]


def test_region_map_in_english(browser: Any, live_app: str, published_sites: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    _open_map(browser, f"{live_app}/maps/region?lang=en", len(published_sites))
    assert browser.title == "Business land in the Oslo region"
    legend = _legend_text(browser)
    for term in MATURITY.terms:
        assert f"{term.code} {MATURITY.label(term.code, 'en')}" in legend
    banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
    assert banner.text.startswith("DEMO DATA")
    assert console_errors(browser) == []
    _assert_offline(browser, live_app)


def _serve(engine: Engine, settings: ServerSettings) -> LiveServer:
    server = LiveServer(create_app(settings, database_url=engine.url.render_as_string(hide_password=False)))
    server.start()
    return server


@pytest.fixture
def real_site(demo_engine: Engine, tmp_path: Any) -> str:
    """One real (not demo) site beside the demo sites; its id."""
    x, y = anchor_25833(demo_engine, "3203")
    square = to_lonlat(square_25833(x, y, 150, dx=-900))
    path = write_geojson(tmp_path / "real.geojson", [(square, site_props(1, "3203", name="Ekte tomt"))])
    result = run_submission(demo_engine, path, SubmitOptions(kommune_nr="3203"))
    assert result.rows_loaded == 1, [i.one_line() for i in result.issues]
    with demo_engine.connect() as conn:
        return str(conn.execute(text("SELECT id FROM site WHERE name = 'Ekte tomt'")).scalar_one())


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
    browser: Any, demo_engine: Engine, real_site: str, published_sites: dict[str, str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server = _serve(demo_engine, ServerSettings(environment="test"))
    try:
        _open_map(browser, f"{server.url}/maps/region", len(published_sites))
        banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
        n = len(published_sites)
        assert banner.is_displayed()
        assert f"{n - 1} av {n} viste arealer er oppdiktet" in banner.text, banner.text
        assert f"{n - 1} of {n} sites shown are invented" in banner.text

        checkbox = _demo_toggle(browser)
        assert checkbox.is_selected()
        checkbox.click()
        WebDriverWait(browser, 5).until(lambda d: not banner.is_displayed())
        drawn = browser.execute_script(DRAWN_SITES_JS)
        assert drawn["points"] == [real_site] and drawn["polygons"] == [real_site]

        _demo_toggle(browser).click()
        WebDriverWait(browser, 5).until(lambda d: banner.is_displayed())
        assert sorted(browser.execute_script(DRAWN_SITES_JS)["points"]) == sorted(published_sites)
        assert console_errors(browser) == []
        _assert_offline(browser, server.url)
    finally:
        server.stop()


def test_beyond_the_cap_chromium_draws_counts_per_kommune(
    browser: Any, demo_engine: Engine, published_sites: dict[str, str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with demo_engine.connect() as conn:
        kommuner = conn.execute(
            text("SELECT count(DISTINCT kommune_nr) FROM site WHERE status = 'published'")
        ).scalar_one()
    server = _serve(demo_engine, ServerSettings(environment="test", map_max_sites=10))
    try:
        browser.get_log("browser")
        browser.get(f"{server.url}/maps/region?lang=en")
        labels_css = ".leaflet-tooltip.nar-count-label"
        WebDriverWait(browser, DRAW_TIMEOUT_S).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, labels_css)) >= kommuner
        )
        labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, labels_css)]
        assert len(labels) == kommuner and all(" sites · " in t or " site · " in t for t in labels), labels
        assert sum(int(t.split(" ")[0]) for t in labels) == len(published_sites)
        assert browser.execute_script(DRAWN_SITES_JS) == {"polygons": [], "points": []}

        notice = browser.find_element(By.CSS_SELECTOR, ".leaflet-bottom.leaflet-left .nar-notice")
        assert notice.is_displayed()
        assert notice.text.startswith("More than 10 sites: shown as count and area per municipality")
        assert "Flere enn 10 arealer" in notice.text
        banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
        assert f"All {len(published_sites)} sites shown are invented" in banner.text
        assert console_errors(browser) == []
        _assert_offline(browser, server.url)
    finally:
        server.stop()
