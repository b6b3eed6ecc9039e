"""Bilingual (bokmål, English) interface words of the maps that are not coded values.

Coded values (maturity, power, availability …) take their labels from `schemas.taxonomy`; this module
holds only the words around them.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["no", "en"]
LANGS: tuple[Lang, ...] = ("no", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "default_title": ("Næringsarealer i Osloregionen", "Business land in the Oslo region"),
    "sites_layer": ("Næringsarealer", "Business sites"),
    "kommuner_layer": ("Medlemskommuner", "Member municipalities"),
    "legend": ("Tegnforklaring", "Legend"),
    "legend_toggle": ("Vis eller skjul tegnforklaringen", "Show or hide the legend"),
    "member_kommune": ("Medlemskommune", "Member municipality"),
    "kommune": ("Kommune", "Municipality"),
    "area": ("Areal", "Area"),
    "contact": ("Kontakt", "Contact"),
    "contact_missing": ("Kontakt mangler", "Contact missing"),
    "passport": ("Åpne arealpass", "Open site passport"),
    "ask": ("Spør om dette området", "Ask about this site"),
    "now": ("nå", "now"),
    "unknown": ("Ukjent", "Unknown"),
    "stale": ("Utdatert", "Stale"),
    "stale_note": ("Verifisert for lenge siden", "Verified too long ago"),
    "stale_legend": (
        "Stiplet: utdatert (verifisert for lenge siden)",
        "Dashed: stale (verified too long ago)",
    ),
    "unverified": ("Uverifisert", "Unverified"),
    "unverified_note": ("Ingen verifiseringsdato", "No verification date"),
    "unverified_legend": ("Prikket: uverifisert (ingen dato)", "Dotted: unverified (no date)"),
    "max_days": ("maks {n} dager", "at most {n} days"),
    "demo": ("Demodata", "Demo data"),
    "demo_one": ("Det viste arealet er oppdiktet", "The site shown is invented"),
    "demo_all": ("Alle {n} viste arealer er oppdiktet", "All {n} sites shown are invented"),
    "demo_some": (
        "{demo} av {total} viste arealer er oppdiktet",
        "{demo} of {total} sites shown are invented",
    ),
    "demo_hide": ("skjul dem i lagvelgeren", "hide them in the layer control"),
    "demo_layer": ("Demoarealer (oppdiktet)", "Demo sites (invented)"),
    "tiles_note": (
        "Zoom inn for omrisset; sirkel: antall arealer (klikk for å zoome)",
        "Zoom in for outlines; circle: number of sites (click to zoom in)",
    ),
    "demo_legend": ("Rød stiplet kant: demoareal (oppdiktet)", "Red dashed edge: demo site (invented)"),
    "maturity": ("Planstatus", "Plan maturity"),
    "area_daa": ("Areal", "Area"),
    "open_site": ("Åpne arealsiden", "Open the site page"),
    "zoom_in": ("klikk for å zoome inn", "click to zoom in"),
    "of_which_demo": ("herav {n} demo", "of which {n} demo"),
    "substations_layer": ("Transformatorstasjoner (ledig MW)", "Substations (available MW)"),
    "logistics_layer": ("Logistikknoder", "Logistics nodes"),
    "clusters_layer": ("Næringsklynger", "Business clusters"),
    "towns_layer": ("Stedsnavn", "Place names"),
    "kommuner_labels_layer": ("Kommunenavn", "Municipality names"),
    "regionraad": ("Regionråd", "Regional council"),
    "available_mw": ("Ledig kapasitet (forbruk)", "Available capacity (consumption)"),
    "reserved_mw": ("Reservert", "Reserved"),
    "available_prod_mw": ("Ledig kapasitet (produksjon)", "Available capacity (production)"),
    "grid_company": ("Nettselskap", "Grid company"),
    "capacity_date": ("Dato for kapasitet", "Capacity as of"),
    "caveat": ("Forbehold", "Caveat"),
    "source": ("Kilde", "Source"),
    "precision": ("Presisjon", "Precision"),
    "road": ("Veg", "Road"),
    "operator": ("Operatør", "Operator"),
    "sector": ("Bransje", "Sector"),
    "programme": ("Program", "Programme"),
    "host": ("Vertskommune", "Host municipality"),
    "website": ("Nettside", "Website"),
    "cluster_placed": (
        "Plassert midt i vertskommunen, ikke på en adresse",
        "Placed in the middle of its host municipality, not at an address",
    ),
    "mw_legend": (
        "Transformatorstasjon: større og mørkere blå = mer ledig MW",
        "Substation: larger and darker blue = more MW available",
    ),
    "no_mw": ("ikke oppgitt", "not published"),
    "sites_one": ("{n} areal", "{n} site"),
    "sites_many": ("{n} arealer", "{n} sites"),
}


def check_lang(lang: str) -> Lang:
    """Return `lang` if it is a supported language code, else raise ValueError."""
    if lang == "no":
        return "no"
    if lang == "en":
        return "en"
    raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")


def other(lang: Lang) -> Lang:
    """Return the other language ("no" ↔ "en")."""
    return "en" if lang == "no" else "no"


def _value(value: int | str, lang: Lang) -> str:
    """Format a whole number the way readers of `lang` expect ("3 000" in bokmål, "3,000" in English)."""
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", "\u00a0") if lang == "no" else text
    return value


def t(key: str, lang: Lang, **values: int | str) -> str:
    """Return the interface text `key` in `lang`, with `values` filled in."""
    no, en = _TEXT[key]
    text = no if lang == "no" else en
    return text.format(**{k: _value(v, lang) for k, v in values.items()}) if values else text


def both(key: str, lang: Lang, sep: str = " / ", **values: int | str) -> str:
    """Return the text in `lang` first, then in the other language."""
    return f"{t(key, lang, **values)}{sep}{t(key, other(lang), **values)}"


def sites_count(n: int, lang: Lang) -> str:
    """Return "1 areal" / "12 arealer" ("1 site" / "12 sites")."""
    return t("sites_one" if n == 1 else "sites_many", lang, n=n)
