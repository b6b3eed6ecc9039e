"""The region map's sites as vector tiles: a Folium layer that draws `/tiles/sites/{z}/{x}/{y}.pbf`
with Leaflet.VectorGrid (vendored; see maps/assets.py), so the page never embeds a site.

The tiles follow the tile contract (one MVT layer `sites`): from DETAIL_MIN_ZOOM on, one polygon per
site with `id, name, kommune_nr, maturity, power, area_daa, is_demo`; below it, one point per grid cell
with `count, area_daa, demo_count, maturity` (the cell's most advanced). Here:

- polygons are filled with their maturity colour (the taxonomy's, as in the legend); demo sites get a
  red dashed edge and a paler fill;
- cell points are circles sized by their count, coloured by their maturity, with the count in a
  tooltip; a click zooms in towards the detail zoom;
- a click on a site opens a popup (name, kommune, maturity, area in daa, a link to `/sites/{id}`),
  built in the browser from the tile's properties with text nodes only (names come from submissions);
- `DemoSitesSwitch` is an overlay in the layer control that hides and shows the demo sites (the
  banner follows it), by redrawing the same tiles with a style that skips them.

For tests and the benchmark the layer counts what it draws on `window.narSiteTiles` (tiles loaded,
features drawn, and id → name of the sites drawn), whichever renderer draws: canvas by default,
SVG with `renderer="svg"` (each feature a <path> one can count and click).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from branca.element import Template
from folium.map import Layer

from maps.site_layers import SITE_OUTLINE_COLOUR, UNKNOWN_MATURITY_COLOUR
from maps.text import Lang, other, t
from schemas.taxonomy import MATURITY

SITE_TILES_URL = "/tiles/sites/{z}/{x}/{y}.pbf"
SITE_PAGE_URL = "/sites/{id}"
TILE_LAYER_NAME = "sites"  # the MVT layer of the tile contract
DETAIL_MIN_ZOOM = 10  # the tile contract: polygons from this zoom on, cell points below it
# Tiles are fetched at every zoom the map allows: VectorGrid's canvas hit test ignores the scaling of an
# over-zoomed tile, so with maxNativeZoom below the map's maxZoom a click beyond it misses its site.
MAX_NATIVE_ZOOM = 18
MAP_MAX_ZOOM = MAX_NATIVE_ZOOM
DEMO_EDGE_COLOUR = "#b91c1c"  # the demo banner's red
DEMO_DASH = "6 4"
CELL_EDGE_COLOUR = "#ffffff"
CELL_MIN_RADIUS_PX = 6
CELL_MAX_RADIUS_PX = 28
Renderer = Literal["canvas", "svg"]
RENDERERS: tuple[Renderer, ...] = ("canvas", "svg")


def cell_radius_px(count: int) -> float:
    """The radius of a cell's circle: grows with the square root of its count, within bounds
    (the same formula runs in the browser)."""
    return min(CELL_MAX_RADIUS_PX, CELL_MIN_RADIUS_PX + 2 * max(count, 0) ** 0.5)


def tile_config(
    *, lang: Lang, kommune_names: dict[str, str], url: str = SITE_TILES_URL, renderer: Renderer = "canvas"
) -> dict[str, Any]:
    """What the browser needs to style the tiles and write popups, as one JSON-able object."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, not {renderer!r}")
    alt = other(lang)
    site_url = SITE_PAGE_URL + ("?lang=en" if lang == "en" else "")
    return {
        "url": url,
        "layer": TILE_LAYER_NAME,
        "renderer": renderer,
        "detailMinZoom": DETAIL_MIN_ZOOM,
        "maxNativeZoom": MAX_NATIVE_ZOOM,
        "siteUrl": site_url,
        "locale": "nb-NO" if lang == "no" else "en-GB",
        "colours": {term.code: term.colour for term in MATURITY.terms},
        "unknownColour": UNKNOWN_MATURITY_COLOUR,
        "outlineColour": SITE_OUTLINE_COLOUR,
        "demoColour": DEMO_EDGE_COLOUR,
        "demoDash": DEMO_DASH,
        "cellEdgeColour": CELL_EDGE_COLOUR,
        "cellRadius": [CELL_MIN_RADIUS_PX, CELL_MAX_RADIUS_PX],
        "maturity": {
            term.code: [MATURITY.label(term.code, lang), MATURITY.label(term.code, alt)]
            for term in MATURITY.terms
        },
        "kommuner": kommune_names,
        "text": {
            key: t(key, lang)
            for key in ("kommune", "maturity", "area_daa", "open_site", "unknown", "demo", "zoom_in")
        }
        | {
            "sitesOne": t("sites_one", lang, n=1).replace("1", "{n}", 1),
            "sitesMany": t("sites_many", lang, n=0).replace("0", "{n}", 1),
            "ofWhichDemo": t("of_which_demo", lang, n=0).replace("0", "{n}", 1),
        },
    }


