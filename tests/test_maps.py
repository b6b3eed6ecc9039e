"""Tests of the region map: HTML content, offline assets, and drawing in headless Chromium."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import folium
import pytest
from shapely.geometry import Point, shape

from maps import assets
from maps.basemaps import OPENSTREETMAP
from maps.legend import DemoBanner
from maps.popups import format_area, site_popup_html
from maps.region import bounds_lat_lon, build_region_map, render
from maps.site_layers import POINTS_MAX_ZOOM, POINTS_PANE, representative_point, site_layer_data
from maps.text import both
from schemas.taxonomy import MATURITY
from tests.browser import console_errors, headless_chromium

ATTRIBUTION = (
    'Kommunegrenser © <a href="https://www.kartverket.no/">Kartverket</a>, '
    '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>'
)
ATTRIBUTION_TEXT = "Kommunegrenser © Kartverket, CC BY 4.0"  # as the browser shows it


def _square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """Return a GeoJSON Polygon square with its south-west corner at (lon, lat), CRS84."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _kommune(nr: str, name: str, lon: float, lat: float, *, is_member: bool = True) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"nr": nr, "name": name, "is_member": is_member},
        "geometry": _square(lon, lat, 0.2),
    }


def _site(
    site_id: str, name: str, lon: float, lat: float, maturity: str | None, **extra: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": site_id,
        "name": name,
        "kommune_nr": "0301",
        "kommune_name": "Oslo",
        "area_m2": 45_600.0,
        "maturity": maturity,
        "power_status": "E2",
        "power_mw_now": 4.0,
        "availability": "for_sale_or_lease",
        "is_demo": False,
        "stale": False,
        "contact_email": "naering@oslo.kommune.no",
        "contact_role": "Næringssjef",
        "url": f"/api/sites/{site_id}",
    }
    props.update(extra)
    return {"type": "Feature", "properties": props, "geometry": _square(lon, lat, 0.03)}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def kommuner() -> dict[str, Any]:
    return _collection(_kommune("0301", "Oslo", 10.65, 59.85), _kommune("3201", "Bærum", 10.4, 59.85))


@pytest.fixture
def sites() -> dict[str, Any]:
    return _collection(
        _site("s1", "Alnabru logistikkpark", 10.80, 59.92, "M5"),
        _site("s2", "Lysaker kontorfelt", 10.55, 59.90, "M2", stale=True),
        _site("s3", "Demotomta", 10.70, 59.95, "M0", is_demo=True),
    )


def _without_demo(sites: dict[str, Any]) -> dict[str, Any]:
    return _collection(*[f for f in sites["features"] if not f["properties"]["is_demo"]])


class _AssetLinks(HTMLParser):
    """Collect every <script src> and <link href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.urls.append(value)


def _asset_urls(html: str) -> list[str]:
    parser = _AssetLinks()
    parser.feed(html)
    return parser.urls


def _geojson_layers(m: folium.Map) -> list[folium.GeoJson]:
    """Return the map's GeoJSON layers in drawing order, also those inside feature groups."""
    layers = []
    for child in m._children.values():
        if isinstance(child, folium.GeoJson):
            layers.append(child)
        elif isinstance(child, folium.FeatureGroup):
            layers.extend(c for c in child._children.values() if isinstance(c, folium.GeoJson))
    return layers


# --- unit: the HTML page -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["no", "en"])
def test_page_has_every_maturity_label_and_colour(sites: dict, kommuner: dict, lang: str) -> None:
    html = render(sites, kommuner, attribution_html=ATTRIBUTION, lang=lang)
    for term in MATURITY.terms:
        assert term.colour in html
        assert term.label_no in html
        assert term.label_en in html
        assert f"<b>{term.code}</b>" in html


def test_page_has_the_attribution(sites: dict, kommuner: dict) -> None:
    html = render(sites, kommuner, attribution_html=ATTRIBUTION)
    assert "attributionControl.addAttribution(" in html
    for fragment in ("Kommunegrenser ©", ">Kartverket<", ">CC BY 4.0<", "https://www.kartverket.no/"):
        assert fragment in html.replace("\\u003c", "<").replace("\\u003e", ">")


