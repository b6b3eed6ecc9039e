"""The search page's form and list, in words: the choices each control offers (area in daa, levels,
sorts, page sizes), and a refused parameter as a message in both languages beside its field.

The form's controls carry the API's own parameter names (api/search_params.py), so its query string is
one the API answers too. People think of land in decares: the area choices are labelled in daa
(1 daa = 1 000 m²) and send `min_area_m2` / `max_area_m2` in m², the API's unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError

from api.errors import InvalidParameterError, ProblemError, UnknownParameterError
from maps.popups import format_number
from schemas.problems import FieldProblem

M2_PER_DAA = 1000
AREA_DAA_CHOICES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 20
# The field a problem not about one parameter is shown at (the top of the form).
WHOLE_FORM = "_form"


def number(value: float | None, lang: str, decimals: int = 1) -> str:
    """A number as people of the language write it: "1 234,5" (no) or "1,234.5" (en); "—" for None."""
    return "—" if value is None else format_number(value, decimals, "no" if lang == "no" else "en")


@dataclass(frozen=True)
class Option:
    value: str
    label: str


def area_options(chosen: str | None, lang: str) -> list[Option]:
    """The area choices (value in m², label in daa and m²); a chosen value not among them is added."""
    options = [
        Option(str(daa * M2_PER_DAA), f"{number(daa, lang, 0)} daa ({number(daa * M2_PER_DAA, lang, 0)} m²)")
        for daa in AREA_DAA_CHOICES
    ]
    if chosen and chosen not in {o.value for o in options}:
        try:
            label = f"{number(float(chosen) / M2_PER_DAA, lang, 3)} daa ({chosen} m²)"
        except ValueError:
            label = chosen  # refused by the parameter's check; shown as given beside its message
        options.append(Option(chosen, label))
    return options


# The sorts (api/search_params.py SORT_CHOICES): each key ascending and descending, in words.
SORT_LABELS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "kommune": (("Kommune A–Å", "Kommune, A to Z"), ("Kommune Å–A", "Kommune, Z to A")),
    "name": (("Navn A–Å", "Name, A to Z"), ("Navn Å–A", "Name, Z to A")),
    "area": (("Areal, minst først", "Area, smallest first"), ("Areal, størst først", "Area, largest first")),
    "power": (
        ("Effekt nå, minst først", "Power now, least first"),
        ("Effekt nå, mest først", "Power now, most first"),
    ),
    "maturity": (
        ("Planmodenhet, lavest først", "Plan maturity, lowest first"),
        ("Planmodenhet, høyest først", "Plan maturity, highest first"),
    ),
    "updated": (
        ("Oppdatert, eldst først", "Updated, oldest first"),
        ("Oppdatert, nyest først", "Updated, newest first"),
    ),
    "distance_main_road": (
        ("Nærmest hovedveg først", "Nearest a main road first"),
        ("Lengst fra hovedveg først", "Farthest from a main road first"),
    ),
    "distance_rail_terminal": (
        ("Nærmest godsterminal først", "Nearest a rail terminal first"),
        ("Lengst fra godsterminal først", "Farthest from a rail terminal first"),
    ),
    "distance_port": (
        ("Nærmest havn først", "Nearest a port first"),
        ("Lengst fra havn først", "Farthest from a port first"),
    ),
    "distance_airport": (
        ("Nærmest lufthavn først", "Nearest an airport first"),
        ("Lengst fra lufthavn først", "Farthest from an airport first"),
    ),
    "distance": (
        ("Nærmest punktet først (krever «nær»)", "Nearest the point first (needs “near”)"),
        ("Lengst fra punktet først (krever «nær»)", "Farthest from the point first (needs “near”)"),
    ),
}


def sort_options(lang: str) -> list[Option]:
    """Every sort the API takes, each key ascending then descending ("-key")."""
    out = []
    for key, (up, down) in SORT_LABELS.items():
        out.append(Option(key, up[0] if lang == "no" else up[1]))
        out.append(Option(f"-{key}", down[0] if lang == "no" else down[1]))
    return out


def header_sort(current: str, key: str) -> tuple[str, str | None]:
    """A column header's link target and its aria-sort: a click on the sorted column reverses it."""
    if current == key:
        return f"-{key}", "ascending"
    if current == f"-{key}":
        return key, "descending"
    return key, None


# Pydantic's refusals in Norwegian, by error type ({…} from the error's context).
_NORWEGIAN = {
    "float_parsing": "må være et tall",
    "float_type": "må være et tall",
    "int_parsing": "må være et heltall",
    "int_from_float": "må være et heltall",
    "int_type": "må være et heltall",
    "finite_number": "må være et endelig tall",
    "greater_than_equal": "må være minst {ge}",
    "greater_than": "må være over {gt}",
    "less_than_equal": "kan være høyst {le}",
    "less_than": "må være under {lt}",
    "bool_parsing": "må være true eller false",
    "enum": "må være en av {expected}",
    "string_too_short": "må ha minst {min_length} tegn",
    "string_too_long": "kan ha høyst {max_length} tegn",
    "string_pattern_mismatch": "har feil form",
    "missing": "mangler",
}


def _norwegian(error: dict[str, Any]) -> str:
    template = _NORWEGIAN.get(str(error.get("type")), "ugyldig verdi")
    try:
        return template.format(**(error.get("ctx") or {})).replace("' or '", "' eller '")
    except (KeyError, IndexError):
        return "ugyldig verdi"


def _field(loc: Sequence[Any]) -> str:
    return str(loc[-1]) if len(loc) >= 2 and loc[0] == "query" else WHOLE_FORM


def problems_of(exc: Exception) -> list[FieldProblem]:
    """A refused request (FastAPI's validation error or one of ours) as messages per field, both languages."""
    if isinstance(exc, RequestValidationError):
        return [
            FieldProblem(_field(e.get("loc", ())), _norwegian(e), str(e.get("msg", ""))) for e in exc.errors()
        ]
    if isinstance(exc, UnknownParameterError):
        names = ", ".join(exc.extra.get("unknown", ()))  # type: ignore[arg-type]
        return [
            FieldProblem(
                WHOLE_FORM,
                f"Siden kjenner ikke parameteren {names}.",
                f"The page does not know the parameter {names}.",
            )
        ]
    if isinstance(exc, InvalidParameterError):
        out = []
        for e in exc.extra.get("errors", ()):  # type: ignore[attr-defined]
            english, _, norwegian = str(e["msg"]).partition(" / ")
            out.append(FieldProblem(_field(e["loc"]), norwegian or english, english))
        return out
    if isinstance(exc, ProblemError):
        english, _, norwegian = exc.detail.partition(" / ")
        return [FieldProblem(WHOLE_FORM, norwegian or english, english)]
    raise TypeError(f"not a refusal: {exc!r}")
