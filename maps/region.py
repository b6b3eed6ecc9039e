"""The region map: member kommune outlines and business sites coloured by plan maturity.

Sites are drawn as polygons and, at region zoom where a polygon is too small to see, as points
(see `maps.site_layers`); real and demo sites are separate layers the viewer can hide. When the caller
had more sites than the page may embed, it passes counts per kommune instead, and the map says so.

Inputs are GeoJSON FeatureCollections in CRS84 (lon, lat), as served by the API. The page links only
to the vendored Leaflet under the static prefix (see `maps.assets`), so it works offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from html import escape
from typing import Any

import folium

from maps import assets, site_layers
from maps.basemaps import Basemap
from maps.legend import (
    KOMMUNE_OUTLINE_COLOUR,
    Attribution,
    CountNotice,
    DemoBanner,
    MaturityLegend,
    PageHead,
)
from maps.text import both, check_lang, t

# Where the map opens when there is nothing to fit to: Oslo, showing most of the region.
OSLO_LAT_LON = (59.91, 10.75)
EMPTY_ZOOM = 8
# Don't zoom in further than this when fitting to one small site.
FIT_MAX_ZOOM = 15
FIT_PADDING_PX = 20
DEMO_BANNER_PADDING_PX = 80  # the banner's height (two lines) plus its offset from the top


def _features(collection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Return the features of a FeatureCollection that have a geometry."""
    if not collection:
        return []
    return [f for f in collection.get("features") or [] if f.get("geometry")]


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
    points = [p for f in features for p in _geometry_positions(f["geometry"])]
    if not points:
        return None
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _kommune_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {"color": KOMMUNE_OUTLINE_COLOUR, "weight": 1.5, "opacity": 0.8, "fill": False}


def _kommune_layer_data(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the kommuner as a FeatureCollection with number, name and tooltip."""
    out = []
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        nr, name = props.get("nr"), props.get("name")
        tooltip = escape(f"{name} ({nr})" if nr else str(name or ""))
        out.append(
            {
                "type": "Feature",
                "id": str(nr or i),
                "properties": {"nr": nr, "name": name, "tooltip_html": tooltip},
                "geometry": feature["geometry"],
            }
        )
    return {"type": "FeatureCollection", "features": out}


def _split_demo(features: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (real, demo) features by their `is_demo` property."""
    demo = [f for f in features if (f.get("properties") or {}).get("is_demo")]
    real = [f for f in features if not (f.get("properties") or {}).get("is_demo")]
    return real, demo


def _count_of(features: list[dict[str, Any]]) -> int:
    return sum(int((f.get("properties") or {}).get("sites") or 0) for f in features)


def build_region_map(
    sites: Mapping[str, Any],
    kommuner: Mapping[str, Any],
    *,
    attribution_html: str,
    lang: str = "no",
    static_prefix: str = assets.DEFAULT_STATIC_PREFIX,
    title: str | None = None,
    basemap: Basemap | None = None,
    counts: Mapping[str, Any] | None = None,
    max_sites: int | None = None,
) -> folium.Map:
    """Build the region map of member kommuner and sites; it links only to files under static_prefix.

    `counts` (points per kommune with `sites`, `area_m2`, `is_demo`) replaces the sites when the caller
    had more than `max_sites` of them.
    """
    language = check_lang(lang)
    page_title = title or t("default_title", language)
    site_features = _features(sites)
    count_features = _features(counts)
    member_features = [f for f in _features(kommuner) if (f.get("properties") or {}).get("is_member")]

    m = folium.Map(location=OSLO_LAT_LON, zoom_start=EMPTY_ZOOM, tiles=None, control_scale=True)
    assets.use_local_assets(m, static_prefix=static_prefix)
    m.add_child(PageHead(title=page_title, static_prefix=static_prefix))
    if basemap is not None:
        folium.TileLayer(
            tiles=basemap.url, attr=basemap.attribution_html, name=basemap.name, max_zoom=basemap.max_zoom
        ).add_to(m)

    if member_features:
        folium.GeoJson(
            _kommune_layer_data(member_features),
            name=both("kommuner_layer", language),
            style_function=_kommune_style,
            on_each_feature=site_layers.BIND_POPUP_AND_TOOLTIP,
        ).add_to(m)
    real_sites, demo_sites = _split_demo(site_features)
    real_counts, demo_counts = _split_demo(count_features)
    # Layers in order: real sites, demo sites (each may be empty); the demo layer is the last one added.
    site_groups = site_layers.add_site_layers(
        m,
        [(both("sites_layer", language), real_sites), (both("demo_layer", language), demo_sites)],
        lang=language,
    )
    count_groups = site_layers.add_count_layers(
        m,
        [(both("counts_layer", language), real_counts), (both("demo_counts_layer", language), demo_counts)],
        lang=language,
    )
    if member_features or site_groups or count_groups:
        folium.LayerControl(collapsed=True).add_to(m)

    m.add_child(MaturityLegend(lang=language, title=page_title, counts=bool(count_features)))
    demo = len(demo_sites) + _count_of(demo_counts)
    if demo:
        total = len(site_features) + _count_of(count_features)
        demo_layer = (site_groups or count_groups)[-1]
        m.add_child(DemoBanner(lang=language, demo=demo, total=total, layer=demo_layer))
    if count_features:
        m.add_child(CountNotice(lang=language, max_sites=max_sites or _count_of(count_features)))
    m.add_child(Attribution(attribution_html))

    bounds = (
        bounds_lat_lon(site_features) or bounds_lat_lon(count_features) or bounds_lat_lon(member_features)
    )
    if bounds is not None:
        # Keep the northernmost sites clear of the demo banner across the top of the map.
        top_px = DEMO_BANNER_PADDING_PX if demo else FIT_PADDING_PX
        m.fit_bounds(
            bounds,
            padding_top_left=(FIT_PADDING_PX, top_px),
            padding_bottom_right=(FIT_PADDING_PX, FIT_PADDING_PX),
            max_zoom=FIT_MAX_ZOOM,
        )
    return m


def render(
    sites: Mapping[str, Any],
    kommuner: Mapping[str, Any],
    *,
    attribution_html: str,
    lang: str = "no",
    static_prefix: str = assets.DEFAULT_STATIC_PREFIX,
    title: str | None = None,
    basemap: Basemap | None = None,
    counts: Mapping[str, Any] | None = None,
    max_sites: int | None = None,
) -> str:
    """Return the region map as a complete HTML page."""
    m = build_region_map(
        sites,
        kommuner,
        attribution_html=attribution_html,
        lang=lang,
        static_prefix=static_prefix,
        title=title,
        basemap=basemap,
        counts=counts,
        max_sites=max_sites,
    )
    return m.get_root().render()
