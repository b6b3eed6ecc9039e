"""Numbers in messages and reports, the way each language writes them.

Norwegian text writes "24 800 m²", "3,5 MW", "30 %"; English text "24,800 m²", "3.5 MW", "30%". Every
number a kommune officer reads in a message or a report goes through here.
"""

from __future__ import annotations

UNITS = {"m2": "m²", "km2": "km²", "NOK/m2": "kr/m²"}
UNITS_EN = {"m2": "m²", "km2": "km²", "NOK/m2": "NOK/m²"}


def number(value: float, lang: str, decimals: int | None = None) -> str:
    """Format a number: thousands grouped, decimal comma in Norwegian; `decimals` None trims to ≤ 2."""
    text = f"{value:,.{2 if decimals is None else decimals}f}"
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = text[1:]
    if lang == "no":
        # "," → grouping space, "." → decimal comma (via a placeholder so the two do not collide)
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", " ")
    return text


def quantity(value: float, unit: str | None, lang: str, decimals: int | None = None) -> str:
    """A number with its unit: "24 800 m²", "3,5 MW" (Norwegian); "24,800 m²", "3.5 MW" (English)."""
    shown = (UNITS if lang == "no" else UNITS_EN).get(unit or "", unit or "")
    return f"{number(value, lang, decimals)} {shown}".strip()


def percent(share: float, lang: str) -> str:
    """A share as a whole percentage: "30 %" in Norwegian, "30%" in English."""
    whole = number(round(share * 100), lang, 0)
    return f"{whole} %" if lang == "no" else f"{whole}%"
