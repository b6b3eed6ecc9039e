"""Map furniture as Folium MacroElements: page head, maturity legend, demo banner, attribution.

Each element renders its HTML server-side (escaped here, since branca's templates do not autoescape)
into an inert <template>, and a small script moves it into the Leaflet map container; being inert, it
never takes part in the page layout (which would give Leaflet a wrong map size at start-up).
"""

from __future__ import annotations

import json
from html import escape

from branca.element import MacroElement, Template

from maps import assets
from maps.text import Lang, both, other, t
from schemas.taxonomy import MATURITY

# Colour of member-kommune outlines; a map style, not a coded value.
KOMMUNE_OUTLINE_COLOUR = "#3f3f46"
# On a map smaller than this (width, height; a phone) the legend starts folded, leaving the map free.
LEGEND_FOLD_BELOW_PX = (600, 480)

_CSS = """
.leaflet-container { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial,
  sans-serif; background: #eef1f4; }
.nar-legend { background: rgba(255, 255, 255, 0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); font-size: 13px; line-height: 1.35; max-width: 300px; }
.nar-legend summary { cursor: pointer; }
.nar-legend summary h2 { display: inline; font-size: 14px; margin: 0; }
.nar-legend details[open] > summary { margin-bottom: 6px; }
.nar-legend h3 { font-size: 13px; margin: 0 0 4px; }
.nar-legend ul { list-style: none; margin: 0; padding: 0; }
.nar-legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.nar-swatch { display: inline-block; flex: none; width: 18px; height: 12px; border: 1px solid #555; }
.nar-swatch-point { width: 12px; height: 12px; border-radius: 50%; margin: 0 3px; border-color: #333; }
.nar-swatch-stale { background: #fff; border: 2px dashed #333; width: 16px; height: 10px; }
.nar-swatch-unverified { background: #fff; border: 2px dotted #333; width: 16px; height: 10px; }
.nar-swatch-demo { background: #fff; border: 2px dashed #b91c1c; width: 16px; height: 10px; }
.nar-swatch-mw { width: 12px; height: 12px; border-radius: 50%; margin: 0 3px;
  background: radial-gradient(#08306b 30%, #6baed6 70%); }
.nar-cell-tooltip { font-weight: 600; }
.nar-place-label { white-space: nowrap; pointer-events: none; }
.nar-place-label span { position: relative; left: -50%; top: -0.7em; display: inline-block;
  font-size: 12px; color: #222; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.nar-town-label span { font-weight: 700; font-size: 13px; }
.nar-kommune-label span { font-style: italic; color: #3f3f46; }
.nar-hide-nar-kommune-label .nar-kommune-label, .nar-hide-nar-town-label .nar-town-label { display: none; }
.nar-source { font-size: 11px; color: #555; margin: 4px 0 0; }
.nar-swatch-kommune { background: transparent; border: 2px solid; width: 16px; height: 10px; }
.nar-other { color: #555; font-size: 0.92em; }
/* Below Leaflet's control corners (z-index 1000): an opened layer control is never hidden by the banner. */
.nar-demo-banner { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 990;
  max-width: min(640px, calc(100% - 120px));
  background: #b91c1c; color: #fff; padding: 6px 14px; border-radius: 6px; font-weight: 700;
  letter-spacing: 0.04em; text-align: center; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.4);
  pointer-events: none; }
.nar-demo-banner small { display: block; font-weight: 400; letter-spacing: normal; }
.nar-popup h3 { font-size: 15px; margin: 0 0 4px; }
.nar-popup table { border-collapse: collapse; font-size: 13px; }
.nar-popup th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; font-weight: 600; }
.nar-popup td { padding: 1px 0; }
.nar-missing { color: #b91c1c; font-weight: 600; }
.nar-badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 700;
  margin-right: 4px; }
.nar-badge-demo { background: #b91c1c; color: #fff; }
.nar-badge-stale { background: #fde68a; color: #78350f; }
.nar-badge-unverified { background: #e5e7eb; color: #374151; }
"""


def js_string(value: str) -> str:
    """Return `value` as a JavaScript string literal that is safe inside a <script> element."""
    # Keep non-ASCII readable (ø, ©) but escape the characters that could close the script element.
    literal = json.dumps(value, ensure_ascii=False)
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class PageHead(MacroElement):
    """Add the page title, favicon and the map's CSS to the page head."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <title>{{ this.title_html }}</title>
        <link rel="icon" type="image/svg+xml" href="{{ this.favicon_url }}"/>
        <style>{{ this.css }}</style>
        {% endmacro %}
        """
    )

    def __init__(self, *, title: str, static_prefix: str) -> None:
        super().__init__()
        self._name = "PageHead"
        self.title_html = escape(title)
        self.favicon_url = escape(assets.static_url(static_prefix, assets.FAVICON))
        self.css = _CSS


def _legend_row(swatch_html: str, key: str, lang: Lang) -> str:
    return f"<li>{swatch_html}<span>{escape(both(key, lang))}</span></li>"


