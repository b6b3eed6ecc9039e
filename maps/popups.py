"""Popup and tooltip HTML for site polygons, and the number formats they use.

Every value from the input is escaped here: names and contacts come from kommune submissions.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from maps.text import Lang, both, other, t
from schemas.site import AXES_BY_NAME
from schemas.taxonomy import AVAILABILITY, LOGISTICS_KIND, MATURITY, POWER, ROAD_ACCESS, Taxonomy

M2_PER_DAA = 1_000
M2_PER_HA = 10_000


def format_number(value: float, decimals: int, lang: Lang) -> str:
    """Format a number the way readers of `lang` expect ("12 345,6" in bokmål, "12,345.6" in English)."""
    text = f"{value:,.{decimals}f}"
    if lang == "no":
        # Norwegian: no-break space between thousands, decimal comma.
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def format_area(area_m2: float | None, lang: Lang) -> str:
    """Format an area in m² as daa, ha and m², led by the unit the reader of `lang` is used to."""
    if area_m2 is None:
        return "–"
    daa = f"{format_number(area_m2 / M2_PER_DAA, 1, lang)} daa"
    ha = f"{format_number(area_m2 / M2_PER_HA, 2, lang)} ha"
    m2 = f"{format_number(area_m2, 0, lang)} m²"
    parts = (daa, ha, m2) if lang == "no" else (ha, m2, daa)
    return " · ".join(parts)


def _safe_href(url: object) -> str | None:
    """Return `url` if it is a relative or http(s) link, else None (no javascript: or data: links)."""
    if not isinstance(url, str) or not url:
        return None
    if url.startswith(("/", "http://", "https://")) and not url.startswith("//"):
        return url
    return None


def _coded(taxonomy: Taxonomy, code: object, lang: Lang) -> str:
    """Return "CODE label (other-language label)" for a coded value, or "Unknown" when missing."""
    if not isinstance(code, str) or code not in taxonomy:
        return escape(both("unknown", lang))
    own = escape(taxonomy.label(code, lang))
    alt = escape(taxonomy.label(code, other(lang)))
    prefix = f"{escape(code)} " if taxonomy is MATURITY or taxonomy is POWER else ""
    return f'{prefix}{own} <span class="nar-other">({alt})</span>'


def _title(taxonomy: Taxonomy, lang: Lang) -> str:
    return taxonomy.title_no if lang == "no" else taxonomy.title_en


def _axes_text(names: object, lang: Lang, *, with_age: bool) -> str:
    """Return the titles of the named axes in `lang` ("Strømtilgang (maks 180 dager), …")."""
    if not isinstance(names, list | tuple):
        return ""
    parts = []
    for name in names:
        axis = AXES_BY_NAME.get(str(name))
        if axis is None:
            continue
        title = _title(axis.taxonomy, lang)
        parts.append(f"{title} ({t('max_days', lang, n=axis.max_age_days)})" if with_age else title)
    return ", ".join(parts)


def _verification_notes(props: Mapping[str, Any], lang: Lang) -> str:
    """Return which facts are stale and which unverified, in both languages (empty when all are current)."""
    notes = []
    for flag, with_age in (("stale", True), ("unverified", False)):
        if not props.get(flag):
            continue
        texts = []
        for lg in (lang, other(lang)):
            axes = _axes_text(props.get(f"{flag}_axes"), lg, with_age=with_age)
            texts.append(t(f"{flag}_note", lg) + (f": {axes}" if axes else ""))
        notes.append(
            f'<p class="nar-{flag}-note"><em>{escape(texts[0])}</em> '
            f'<span class="nar-other">({escape(texts[1])})</span></p>'
        )
    return "".join(notes)


def _road_access(value: object, lang: Lang) -> str | None:
    """Return "2,3 km (± 3,0 km) · E6" for the site's main road access, or None when unknown."""
    if not isinstance(value, Mapping) or not isinstance(value.get("distance_km"), int | float):
        return None
    text = f"{format_number(value['distance_km'], 1, lang)} km"
    if isinstance(value.get("precision_km"), int | float):
        text += f" (± {format_number(value['precision_km'], 1, lang)} km)"
    if value.get("road"):
        text += f" · {value['road']}"
    return escape(text)


