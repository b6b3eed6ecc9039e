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
    "passport": ("Åpne arealpass", "Open site passport"),
    "now": ("nå", "now"),
    "unknown": ("Ukjent", "Unknown"),
    "stale": ("Utdatert", "Stale"),
    "stale_note": ("Opplysningene er ikke verifisert nylig", "Facts not verified recently"),
    "demo": ("Demodata", "Demo data"),
    "demo_note": ("Eksempeldata – ikke reelle arealer", "Example data – not real sites"),
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


def t(key: str, lang: Lang) -> str:
    """Return the interface text `key` in `lang`."""
    no, en = _TEXT[key]
    return no if lang == "no" else en


def both(key: str, lang: Lang, sep: str = " / ") -> str:
    """Return the text in `lang` first, then in the other language."""
    return f"{t(key, lang)}{sep}{t(key, other(lang))}"
