"""The site layers of the region map: polygons for the close-up view and points for the overview.

A site of a few hectares is one or two pixels wide at region zoom (8–9), so every site is also drawn as
a circle at its representative point (computed here, in Python, from the GeoJSON geometry). The points
live in their own Leaflet pane, which `PointZoomSwitch` hides once the map is zoomed in far enough for
the polygons to be seen (above POINTS_MAX_ZOOM); the polygons are always drawn. Real and demo sites are
separate layers, so the viewer can hide the demo sites in the layer control.

For maps of a few sites (GeoJSON embedded in the page); the region map draws its sites from vector
tiles instead (`maps.tile_layer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import shapely
from branca.element import MacroElement, Template
from folium.utilities import JsCode
from shapely.geometry import shape

from maps.legend import js_string
from maps.popups import site_popup_html, site_tooltip_html
from maps.text import Lang
from schemas.taxonomy import MATURITY

# A site without a (known) maturity code: neutral grey, deliberately not a taxonomy colour.
UNKNOWN_MATURITY_COLOUR = "#9e9e9e"
SITE_OUTLINE_COLOUR = "#333333"
STALE_DASH = "6 4"
STALE_POINT_DASH = "3 2"  # a shorter dash, so a small circle still shows several gaps
UNVERIFIED_DASH = "1 4"  # dotted: no verification date at all (stale, when both, wins: it is a fact)
UNVERIFIED_POINT_DASH = "1 2"

# Points show up to and including this zoom; from the next zoom on a 0.5 ha site is about 8 px wide.
POINTS_MAX_ZOOM = 12
POINT_RADIUS_PX = 7
# Leaflet pane of the site points: above the polygons (overlayPane, 400), below markers (600).
POINTS_PANE = "narSitePoints"
POINTS_PANE_Z_INDEX = 450

POINT_GEOMETRY_TYPES = ("Point", "MultiPoint")
COORDINATE_DECIMALS = 6  # about 0.1 m; the API serves CRS84 with the same precision

# Bind the precomputed (escaped) HTML from the feature's properties to each drawn layer.
BIND_POPUP_AND_TOOLTIP = JsCode(
    """
    function (feature, layer) {
        var p = feature.properties || {};
        if (p.popup_html) { layer.bindPopup(p.popup_html, {maxWidth: 360}); }
        if (p.tooltip_html) { layer.bindTooltip(p.tooltip_html, {sticky: true}); }
    }
    """
)


def maturity_colour(code: object) -> str:
    """Return the taxonomy colour of a maturity code (grey when missing or unknown)."""
    if isinstance(code, str) and code in MATURITY:
        return MATURITY.get(code).colour
    return UNKNOWN_MATURITY_COLOUR


def representative_point(geometry: Mapping[str, Any]) -> tuple[float, float] | None:
    """Return a (lon, lat) point inside the GeoJSON geometry (CRS84), or None if it is empty or unreadable."""
    try:
        geom = shape(geometry)
        if geom.is_empty:
            return None
        if not geom.is_valid:
            # A self-intersecting ring from a submission must not cost the site its point.
            geom = shapely.make_valid(geom)
        point = geom.representative_point()
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
        return None
    if point.is_empty:
        return None
    return round(point.x, COORDINATE_DECIMALS), round(point.y, COORDINATE_DECIMALS)


def area_style(feature: dict[str, Any]) -> dict[str, Any]:
    """Return the Leaflet style of a site polygon: filled with its maturity colour, dashed when stale."""
    props = feature["properties"]
    style: dict[str, Any] = {
        "color": SITE_OUTLINE_COLOUR,
        "weight": 1.5,
        "fillColor": maturity_colour(props.get("maturity")),
        "fillOpacity": 0.7,
    }
    if props.get("stale"):
        style["dashArray"] = STALE_DASH
    elif props.get("unverified"):
        style["dashArray"] = UNVERIFIED_DASH
    return style


def point_style(feature: dict[str, Any]) -> dict[str, Any]:
    """Return the Leaflet style of a site point; it carries the pane, set before the circle is made."""
    props = feature["properties"]
    style: dict[str, Any] = {
        "pane": POINTS_PANE,
        "radius": POINT_RADIUS_PX,
        "color": SITE_OUTLINE_COLOUR,
        "weight": 1.5,
        "fill": True,  # folium's CircleMarker defaults to no fill
        "fillColor": maturity_colour(props.get("maturity")),
        "fillOpacity": 0.9,
    }
    if props.get("stale"):
        style["dashArray"] = STALE_POINT_DASH
    elif props.get("unverified"):
        style["dashArray"] = UNVERIFIED_POINT_DASH
    return style


def highlight(feature: dict[str, Any]) -> dict[str, Any]:
    """Return the hover style of a site polygon or point."""
    return {"weight": 3, "fillOpacity": 0.85}


def _slim_features(features: list[dict[str, Any]], lang: Lang) -> list[dict[str, Any]]:
    """Return the sites with only the properties the page needs, plus their popup and tooltip HTML."""
    kept = ("id", "name", "kommune_nr", "maturity", "is_demo", "stale", "unverified", "url")
    out = []
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        slim = {k: props.get(k) for k in kept}
        slim["popup_html"] = site_popup_html(props, lang)
        slim["tooltip_html"] = site_tooltip_html(props, lang)
        out.append(
            {
                "type": "Feature",
                "id": str(props.get("id", i)),
                "properties": slim,
                "geometry": feature["geometry"],
            }
        )
    return out


def site_layer_data(features: list[dict[str, Any]], lang: Lang) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (polygons, points) FeatureCollections of the sites; every site with a geometry gets a point."""
    areas, points = [], []
    for feature in _slim_features(features, lang):
        if feature["geometry"].get("type") not in POINT_GEOMETRY_TYPES:
            areas.append(feature)
        lon_lat = representative_point(feature["geometry"])
        if lon_lat is not None:
            points.append({**feature, "geometry": {"type": "Point", "coordinates": list(lon_lat)}})
    return (
        {"type": "FeatureCollection", "features": areas},
        {"type": "FeatureCollection", "features": points},
    )