def _contact(props: Mapping[str, Any], lang: Lang) -> str | None:
    """The kommune's contact: e-mail (or phone) and role; "Contact missing" when the kommune's profile
    has no contact to reach (`profile_complete` false); None when the data says nothing of it."""
    email, phone = props.get("contact_email"), props.get("contact_phone")
    if isinstance(email, str) and email:
        contact = f'<a href="mailto:{escape(email)}">{escape(email)}</a>'
    elif isinstance(phone, str) and phone:
        contact = f'<a href="tel:{escape(phone.replace(" ", ""))}">{escape(phone)}</a>'
    elif props.get("profile_complete") is False:
        return f'<span class="nar-missing">{escape(both("contact_missing", lang))}</span>'
    else:
        return None
    if props.get("contact_role"):
        contact += f" ({escape(str(props['contact_role']))})"
    return contact


def site_popup_html(props: Mapping[str, Any], lang: Lang) -> str:
    """Return the popup HTML of one site from its GeoJSON properties."""
    badges = []
    if props.get("is_demo"):
        badges.append(f'<span class="nar-badge nar-badge-demo">{escape(both("demo", lang))}</span>')
    for flag in ("stale", "unverified"):
        if props.get(flag):
            badges.append(
                f'<span class="nar-badge nar-badge-{flag}" title="{escape(both(f"{flag}_note", lang))}">'
                f"{escape(both(flag, lang))}</span>"
            )

    kommune = escape(str(props.get("kommune_name") or ""))
    if props.get("kommune_nr"):
        kommune += f" ({escape(str(props['kommune_nr']))})"

    power = _coded(POWER, props.get("power_status"), lang)
    mw_now = props.get("power_mw_now")
    if isinstance(mw_now, int | float):
        power += f" · {format_number(mw_now, 1, lang)} MW {escape(t('now', lang))}"

    rows = [
        (t("kommune", lang), kommune),
        (t("area", lang), escape(format_area(props.get("area_m2"), lang))),
        (_title(MATURITY, lang), _coded(MATURITY, props.get("maturity"), lang)),
        (_title(POWER, lang), power),
        (_title(AVAILABILITY, lang), _coded(AVAILABILITY, props.get("availability"), lang)),
    ]
    road = _road_access(props.get("road_access"), lang)
    if road is not None:
        rows.append((LOGISTICS_KIND.label(ROAD_ACCESS, lang), road))
    contact = _contact(props, lang)
    if contact is not None:
        rows.append((t("contact", lang), contact))

    table = "".join(f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in rows)
    notes = _verification_notes(props, lang)
    href = _safe_href(props.get("url"))
    link = f'<p><a href="{escape(href)}">{escape(both("passport", lang))}</a></p>' if href else ""
    site_id = props.get("id")
    if isinstance(site_id, int) or (isinstance(site_id, str) and site_id.isascii() and site_id.isdigit()):
        ask = f"/inquiries/new?site_ids={int(site_id)}&lang={lang}"
        link += f'<p><a class="nar-ask" href="{escape(ask)}">{escape(both("ask", lang))}</a></p>'
    name = escape(str(props.get("name") or props.get("id") or ""))
    return f'<div class="nar-popup"><h3>{name}</h3>{"".join(badges)}<table>{table}</table>{notes}{link}</div>'


def site_tooltip_html(props: Mapping[str, Any], lang: Lang) -> str:
    """Return the hover text of one site: name and maturity label."""
    name = escape(str(props.get("name") or ""))
    code = props.get("maturity")
    if isinstance(code, str) and code in MATURITY:
        return f"{name} – {escape(code)} {escape(MATURITY.label(code, lang))}"
    return name