@pytest.mark.parametrize("with_demo", [True, False])
def test_demo_banner_only_when_a_demo_site_is_shown(sites: dict, kommuner: dict, with_demo: bool) -> None:
    html = render(sites if with_demo else _without_demo(sites), kommuner, attribution_html=ATTRIBUTION)
    assert ("DEMODATA / DEMO DATA" in html) is with_demo
    assert ('class="nar-demo-banner"' in html) is with_demo


def _banner_text(m: folium.Map) -> str:
    (banner,) = [c for c in m._children.values() if isinstance(c, DemoBanner)]
    return str(banner.body_html)


def test_demo_banner_says_how_many_of_the_shown_sites_are_demo(sites: dict, kommuner: dict) -> None:
    mixed = _banner_text(build_region_map(sites, kommuner, attribution_html=ATTRIBUTION))
    assert "1 av 3 viste arealer er oppdiktet" in mixed and "1 of 3 sites shown are invented" in mixed
    assert "Eksempeldata" not in mixed and "every" not in mixed
    demo_only = _collection(*[f for f in sites["features"] if f["properties"]["is_demo"]])
    demo_only["features"].append(_site("s4", "Demo 2", 10.6, 59.95, "M1", is_demo=True))
    english = _banner_text(build_region_map(demo_only, kommuner, attribution_html=ATTRIBUTION, lang="en"))
    assert english.startswith("DEMO DATA / DEMODATA") and "All 2 sites shown are invented" in english


def test_demo_sites_are_a_layer_of_their_own_the_banner_follows(sites: dict, kommuner: dict) -> None:
    m = build_region_map(sites, kommuner, attribution_html=ATTRIBUTION)
    groups = {c.layer_name: c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}
    assert set(groups) == {
        "Næringsarealer / Business sites",
        "Demoarealer (oppdiktet) / Demo sites (invented)",
    }
    demo_ids = [
        f["id"]
        for layer in groups["Demoarealer (oppdiktet) / Demo sites (invented)"]._children.values()
        if isinstance(layer, folium.GeoJson)
        for f in layer.data["features"]
    ]
    assert demo_ids == ["s3", "s3"]  # its polygon and its point
    html = m.get_root().render()
    demo_layer = groups["Demoarealer (oppdiktet) / Demo sites (invented)"].get_name()
    assert f"var layer = {demo_layer};" in html and 'map.on("overlayremove"' in html
    assert "skjul dem i lagvelgeren" in html


@pytest.mark.parametrize("lang", ["no", "en"])
def test_counts_per_kommune_replace_the_sites_and_the_map_says_so(kommuner: dict, lang: str) -> None:
    def count(nr: str, name: str, n: int, area_m2: float, is_demo: bool) -> dict[str, Any]:
        props = {"kommune_nr": nr, "kommune_name": name, "sites": n, "area_m2": area_m2, "is_demo": is_demo}
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Point", "coordinates": [10.7, 59.9]},
        }

    counts = _collection(
        count("0301", "Oslo", 2500, 4_321_000.0, False), count("3201", "Bærum", 700, 9_000.0, True)
    )
    m = build_region_map(
        _collection(), kommuner, attribution_html=ATTRIBUTION, lang=lang, counts=counts, max_sites=3000
    )
    html = m.get_root().render()
    assert "Flere enn 3\u00a0000 arealer: vist som antall og areal per kommune" in html
    assert "More than 3,000 sites: shown as count and area per municipality" in html
    assert "Sirkel: antall arealer og daa i kommunen" in html
    groups = [c.layer_name for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    assert groups == [both("counts_layer", lang), both("demo_counts_layer", lang)]
    labels = [
        f["properties"]["label_html"]
        for g in m._children.values()
        if isinstance(g, folium.FeatureGroup)
        for layer in g._children.values()
        if isinstance(layer, folium.GeoJson)
        for f in layer.data["features"]
    ]
    assert labels == (
        ["2\u00a0500 arealer · 4\u00a0321 daa", "700 arealer · 9 daa"]
        if lang == "no"
        else ["2,500 sites · 4,321 daa", "700 sites · 9 daa"]
    )
    assert "700 av 3\u00a0200 viste arealer er oppdiktet" in html or "700 of 3,200 sites shown" in html
    assert not _site_geojson(m, "points") and not _site_geojson(m, "polygons")


@pytest.mark.parametrize("prefix", ["/static", "/assets/naering/"])
def test_every_script_and_stylesheet_is_served_locally(sites: dict, kommuner: dict, prefix: str) -> None:
    html = render(sites, kommuner, attribution_html=ATTRIBUTION, static_prefix=prefix)
    urls = _asset_urls(html)
    assert any(url.endswith("/leaflet.js") for url in urls)
    assert any(url.endswith("/leaflet.css") for url in urls)
    for url in urls:
        assert url.startswith(prefix.rstrip("/") + "/"), url
        assert "://" not in url, url
    # Folium's default CDN dependencies are gone, not merely moved.
    for dropped in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "cdn."):
        assert dropped not in html.lower()


