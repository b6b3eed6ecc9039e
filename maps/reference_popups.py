"""Popup and tooltip HTML of the region map's reference layers: substations, logistics nodes, clusters,
kommuner. Every value is escaped here; the source and licence of each layer close its popup.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from maps.popups import format_number
from maps.text import Lang, both, t
from schemas.taxonomy import LOGISTICS_KIND


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _source(source_html: str, lang: Lang) -> str:
    """The layer's source and licence (trusted HTML from registry.attribution)."""
    return f'<p class="nar-source">{escape(t("source", lang))}: {source_html}</p>'


def _mw(value: object, lang: Lang) -> str:
    if isinstance(value, int | float):
        return f"{format_number(float(value), 1, lang)} MW"
    return escape(t("no_mw", lang))


def substation_popup_html(props: Mapping[str, Any], lang: Lang, source_html: str) -> str:
    """A substation's published capacity with the grid company's caveat and date, and the source."""
    rows = [
        (t("available_mw", lang), _mw(props.get("available_cons_mw"), lang)),
        (t("reserved_mw", lang), _mw(props.get("reserved_cons_mw"), lang)),
        (t("available_prod_mw", lang), _mw(props.get("available_prod_mw"), lang)),
        (t("grid_company", lang), escape(str(props.get("grid_company") or ""))),
        (t("capacity_date", lang), escape(str(props.get("capacity_date") or "–"))),
    ]
    caveat = props.get("caveat")
    note = (
        f'<p class="nar-caveat"><em>{escape(t("caveat", lang))}:</em> {escape(str(caveat))}</p>'
        if caveat
        else ""
    )
    name = escape(str(props.get("name") or ""))
    return f'<div class="nar-popup"><h3>{name}</h3>{_table(rows)}{note}{_source(source_html, lang)}</div>'


def logistics_popup_html(props: Mapping[str, Any], lang: Lang, source_html: str) -> str:
    """A logistics node: kind, road or code, operator, how precise its point is, and the source."""
    kind = props.get("kind")
    kind_label = LOGISTICS_KIND.label(kind, lang) if isinstance(kind, str) and kind in LOGISTICS_KIND else "–"
    rows = [(both("logistics_layer", lang), escape(kind_label))]
    if props.get("road"):
        rows.append((t("road", lang), escape(str(props["road"]))))
    if props.get("code"):
        rows.append(("IATA/UN", escape(str(props["code"]))))
    if props.get("operator"):
        rows.append((t("operator", lang), escape(str(props["operator"]))))
    precision = props.get("precision_km")
    if isinstance(precision, int | float):
        rows.append((t("precision", lang), f"± {format_number(float(precision), 1, lang)} km"))
    name = escape(str(props.get("name") or ""))
    return f'<div class="nar-popup"><h3>{name}</h3>{_table(rows)}{_source(source_html, lang)}</div>'


def _link(url: object, text: str) -> str | None:
    if isinstance(url, str) and url.startswith("https://"):
        return f'<a href="{escape(url)}">{escape(text)}</a>'
    return None


def cluster_popup_html(props: Mapping[str, Any], lang: Lang, source_html: str) -> str:
    """A cluster: sector, programme, host kommune (where it is placed), website and source with date."""
    rows = []
    for key, label in (("sector", "sector"), ("programme_level", "programme")):
        if props.get(key):
            rows.append((t(label, lang), escape(str(props[key]))))
    host = str(props.get("kommune_name") or props.get("host_city") or "")
    rows.append((t("host", lang), escape(host)))
    website = _link(props.get("website"), str(props.get("website") or ""))
    if website:
        rows.append((t("website", lang), website))
    source = _link(props.get("source_url"), t("source", lang))
    if source:
        if props.get("source_date"):
            source += f" ({escape(str(props['source_date']))})"
        rows.append((t("source", lang), source))
    name = escape(str(props.get("name") or ""))
    placed = f'<p class="nar-other">{escape(t("cluster_placed", lang))}</p>'
    return f'<div class="nar-popup"><h3>{name}</h3>{_table(rows)}{placed}{_source(source_html, lang)}</div>'


def kommune_tooltip_html(props: Mapping[str, Any], lang: Lang) -> str:
    """ "Asker (3203) · Regionråd: Vestlandrådet"."""
    text = f"{props.get('name') or ''} ({props.get('nr') or ''})"
    if props.get("regionraad"):
        text += f" · {t('regionraad', lang)}: {props['regionraad']}"
    return escape(text)
