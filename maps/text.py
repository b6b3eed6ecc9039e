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
    "site_point": ("Punkt: areal (zoom inn for omriss)", "Dot: site (zoom in for its outline)"),
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
    "counts_layer": ("Arealer per kommune", "Sites per municipality"),
    "demo_counts_layer": ("Demoarealer per kommune", "Demo sites per municipality"),
    "counts_notice": (
        "Flere enn {cap} arealer: vist som antall og areal per kommune, ikke enkeltvis. "
        "Enkeltarealer finnes i API-et (/api/v1/sites) og Excel-eksporten.",
        "More than {cap} sites: shown as count and area per municipality, not one by one. "
        "Single sites are in the API (/api/v1/sites) and the Excel export.",
    ),
    "counts_legend": (
        "Sirkel: antall arealer og daa i kommunen",
        "Circle: sites and daa in the municipality",
    ),
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
