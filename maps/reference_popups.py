"""What the popups of the region map's reference layers say: substations, logistics nodes, clusters,
kommuner. Each popup is a title and rows of (label, text) — or (label, (text, https link)) — that the
browser writes as text nodes; labels, caveats and sources are shared strings (maps.reference_layers),
so the page carries each once. Every HTML fragment made here is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from maps.popups import format_number
from maps.text import Lang, t
from schemas.taxonomy import LOGISTICS_KIND

Value = str | tuple[str, str]
Rows = list[tuple[str, Value]]


def source_html(credit_html: str, lang: Lang) -> str:
    """The closing paragraph of a popup: the layer's source and licence (trusted HTML from
    registry.attribution)."""
    return f'<p class="nar-source">{escape(t("source", lang))}: {credit_html}</p>'


def caveat_html(caveat: object, lang: Lang) -> str:
    """The grid company's caveat as a paragraph (empty when it gave none); shared by many substations."""
    if not caveat:
        return ""
    return f'<p class="nar-caveat"><em>{escape(t("caveat", lang))}:</em> {escape(str(caveat))}</p>'


def _mw(value: object, lang: Lang) -> str:
    if isinstance(value, int | float):
        return f"{format_number(float(value), 1, lang)} MW"
    return t("no_mw", lang)


def substation_rows(props: Mapping[str, Any], lang: Lang) -> Rows:
    """A substation's published capacity, grid company and date (the caveat and source are shared)."""
    return [
        (t("available_mw", lang), _mw(props.get("available_cons_mw"), lang)),
        (t("reserved_mw", lang), _mw(props.get("reserved_cons_mw"), lang)),
        (t("available_prod_mw", lang), _mw(props.get("available_prod_mw"), lang)),
        (t("grid_company", lang), str(props.get("grid_company") or "")),
        (t("capacity_date", lang), str(props.get("capacity_date") or "–")),
    ]


def logistics_rows(props: Mapping[str, Any], lang: Lang) -> Rows:
    """A logistics node: kind, road or code, operator, and how precise its point is."""
    kind = props.get("kind")
    kind_label = LOGISTICS_KIND.label(kind, lang) if isinstance(kind, str) and kind in LOGISTICS_KIND else "–"
    rows: Rows = [(t("logistics_layer", lang), kind_label)]
    if props.get("road"):
        rows.append((t("road", lang), str(props["road"])))
    if props.get("code"):
        rows.append(("IATA/UN", str(props["code"])))
    if props.get("operator"):
        rows.append((t("operator", lang), str(props["operator"])))
    precision = props.get("precision_km")
    if isinstance(precision, int | float):
        rows.append((t("precision", lang), f"± {format_number(float(precision), 1, lang)} km"))
    return rows


def _https(url: object) -> str | None:
    return url if isinstance(url, str) and url.startswith("https://") else None


def cluster_rows(props: Mapping[str, Any], lang: Lang) -> Rows:
    """A cluster: sector, programme, host kommune (where it is placed), website, and source with date."""
    rows: Rows = []
    for key, label in (("sector", "sector"), ("programme_level", "programme")):
        if props.get(key):
            rows.append((t(label, lang), str(props[key])))
    rows.append((t("host", lang), f"{props.get('kommune_name') or props.get('host_city') or ''}"))
    website = _https(props.get("website"))
    if website:
        rows.append((t("website", lang), (website, website)))
    source = _https(props.get("source_url"))
    if source:
        date = f" ({props['source_date']})" if props.get("source_date") else ""
        rows.append((t("source", lang), (t("source", lang) + date, source)))
    return rows


def cluster_note_html(lang: Lang) -> str:
    """Where a cluster's point stands (shared by every cluster popup)."""
    return f'<p class="nar-other">{escape(t("cluster_placed", lang))}</p>'


def kommune_tooltip_html(props: Mapping[str, Any], lang: Lang) -> str:
    """ "Asker (3203) · Regionråd: Vestlandrådet"."""
    text = f"{props.get('name') or ''} ({props.get('nr') or ''})"
    if props.get("regionraad"):
        text += f" · {t('regionraad', lang)}: {props['regionraad']}"
    return escape(text)