def test_linked_static_files_are_vendored_with_licence() -> None:
    for path in assets.vendored_paths():
        assert path.is_file() and path.stat().st_size > 0, path
    assert (assets.STATIC_DIR / "vendor" / "leaflet" / "LICENSE").is_file()
    readme = (assets.STATIC_DIR / "vendor" / "README.md").read_text(encoding="utf-8")
    assert f"leaflet | {assets.LEAFLET_VERSION}" in readme
    total = sum(p.stat().st_size for p in assets.STATIC_DIR.rglob("*") if p.is_file())
    assert total < 400_000


def _site_geojson(m: folium.Map, kind: str) -> list[folium.GeoJson]:
    """The map's site layers of one kind ("polygons" or "points"), real and demo sites alike."""
    return [layer for layer in _geojson_layers(m) if layer.layer_name.endswith(f"({kind})")]


def test_only_member_kommuner_are_drawn(sites: dict, kommuner: dict) -> None:
    kommuner["features"].append(_kommune("3203", "Asker", 10.3, 59.7, is_member=False))
    m = build_region_map(sites, kommuner, attribution_html=ATTRIBUTION)
    kommune_layer = _geojson_layers(m)[0]
    assert [f["properties"]["name"] for f in kommune_layer.data["features"]] == ["Oslo", "Bærum"]
    for kind in ("polygons", "points"):
        assert sorted(f["id"] for layer in _site_geojson(m, kind) for f in layer.data["features"]) == [
            "s1",
            "s2",
            "s3",
        ]


@pytest.mark.parametrize("kind", ["polygons", "points"])
def test_sites_are_styled_by_maturity_and_stale_sites_dashed(sites: dict, kommuner: dict, kind: str) -> None:
    m = build_region_map(sites, kommuner, attribution_html=ATTRIBUTION)
    styles = {
        f["properties"]["id"]: layer.style_function(f)
        for layer in _site_geojson(m, kind)
        for f in layer.data["features"]
    }
    assert styles["s1"]["fillColor"] == MATURITY.get("M5").colour
    assert styles["s3"]["fillColor"] == MATURITY.get("M0").colour
    assert styles["s2"].get("dashArray") and not styles["s1"].get("dashArray")


def test_every_site_gets_a_point_inside_it_with_the_same_popup(sites: dict) -> None:
    areas, points = site_layer_data(sites["features"], "no")
    assert [f["id"] for f in points["features"]] == ["s1", "s2", "s3"]
    for area, point in zip(areas["features"], points["features"], strict=True):
        assert point["geometry"]["type"] == "Point"
        assert shape(area["geometry"]).contains(shape(point["geometry"]))
        assert point["properties"] == area["properties"]
        assert "Åpne arealpass" in point["properties"]["popup_html"]