class SiteTileLayer(Layer):
    """The sites from the vector tiles, as one overlay of the layer control (see the module's doc)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            var cfg = {{ this.config_js }};
            var hook = window.narSiteTiles = {tilesLoaded: 0, featuresDrawn: 0, sites: {}, cells: 0,
                                              showDemo: true};
            function colour(code) { return cfg.colours[code] || cfg.unknownColour; }
            function isCell(p) { return p.count !== undefined && p.count !== null; }
            function demoOnly(p) { return isCell(p) ? p.demo_count >= p.count : !!p.is_demo; }
            function shown(p) { return isCell(p) && !hook.showDemo ? p.count - p.demo_count : p.count; }
            function radius(n) {
                return Math.min(cfg.cellRadius[1], cfg.cellRadius[0] + 2 * Math.sqrt(Math.max(n, 0)));
            }
            function number(value, decimals) {
                return Number(value).toLocaleString(cfg.locale, {
                    minimumFractionDigits: decimals, maximumFractionDigits: decimals});
            }
            function style(p) {
                if (!hook.showDemo && demoOnly(p)) { return []; }
                hook.featuresDrawn += 1;
                if (isCell(p)) {
                    hook.cells += 1;
                    var demo = demoOnly(p);
                    return {radius: radius(shown(p)), fill: true, fillColor: colour(p.maturity),
                            fillOpacity: 0.85, color: demo ? cfg.demoColour : cfg.cellEdgeColour,
                            weight: 2, dashArray: demo ? "3 2" : null};
                }
                hook.sites[String(p.id)] = p.name;
                if (p.is_demo) {
                    return {fill: true, fillColor: colour(p.maturity), fillOpacity: 0.45,
                            color: cfg.demoColour, weight: 2.5, dashArray: cfg.demoDash};
                }
                return {fill: true, fillColor: colour(p.maturity), fillOpacity: 0.7,
                        color: cfg.outlineColour, weight: 1.5};
            }
            function el(tag, text, cls) {
                var node = document.createElement(tag);
                if (text !== undefined && text !== null) { node.textContent = String(text); }
                if (cls) { node.className = cls; }
                return node;
            }
            function countText(n) {
                return (n === 1 ? cfg.text.sitesOne : cfg.text.sitesMany).replace("{n}", number(n, 0));
            }
            function sitePopup(p) {
                var box = el("div", null, "nar-popup nar-site-popup");
                box.appendChild(el("h3", p.name));
                if (p.is_demo) { box.appendChild(el("span", cfg.text.demo, "nar-badge nar-badge-demo")); }
                var table = el("table");
                function row(label, value) {
                    var tr = el("tr");
                    tr.appendChild(el("th", label));
                    tr.appendChild(value instanceof Node ? el("td").appendChild(value).parentNode
                                                         : el("td", value));
                    table.appendChild(tr);
                }
                var kommune = cfg.kommuner[p.kommune_nr];
                row(cfg.text.kommune, kommune ? kommune + " (" + p.kommune_nr + ")" : p.kommune_nr);
                var labels = cfg.maturity[p.maturity];
                if (labels) {
                    var td = el("span", p.maturity + " " + labels[0] + " ");
                    td.appendChild(el("span", "(" + labels[1] + ")", "nar-other"));
                    row(cfg.text.maturity, td);
                } else {
                    row(cfg.text.maturity, cfg.text.unknown);
                }
                row(cfg.text.area_daa, number(p.area_daa, 1) + " daa");
                box.appendChild(table);
                var link = el("a", cfg.text.open_site, "nar-site-link");
                link.href = cfg.siteUrl.replace("{id}", encodeURIComponent(String(p.id)));
                var para = el("p");
                para.appendChild(link);
                box.appendChild(para);
                return box;
            }
            function cellText(p) {
                var n = shown(p), text = countText(n);
                if (p.area_daa !== undefined && hook.showDemo) {
                    text += " · " + number(p.area_daa, 0) + " daa";
                }
                if (p.demo_count && hook.showDemo) {
                    text += " (" + cfg.text.ofWhichDemo.replace("{n}", number(p.demo_count, 0)) + ")";
                }
                return text + " – " + cfg.text.zoom_in;
            }
            var layer = L.vectorGrid.protobuf(cfg.url, {
                rendererFactory: cfg.renderer === "svg" ? L.svg.tile : L.canvas.tile,
                vectorTileLayerStyles: {[cfg.layer]: style},
                interactive: true,
                getFeatureId: function (f) { return f.properties.id; },
                maxNativeZoom: cfg.maxNativeZoom
            });
            layer.on("tileload", function () { hook.tilesLoaded += 1; });
            var tip = L.tooltip({direction: "top", offset: [0, -6], className: "nar-cell-tooltip"});
            layer.on("mouseover", function (e) {
                var p = e.layer && e.layer.properties;
                if (!p) { return; }
                tip.setLatLng(e.latlng).setContent(isCell(p) ? cellText(p) : String(p.name));
                map.openTooltip(tip);
            });
            layer.on("mouseout", function () { map.closeTooltip(tip); });
            layer.on("click", function (e) {
                var p = e.layer && e.layer.properties;
                if (!p) { return; }
                map.closeTooltip(tip);
                if (isCell(p)) {
                    var zoom = map.getZoom();
                    var to = p.count === 1 ? cfg.detailMinZoom + 2 : Math.min(zoom + 2, cfg.detailMinZoom);
                    map.setView(e.latlng, Math.max(to, zoom + 1));
                    return;
                }
                L.popup({maxWidth: 360}).setLatLng(e.latlng).setContent(sitePopup(p)).openOn(map);
            });
            hook.layer = layer;
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, name: str, config: dict[str, Any]) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "SiteTileLayer"
        self.config_js = js_object(config)


def js_object(value: Any) -> str:
    """Return `value` (JSON-able) as a JavaScript literal that is safe inside a <script> element."""
    literal = json.dumps(value, ensure_ascii=False)
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class DemoSitesSwitch(Layer):
    """An overlay of the layer control that shows or hides the demo sites of a `SiteTileLayer`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var sites = {{ this.sites_name }};
            var group = L.layerGroup();
            function set(show) {
                if (window.narSiteTiles.showDemo === show) { return; }
                window.narSiteTiles.showDemo = show;
                sites.redraw();
            }
            group.on("add", function () { set(true); });
            group.on("remove", function () { set(false); });
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, name: str, sites: SiteTileLayer) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "DemoSitesSwitch"
        self.sites_name = sites.get_name()
