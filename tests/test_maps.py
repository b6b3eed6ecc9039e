"""Tests of the region map's page (unit: what it embeds and links) and of the site layers and popups the
smaller maps still use. The region map drawn in Chromium from the real app's tiles: tests/test_map_e2e.py."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import folium
import pytest
from shapely.geometry import Point, shape

from maps import assets
from maps.basemaps import OPENSTREETMAP
from maps.legend import DemoBanner
from maps.popups import format_area, site_popup_html
from maps.reference_layers import (
    KOMMUNE_LABEL_MIN_ZOOM,
    SharedStrings,
    kommune_labels,
    mw_style,
    towns,
)
from maps.reference_popups import cluster_rows, substation_rows
from maps.region import RegionLayers, Sources, bounds_lat_lon, build_region_map, render
from maps.site_layers import representative_point, site_layer_data
from maps.tile_layer import DemoSitesSwitch, SiteTileLayer, cell_radius_px, tile_config
from schemas.taxonomy import MATURITY

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


# --- unit: the region map's page ------------------------------------------------------------------


def _point(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


CAVEAT = "Kapasiteten er veiledende <og kan endres>"


@pytest.fixture
def layers(kommuner: dict) -> RegionLayers:
    for f in kommuner["features"]:
        f["properties"]["regionraad"] = "Osloregionen sentrum"
        f["properties"]["label_lon_lat"] = [10.75, 59.95] if f["properties"]["nr"] == "0301" else [10.5, 59.9]
    substations = _collection(
        _point(
            10.8,
            59.9,
            name="Alna",
            grid_company="ELVIA",
            available_cons_mw=27.0,
            reserved_cons_mw=0.0,
            available_prod_mw=-40.0,
            capacity_date="2025-12-01",
            caveat=CAVEAT,
        ),
        _point(
            10.6,
            59.9,
            name="Lysaker",
            grid_company="ELVIA",
            available_cons_mw=None,
            reserved_cons_mw=None,
            available_prod_mw=None,
            capacity_date=None,
            caveat=CAVEAT,
        ),
    )
    logistics = _collection(_point(10.8, 59.93, kind="rail_terminal", name="Alnabru", precision_km=0.5))
    clusters = _collection(
        _point(
            10.75,
            59.95,
            name="Oslo Cancer Cluster",
            sector="Helse",
            kommune_name="Oslo",
            website="https://oslocancercluster.no",
            source_url="javascript:alert(1)",
        )
    )
    return RegionLayers(
        kommuner=kommuner,
        substations=substations,
        logistics=logistics,
        clusters=clusters,
        sites=3,
        demo_sites=1,
    )


def _render(layers: RegionLayers, **kwargs: Any) -> str:
    return render(layers, attribution_html=ATTRIBUTION, **kwargs)


@pytest.mark.parametrize("lang", ["no", "en"])
def test_page_has_every_maturity_label_and_colour(layers: RegionLayers, lang: str) -> None:
    html = _render(layers, lang=lang)
    for term in MATURITY.terms:
        assert term.colour in html
        assert term.label_no in html
        assert term.label_en in html
        assert f"<b>{term.code}</b>" in html


def test_page_has_the_attribution(layers: RegionLayers) -> None:
    html = _render(layers)
    assert "attributionControl.addAttribution(" in html
    for fragment in ("Kommunegrenser ©", ">Kartverket<", ">CC BY 4.0<", "https://www.kartverket.no/"):
        assert fragment in html.replace("\\u003c", "<").replace("\\u003e", ">")


def test_the_page_embeds_no_site_and_reads_them_from_the_tiles(layers: RegionLayers) -> None:
    m = build_region_map(layers, attribution_html=ATTRIBUTION)
    html = m.get_root().render()
    assert "L.vectorGrid.protobuf(cfg.url" in html and '"url": "/tiles/sites/{z}/{x}/{y}.pbf"' in html
    assert '"detailMinZoom": 10' in html and "getFeatureId" in html
    (tiles,) = [c for c in m._children.values() if isinstance(c, SiteTileLayer)]
    assert tiles.layer_name == "Næringsarealer / Business sites"
    # The popup links to the site's page, in the page's language.
    assert '"siteUrl": "/sites/{id}"' in html
    assert '"siteUrl": "/sites/{id}?lang=en"' in _render(layers, lang="en")


def test_the_page_does_not_grow_with_the_number_of_sites(layers: RegionLayers) -> None:
    few = _render(layers)
    many = _render(RegionLayers(**{**layers.__dict__, "sites": 100_000, "demo_sites": 57}))
    assert abs(len(many) - len(few)) < 100  # only the banner's numbers differ


def test_tile_config_carries_the_taxonomy_and_refuses_an_unknown_renderer() -> None:
    cfg = tile_config(lang="en", kommune_names={"0301": "Oslo"}, renderer="svg")
    assert cfg["colours"] == {term.code: term.colour for term in MATURITY.terms}
    assert cfg["maturity"]["M3"] == [MATURITY.label("M3", "en"), MATURITY.label("M3", "no")]
    assert cfg["renderer"] == "svg" and cfg["kommuner"] == {"0301": "Oslo"}
    assert cfg["text"]["sitesMany"] == "{n} sites"
    with pytest.raises(ValueError, match="renderer"):
        tile_config(lang="no", kommune_names={}, renderer="webgl")  # type: ignore[arg-type]


def test_cells_grow_with_their_count_within_bounds() -> None:
    assert cell_radius_px(1) < cell_radius_px(50) < cell_radius_px(10_000) == 28


@pytest.mark.parametrize("demo_sites", [1, 0])
def test_demo_banner_and_switch_only_when_demo_sites_are_published(
    layers: RegionLayers, demo_sites: int
) -> None:
    m = build_region_map(
        RegionLayers(**{**layers.__dict__, "demo_sites": demo_sites}), attribution_html=ATTRIBUTION
    )
    html = m.get_root().render()
    assert ("DEMODATA / DEMO DATA" in html) is bool(demo_sites)
    switches = [c for c in m._children.values() if isinstance(c, DemoSitesSwitch)]
    assert len(switches) == demo_sites
    if demo_sites:
        assert "1 av 3 viste arealer er oppdiktet" in _banner_text(m)
        assert f"var layer = {switches[0].get_name()};" in html and "skjul dem i lagvelgeren" in html


def _banner_text(m: folium.Map) -> str:
    (banner,) = [c for c in m._children.values() if isinstance(c, DemoBanner)]
    return str(banner.body_html)


def test_layers_to_switch(layers: RegionLayers) -> None:
    html = _render(layers, lang="en")
    control = html[html.index("_layers = {") :]
    for name in (
        "Business sites / Næringsarealer",
        "Demo sites (invented) / Demoarealer (oppdiktet)",
        "Substations (available MW) / Transformatorstasjoner (ledig MW)",
        "Logistics nodes / Logistikknoder",
        "Business clusters / Næringsklynger",
        "Member municipalities / Medlemskommuner",
        "Municipality names / Kommunenavn",
        "Place names / Stedsnavn",
    ):
        assert json.dumps(name)[1:-1] in control, name


def test_substations_are_coloured_and_sized_by_available_mw() -> None:
    assert mw_style(27.0) == ("#08306b", 11)
    assert mw_style(0.0)[1] < mw_style(6.0)[1] < mw_style(27.0)[1]
    assert mw_style(None)[0] == "#9e9e9e"


def test_reference_popups_share_caveat_and_source_and_escape_them(layers: RegionLayers) -> None:
    m = build_region_map(
        layers, attribution_html=ATTRIBUTION, sources=Sources(substations="WattApp (CC BY-NC-SA)")
    )
    (shared,) = [c for c in m._children.values() if isinstance(c, SharedStrings)]
    html = m.get_root().render()
    caveat = "<em>Forbehold:</em> Kapasiteten er veiledende &lt;og kan endres&gt;"
    assert sum(caveat in s for s in shared.strings) == 1  # once for both substations
    assert any("WattApp (CC BY-NC-SA)" in s for s in shared.strings)
    assert html.count("veiledende") == 1
    rows = dict(substation_rows(layers.substations["features"][0]["properties"], "no"))
    assert rows["Ledig kapasitet (forbruk)"] == "27,0 MW" and rows["Dato for kapasitet"] == "2025-12-01"
    assert rows["Nettselskap"] == "ELVIA"
    assert (
        dict(substation_rows(layers.substations["features"][1]["properties"], "en"))[
            "Available capacity (consumption)"
        ]
        == "not published"
    )
    # Only https links from the cluster table; a javascript: source is dropped.
    cluster = dict(cluster_rows(layers.clusters["features"][0]["properties"], "en"))
    assert cluster["Website"] == ("https://oslocancercluster.no", "https://oslocancercluster.no")
    assert "Source" not in cluster


def test_kommuner_are_outlined_with_their_regionraad_and_labelled(layers: RegionLayers) -> None:
    html = _render(layers)
    assert json.dumps("Oslo (0301) · Regionråd: Osloregionen sentrum")[1:-1] in html
    assert kommune_labels(layers.kommuner) == [(59.95, 10.75, "Oslo"), (59.9, 10.5, "Bærum")]
    assert f"map.getZoom() < {KOMMUNE_LABEL_MIN_ZOOM}" in html


def test_towns_come_from_the_shipped_place_names() -> None:
    names = [name for _, _, name in towns((59.5, 10.0, 60.3, 11.3))]
    assert names[0] == "Oslo" and "Drammen" in names and "Lillestrøm" in names
    assert "Bergen" not in names  # outside the box
    assert towns(None) == []


@pytest.mark.parametrize("prefix", ["/static", "/assets/naering/"])
def test_every_script_and_stylesheet_is_served_locally(layers: RegionLayers, prefix: str) -> None:
    html = _render(layers, static_prefix=prefix)
    urls = _asset_urls(html)
    p = prefix.rstrip("/")
    # Leaflet, then VectorGrid, then the fix that must run after it.
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts == [
        f"{p}/vendor/leaflet/leaflet.js",
        f"{p}/vendor/vectorgrid/Leaflet.VectorGrid.bundled.js",
        f"{p}/maps/vectorgrid-fix.js",
    ]
    for url in urls:
        assert url.startswith(p + "/"), url
        assert "://" not in url, url
    for dropped in ("jquery", "bootstrap", "fontawesome", "awesome-markers", "cdn."):
        assert dropped not in html.lower()


def test_linked_static_files_are_vendored_with_licence() -> None:
    for path in assets.vendored_paths():
        assert path.is_file() and path.stat().st_size > 0, path
    assert (assets.STATIC_DIR / "vendor" / "leaflet" / "LICENSE").is_file()
    assert "BEER-WARE" in (assets.STATIC_DIR / "vendor" / "vectorgrid" / "LICENSE").read_text(
        encoding="utf-8"
    )
    readme = (assets.STATIC_DIR / "vendor" / "README.md").read_text(encoding="utf-8")
    assert f"leaflet | {assets.LEAFLET_VERSION}" in readme
    assert f"leaflet.vectorgrid | {assets.VECTORGRID_VERSION}" in readme
    total = sum(p.stat().st_size for p in assets.STATIC_DIR.rglob("*") if p.is_file())
    assert total < 550_000


def test_the_map_fits_to_the_kommuner(layers: RegionLayers) -> None:
    m = build_region_map(layers, attribution_html=ATTRIBUTION)
    (fit,) = [c for c in m._children.values() if isinstance(c, folium.FitBounds)]
    assert fit.bounds == bounds_lat_lon(layers.kommuner["features"])
    assert fit.options["paddingTopLeft"][1] >= 70  # clear of the demo banner


def test_empty_input_still_renders() -> None:
    html = render(RegionLayers(), attribution_html=ATTRIBUTION, lang="en")
    assert "L.map(" in html and "nar-legend" in html and "Kommunegrenser ©" in html
    assert "DEMODATA" not in html and 'class="nar-demo-banner"' not in html
    assert "fitBounds" not in html
    assert "<title>Business land in the Oslo region</title>" in html


def test_optional_basemap_carries_its_attribution(layers: RegionLayers) -> None:
    html = _render(layers, basemap=OPENSTREETMAP)
    assert "tile.openstreetmap.org" in html and "www.openstreetmap.org/copyright" in html
    assert "tile.openstreetmap" not in _render(layers)
    assert all(url.startswith("/static/") for url in _asset_urls(html))


def test_unknown_language_is_refused(layers: RegionLayers) -> None:
    with pytest.raises(ValueError, match="lang"):
        _render(layers, lang="sv")


# --- unit: the site layers and popups of the smaller maps -------------------------------------------


def test_every_site_gets_a_point_inside_it_with_the_same_popup(sites: dict) -> None:
    areas, points = site_layer_data(sites["features"], "no")
    assert [f["id"] for f in points["features"]] == ["s1", "s2", "s3"]
    for area, point in zip(areas["features"], points["features"], strict=True):
        assert point["geometry"]["type"] == "Point"
        assert shape(area["geometry"]).contains(shape(point["geometry"]))
        assert point["properties"] == area["properties"]
        assert "Åpne arealpass" in point["properties"]["popup_html"]


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