def test_points_are_drawn_in_their_own_pane_and_hidden_when_zoomed_in(sites: dict, kommuner: dict) -> None:
    m = build_region_map(sites, kommuner, attribution_html=ATTRIBUTION)
    point_layer = _site_geojson(m, "points")[0]
    assert point_layer.style_function(point_layer.data["features"][0])["pane"] == POINTS_PANE
    html = m.get_root().render()
    # The pane is created before the circles that are drawn into it.
    pane_created = re.search(rf'createPane\(\s*"{POINTS_PANE}"', html)
    assert pane_created and pane_created.start() < html.index("_pointToLayer(feature")
    assert f"map.getZoom() > {POINTS_MAX_ZOOM}" in html
    assert "L.CircleMarker(latlng, opts)" in html


def test_representative_point_lies_inside_awkward_shapes() -> None:
    # A U shape, whose centroid lies outside it.
    u_ring = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    u_shape = {"type": "Polygon", "coordinates": [u_ring]}
    assert not shape(u_shape).contains(shape(u_shape).centroid)
    assert shape(u_shape).contains(Point(representative_point(u_shape)))
    multi = {"type": "MultiPolygon", "coordinates": [_square(10.0, 59.0, 0.01)["coordinates"]]}
    assert shape(multi).contains(Point(representative_point(multi)))
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert representative_point(bowtie) is not None  # invalid ring: repaired, not dropped
    assert representative_point({"type": "Point", "coordinates": [10.5, 59.9]}) == (10.5, 59.9)
    assert representative_point({"type": "Polygon", "coordinates": []}) is None
    assert representative_point({"type": "Nonsense"}) is None


def test_a_site_given_as_a_point_is_drawn_only_as_a_point() -> None:
    site = _site("p1", "Punkttomt", 10.7, 59.9, "M1")
    site["geometry"] = {"type": "Point", "coordinates": [10.7, 59.9]}
    areas, points = site_layer_data([site], "en")
    assert areas["features"] == []
    assert points["features"][0]["geometry"]["coordinates"] == [10.7, 59.9]


@pytest.mark.parametrize("lang", ["no", "en"])
def test_legend_is_collapsible_and_explains_the_points(sites: dict, kommuner: dict, lang: str) -> None:
    html = render(sites, kommuner, attribution_html=ATTRIBUTION, lang=lang)
    assert '<details open><summary title="' in html
    assert "nar-swatch-point" in html
    assert "Punkt: areal (zoom inn" in html and "Dot: site (zoom in" in html


def _fitted_bounds(m: folium.Map) -> Any:
    fits = [c for c in m._children.values() if isinstance(c, folium.FitBounds)]
    return fits[0].bounds if fits else None


def test_map_fits_to_the_sites_else_to_the_kommuner(sites: dict, kommuner: dict) -> None:
    to_sites = _fitted_bounds(build_region_map(sites, kommuner, attribution_html=ATTRIBUTION))
    assert to_sites == [
        [pytest.approx(59.90), pytest.approx(10.55)],
        [pytest.approx(59.98), pytest.approx(10.83)],
    ]
    to_kommuner = _fitted_bounds(build_region_map(_collection(), kommuner, attribution_html=ATTRIBUTION))
    assert to_kommuner == bounds_lat_lon(kommuner["features"])
    assert to_kommuner == [
        [pytest.approx(59.85), pytest.approx(10.4)],
        [pytest.approx(60.05), pytest.approx(10.85)],
    ]


@pytest.mark.parametrize("with_demo", [True, False])
def test_fit_keeps_the_sites_clear_of_the_demo_banner(sites: dict, kommuner: dict, with_demo: bool) -> None:
    m = build_region_map(sites if with_demo else _without_demo(sites), kommuner, attribution_html=ATTRIBUTION)
    (fit,) = [c for c in m._children.values() if isinstance(c, folium.FitBounds)]
    options: dict[str, Any] = fit.options
    top_px = options["paddingTopLeft"][1]
    assert (top_px >= 70) is with_demo  # the banner is about 56 px tall, 10 px from the top
    assert options["paddingBottomRight"] == (20, 20)