def maturity_legend_html(lang: Lang, title: str | None = None) -> str:
    """Return the legend's inner HTML: a collapsible list of maturity levels M0–M5 and map symbols."""
    alt = other(lang)
    heading = (
        f"{escape(getattr(MATURITY, f'title_{lang}'))} "
        f'<span class="nar-other">{escape(getattr(MATURITY, f"title_{alt}"))}</span>'
    )
    rows = [
        f'<li><span class="nar-swatch" style="background:{escape(term.colour)}"></span>'
        f"<span><b>{escape(term.code)}</b> {escape(MATURITY.label(term.code, lang))} "
        f'<span class="nar-other">{escape(MATURITY.label(term.code, alt))}</span></span></li>'
        for term in MATURITY.terms
    ]
    # The circle's swatch shows all maturity colours: a cell takes its most advanced site's colour.
    colours = ", ".join(escape(term.colour) for term in MATURITY.terms)
    rows.append(
        f'<li><span class="nar-swatch nar-swatch-point" style="background:conic-gradient({colours})"></span>'
        f"<span>{escape(t('tiles_note', lang))} "
        f'<span class="nar-other">{escape(t("tiles_note", alt))}</span></span></li>'
    )
    rows.append(_legend_row('<span class="nar-swatch nar-swatch-demo"></span>', "demo_legend", lang))
    rows.append(_legend_row('<span class="nar-swatch nar-swatch-mw"></span>', "mw_legend", lang))
    rows.append(
        f'<li><span class="nar-swatch nar-swatch-kommune" style="border-color:{KOMMUNE_OUTLINE_COLOUR}">'
        "</span>"
        f"<span>{escape(both('member_kommune', lang))}</span></li>"
    )
    summary = f"<h2>{escape(title or t('legend', lang))}</h2>"
    toggle = escape(both("legend_toggle", lang))
    return (
        f'<details open><summary title="{toggle}">{summary}</summary>'
        f"<h3>{heading}</h3><ul>{''.join(rows)}</ul></details>"
    )


class MaturityLegend(MacroElement):
    """A Leaflet control (bottom right) listing the maturity levels; it starts folded on a narrow map."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <template id="{{ this.get_name() }}">
            <div class="nar-legend leaflet-control">{{ this.body_html }}</div>
        </template>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var el = document.getElementById("{{ this.get_name() }}").content.firstElementChild;
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: "bottomright"});
            var size = map.getSize();
            if (size.x < {{ this.fold_below[0] }} || size.y < {{ this.fold_below[1] }}) {
                el.querySelector("details").open = false;
            }
            control.onAdd = function () {
                L.DomEvent.disableClickPropagation(el);
                L.DomEvent.disableScrollPropagation(el);
                return el;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, lang: Lang, title: str | None = None) -> None:
        super().__init__()
        self._name = "MaturityLegend"
        self.fold_below = LEGEND_FOLD_BELOW_PX
        self.body_html = maturity_legend_html(lang, title)


def demo_banner_html(lang: Lang, *, demo: int, total: int, can_hide: bool) -> str:
    """Return the banner's HTML: DEMODATA, how many of the shown sites are demo, and how to hide them."""
    headline = " / ".join(t("demo", lg).upper() for lg in (lang, other(lang)))
    lines = []
    for lg in (lang, other(lang)):
        if demo < total:
            text = t("demo_some", lg, demo=demo, total=total)
        else:
            text = t("demo_one", lg) if total == 1 else t("demo_all", lg, n=total)
        lines.append(text + (f" – {t('demo_hide', lg)}" if can_hide else ""))
    return f"{escape(headline)}<small>{escape(' · '.join(lines))}</small>"


class DemoBanner(MacroElement):
    """A red "DEMODATA / DEMO DATA" banner across the top of the map saying how many shown sites are demo.

    Given the demo sites' layer, the banner goes away while that layer is hidden in the layer control.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <template id="{{ this.get_name() }}">
            <div class="nar-demo-banner" role="status">{{ this.body_html }}</div>
        </template>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var el = document.getElementById("{{ this.get_name() }}").content.firstElementChild;
            map.getContainer().appendChild(el);
            {% if this.layer_name %}
            var layer = {{ this.layer_name }};
            map.on("overlayremove", function (e) { if (e.layer === layer) { el.style.display = "none"; } });
            map.on("overlayadd", function (e) { if (e.layer === layer) { el.style.display = ""; } });
            {% endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, *, lang: Lang, demo: int, total: int, layer: MacroElement | None = None) -> None:
        super().__init__()
        self._name = "DemoBanner"
        self.layer_name = layer.get_name() if layer is not None else ""
        self.body_html = demo_banner_html(lang, demo=demo, total=total, can_hide=layer is not None)


class Attribution(MacroElement):
    """Add trusted HTML (source and licence of the reference data) to Leaflet's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_js }});
        {% endmacro %}
        """
    )

    def __init__(self, attribution_html: str) -> None:
        super().__init__()
        self._name = "Attribution"
        # Not escaped: the caller passes our own attribution markup (links to sources and licences).
        self.html_js = js_string(attribution_html)