class PointZoomSwitch(MacroElement):
    """Hide the site points' pane when the map is zoomed in beyond `max_zoom` (the polygons show there)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var pane = map.getPane({{ this.pane_js }});
            function update() {
                pane.style.display = map.getZoom() > {{ this.max_zoom }} ? "none" : "";
            }
            map.on("zoomend", update);
            update();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, pane: str, max_zoom: int) -> None:
        super().__init__()
        self._name = "PointZoomSwitch"
        self.pane_js = js_string(pane)
        self.max_zoom = int(max_zoom)


def _add_site_group(
    m: folium.Map, features: list[dict[str, Any]], *, lang: Lang, name: str
) -> folium.FeatureGroup:
    """Add one toggleable layer of sites: polygons, and points drawn into the points pane."""
    areas, points = site_layer_data(features, lang)
    group = folium.FeatureGroup(name=name)
    group.add_to(m)
    if areas["features"]:
        folium.GeoJson(
            areas,
            name=f"{name} (polygons)",
            control=False,
            style_function=area_style,
            highlight_function=highlight,
            on_each_feature=BIND_POPUP_AND_TOOLTIP,
        ).add_to(group)
    if points["features"]:
        folium.GeoJson(
            points,
            name=f"{name} (points)",
            control=False,
            marker=folium.CircleMarker(radius=POINT_RADIUS_PX),
            style_function=point_style,
            highlight_function=highlight,
            on_each_feature=BIND_POPUP_AND_TOOLTIP,
        ).add_to(group)
    return group


def add_site_layers(
    m: folium.Map, groups: list[tuple[str, list[dict[str, Any]]]], *, lang: Lang
) -> list[folium.FeatureGroup]:
    """Add each non-empty (name, sites) group as one toggleable layer; points show at low zoom."""
    groups = [(name, features) for name, features in groups if features]
    if not groups:
        return []
    # The pane must exist (once: a second createPane would orphan the first) before anything draws into it.
    folium.map.CustomPane(POINTS_PANE, z_index=POINTS_PANE_Z_INDEX).add_to(m)
    added = [_add_site_group(m, features, lang=lang, name=name) for name, features in groups]
    m.add_child(PointZoomSwitch(pane=POINTS_PANE, max_zoom=POINTS_MAX_ZOOM))
    return added