def test_empty_input_still_renders() -> None:
    empty = _collection()
    html = render(empty, empty, attribution_html=ATTRIBUTION, lang="en")
    assert "L.map(" in html and "nar-legend" in html and "Kommunegrenser ©" in html
    assert "DEMODATA" not in html and 'class="nar-demo-banner"' not in html
    assert "fitBounds" not in html
    assert "<title>Business land in the Oslo region</title>" in html


def test_optional_basemap_carries_its_attribution(sites: dict, kommuner: dict) -> None:
    html = render(sites, kommuner, attribution_html=ATTRIBUTION, basemap=OPENSTREETMAP)
    assert "tile.openstreetmap.org" in html and "www.openstreetmap.org/copyright" in html
    assert "tile." not in render(sites, kommuner, attribution_html=ATTRIBUTION)
    assert all(url.startswith("/static/") for url in _asset_urls(html))


def test_unknown_language_is_refused(sites: dict, kommuner: dict) -> None:
    with pytest.raises(ValueError, match="lang"):
        render(sites, kommuner, attribution_html=ATTRIBUTION, lang="sv")


def test_popup_shows_facts_in_both_languages_and_escapes_input() -> None:
    props = _site("x", "<script>alert(1)</script>", 10.7, 59.9, "M3", stale=True)["properties"]
    props["url"] = "javascript:alert(1)"
    html = site_popup_html(props, "no")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert "M3 Regulert" in html and "(Zoned for business)" in html
    assert "Utdatert / Stale" in html
    assert 'href="mailto:naering@oslo.kommune.no"' in html
    assert "4,0 MW nå" in html


def test_popup_shows_main_road_access_with_its_road() -> None:
    road = {"distance_km": 2.345, "precision_km": 3.0, "name": "Alnabru (E6), Oslo", "road": "E6"}
    props = _site("x", "Alnabru", 10.7, 59.9, "M3", road_access=road)["properties"]
    html = site_popup_html(props, "no")
    assert "<th>Hovedvegtilknytning</th><td>2,3 km (± 3,0 km) · E6</td>" in html
    assert "Main road access" in site_popup_html(props, "en") and "2.3 km (± 3.0 km) · E6" in site_popup_html(
        props, "en"
    )
    assert "otorvei" not in html and "otorway" not in html


def test_popup_links_to_the_passport() -> None:
    props = _site("s1", "Alnabru", 10.7, 59.9, "M5")["properties"]
    html = site_popup_html(props, "en")
    assert '<a href="/api/sites/s1">Open site passport / Åpne arealpass</a>' in html


def test_area_is_shown_in_daa_ha_and_m2() -> None:
    assert format_area(45_600, "no") == "45,6 daa · 4,56 ha · 45\u00a0600 m²"
    assert format_area(45_600, "en") == "4.56 ha · 45,600 m² · 45.6 daa"
    assert format_area(None, "en") == "–"


# --- browser: the page drawn by headless Chromium -------------------------------------------------


