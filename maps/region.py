"""The region map: sites from vector tiles coloured by plan maturity, and small reference layers.

The page embeds no site: they come from `/tiles/sites/{z}/{x}/{y}.pbf` (see `maps.tile_layer`), so its
size depends on the reference tables (kommune outlines, substations, logistics nodes, clusters, place
names), never on the number of sites. The banner and legend say how many sites are demo, from counts the
caller passes. Inputs are GeoJSON FeatureCollections in CRS84 (lon, lat). The page links only to the
vendored Leaflet and VectorGrid under the static prefix (see `maps.assets`), so it works offline; an
optional basemap (a setting) is the only thing it may fetch from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import folium
from folium.map import FitBounds

from maps import assets, reference_layers
from maps.basemaps import Basemap
from maps.legend import Attribution, DemoBanner, MaturityLegend, PageHead
from maps.text import both, check_lang, t
from maps.tile_layer import (
    MAP_MAX_ZOOM,
    SITE_TILES_URL,
    DemoSitesSwitch,
    Renderer,
    SiteTileLayer,
    tile_config,
)

# Where the map opens when there is nothing to fit to: Oslo, showing most of the region.
OSLO_LAT_LON = (59.91, 10.75)
EMPTY_ZOOM = 8
FIT_PADDING_PX = 20
DEMO_BANNER_PADDING_PX = 80  # the banner's height (two lines) plus its offset from the top

EMPTY: Mapping[str, Any] = {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True)
class RegionLayers:
    """What the region map embeds (CRS84 FeatureCollections) and how many sites the tiles hold."""

    kommuner: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    substations: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    logistics: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    clusters: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    sites: int = 0
    demo_sites: int = 0


@dataclass(frozen=True)
class Sources:
    """Source-and-licence HTML of each layer (registry.attribution), shown in its popups."""

    substations: str = ""
    logistics: str = ""
    clusters: str = ""


def _positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Yield every (lon, lat) position of nested GeoJSON coordinates."""
    if isinstance(coordinates, list | tuple) and coordinates and isinstance(coordinates[0], int | float):
        yield float(coordinates[0]), float(coordinates[1])
    elif isinstance(coordinates, list | tuple):
        for part in coordinates:
            yield from _positions(part)


def _geometry_positions(geometry: Mapping[str, Any]) -> Iterator[tuple[float, float]]:
    if geometry.get("type") == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            yield from _geometry_positions(part)
    else:
        yield from _positions(geometry.get("coordinates"))


def bounds_lat_lon(features: list[dict[str, Any]]) -> list[list[float]] | None:
    """Return [[south, west], [north, east]] of the features (CRS84 input), or None if empty."""
    points = [p for f in features if f.get("geometry") for p in _geometry_positions(f["geometry"])]
    if not points:
        return None
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def build_region_map(
    layers: RegionLayers,
    *,
    attribution_html: str,
    sources: Sources | None = None,
    lang: str = "no",
    static_prefix: str = assets.DEFAULT_STATIC_PREFIX,
    title: str | None = None,
    basemap: Basemap | None = None,
    tiles_url: str = SITE_TILES_URL,
    renderer: Renderer = "canvas",
) -> folium.Map:
    """Build the region map; it links only to files under static_prefix and reads sites from tiles_url."""
    language = check_lang(lang)
    page_title = title or t("default_title", language)
    credits = sources or Sources()
    kommune_features = [f for f in layers.kommuner.get("features") or [] if f.get("geometry")]

    m = folium.Map(
        location=OSLO_LAT_LON, zoom_start=EMPTY_ZOOM, tiles=None, control_scale=True, max_zoom=MAP_MAX_ZOOM
    )
    assets.use_local_assets(m, static_prefix=static_prefix, vector_tiles=True)
    # Fitted before any layer is added: the tile layer then asks only for the tiles of the view the page
    # opens on (fitted after, it first loaded the whole view at the starting zoom, then again).
    bounds = bounds_lat_lon(kommune_features)
    if bounds is not None:
        # Keep the northernmost sites clear of the demo banner across the top of the map.
        top_px = DEMO_BANNER_PADDING_PX if layers.demo_sites else FIT_PADDING_PX
        fit = FitBounds(
            bounds,
            padding_top_left=(FIT_PADDING_PX, top_px),
            padding_bottom_right=(FIT_PADDING_PX, FIT_PADDING_PX),
        )
        fit.options["animate"] = False  # an animated zoom keeps the old zoom while layers are added
        m.add_child(fit)
    m.add_child(PageHead(title=page_title, static_prefix=static_prefix))
    if basemap is not None:
        folium.TileLayer(
            tiles=basemap.url, attr=basemap.attribution_html, name=basemap.name, max_zoom=basemap.max_zoom
        ).add_to(m)

    reference_layers.add_kommuner(m, layers.kommuner, lang=language)
    names = {
        str(f["properties"]["nr"]): str(f["properties"]["name"])
        for f in kommune_features
        if (f.get("properties") or {}).get("nr")
    }
    sites = SiteTileLayer(
        name=both("sites_layer", language),
        config=tile_config(lang=language, kommune_names=names, url=tiles_url, renderer=renderer),
    )
    m.add_child(sites)
    demo_switch = None
    if layers.demo_sites:
        demo_switch = DemoSitesSwitch(name=both("demo_layer", language), sites=sites)
        m.add_child(demo_switch)
    shared = reference_layers.SharedStrings()
    m.add_child(shared)
    reference_layers.add_substations(
        m, layers.substations, lang=language, shared=shared, credit_html=credits.substations
    )
    reference_layers.add_logistics(
        m, layers.logistics, lang=language, shared=shared, credit_html=credits.logistics
    )
    reference_layers.add_clusters(
        m, layers.clusters, lang=language, shared=shared, credit_html=credits.clusters
    )
    m.add_child(
        reference_layers.PlaceLabels(
            reference_layers.kommune_labels(layers.kommuner),
            name=both("kommuner_labels_layer", language),
            css_class="nar-kommune-label",
            min_zoom=reference_layers.KOMMUNE_LABEL_MIN_ZOOM,
        )
    )
    bbox = (bounds[0][0], bounds[0][1], bounds[1][0], bounds[1][1]) if bounds else None
    m.add_child(
        reference_layers.PlaceLabels(
            reference_layers.towns(bbox), name=both("towns_layer", language), css_class="nar-town-label"
        )
    )
    folium.LayerControl(collapsed=True).add_to(m)

    m.add_child(MaturityLegend(lang=language, title=page_title))
    if layers.demo_sites:
        m.add_child(DemoBanner(lang=language, demo=layers.demo_sites, total=layers.sites, layer=demo_switch))
    m.add_child(Attribution(attribution_html))

    return m


def render(layers: RegionLayers, **kwargs: Any) -> str:
    """Return the region map as a complete HTML page (arguments as for `build_region_map`)."""
    return build_region_map(layers, **kwargs).get_root().render()