class _Server:
    """A static HTTP server on 127.0.0.1 that records every request's path and status."""

    def __init__(self, root: Path) -> None:
        self.requests: list[tuple[str, int]] = []
        requests = self.requests

        class Handler(SimpleHTTPRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                requests.append((self.path, int(code) if str(code).isdigit() else 0))

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium(width=1200, height=800) as driver:
        yield driver


@pytest.fixture
def served_map(tmp_path: Path, sites: dict, kommuner: dict) -> Iterator[tuple[str, folium.Map, _Server]]:
    m = build_region_map(sites, kommuner, attribution_html=ATTRIBUTION, lang="no", static_prefix="/static")
    (tmp_path / "index.html").write_text(m.get_root().render(), encoding="utf-8")
    shutil.copytree(assets.STATIC_DIR, tmp_path / "static")
    server = _Server(tmp_path)
    try:
        yield f"{server.url}/index.html", m, server
    finally:
        server.close()


POINT_PATHS = f".leaflet-{POINTS_PANE}-pane path.leaflet-interactive"


@pytest.mark.browser
def test_map_draws_offline_in_chromium(browser: Any, served_map: tuple[str, folium.Map, _Server]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, m, server = served_map
    browser.get_log("browser")  # drop entries from earlier pages
    browser.get(url)
    expected_paths = 3 + 3 + 2  # three site polygons, three site points and two member-kommune outlines
    WebDriverWait(browser, 15).until(
        lambda d: (
            d.execute_script("return document.querySelectorAll('path.leaflet-interactive').length")
            >= expected_paths
        )
    )

    assert browser.execute_script("return typeof window.L") == "object"
    assert browser.execute_script("return L.version") == assets.LEAFLET_VERSION
    paths = browser.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
    assert len(paths) == expected_paths
    points = browser.find_elements(By.CSS_SELECTOR, POINT_PATHS)
    assert len(points) == 3 and all(p.is_displayed() for p in points)
    for code in ("M0", "M2", "M5"):
        colour = MATURITY.get(code).colour
        assert sum(p.get_attribute("fill") == colour for p in paths) == 2  # its polygon and its point

    legend = browser.find_element(By.CSS_SELECTOR, ".leaflet-bottom.leaflet-right .nar-legend")
    assert legend.is_displayed()
    for term in MATURITY.terms:
        assert term.label_no in legend.text
    banner = browser.find_element(By.CSS_SELECTOR, ".leaflet-container .nar-demo-banner")
    assert banner.is_displayed() and "DEMODATA" in banner.text
    attribution = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-attribution")
    assert ATTRIBUTION_TEXT in attribution.text

    # Headless Chromium's software compositor leaves part of Leaflet's will-change SVG layer unpainted
    # in screenshots (the DOM geometry is right); painting it as a plain layer gives a true picture.
    browser.execute_script(
        "document.querySelectorAll('.leaflet-zoom-animated').forEach(e => e.style.willChange = 'auto')"
    )
    browser.save_screenshot("/tmp/map_test.png")

    # The legend folds away from its title (uncovering the M5 site behind it) and opens again.
    summary = legend.find_element(By.TAG_NAME, "summary")
    maturity_list = legend.find_element(By.TAG_NAME, "ul")
    summary.click()
    assert summary.is_displayed() and not maturity_list.is_displayed()

    # Clicking a site's point opens its popup with the passport link.
    m5_colour = MATURITY.get("M5").colour
    next(p for p in points if p.get_attribute("fill") == m5_colour).click()
    popup = WebDriverWait(browser, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .nar-popup")
    )
    WebDriverWait(browser, 5).until(lambda d: popup.text)  # the popup fades in
    assert "Alnabru logistikkpark" in popup.text and "Åpne arealpass" in popup.text
    browser.execute_script(f"{m.get_name()}.closePopup()")
    summary.click()
    assert maturity_list.is_displayed()

    # Zoomed in, the points give way to the polygons; zoomed out again, they are back.
    map_js = m.get_name()

    def zoom_is(zoom: int) -> Callable[[Any], bool]:
        return lambda d: bool(d.execute_script(f"return {map_js}.getZoom()") == zoom)

    for zoom, shown in ((POINTS_MAX_ZOOM + 1, False), (POINTS_MAX_ZOOM, True)):
        browser.execute_script(f"{map_js}.setZoom({zoom}, {{animate: false}})")
        WebDriverWait(browser, 5).until(zoom_is(zoom))
        assert all(p.is_displayed() is shown for p in browser.find_elements(By.CSS_SELECTOR, POINT_PATHS))

    assert console_errors(browser) == []
    assert server.requests, "the page was not served"
    assert all(status < 400 for _, status in server.requests), server.requests
