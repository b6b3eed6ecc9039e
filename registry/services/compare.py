"""Use case: compare up to four published sites side by side — every fact in one row, and whether the
sites differ on it.

Each row holds one cell per site, in the order asked. A cell carries what the page shows (a coded term, a
number with its unit, text, a small note, a stale or unverified mark) and a `key`: two sites differ on a
row when their keys differ. Unknown, draft and archived ids are named as not found; the others are still
compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from registry.services.access import ANONYMOUS
from registry.services.sites import read_site
from schemas.site import AXES
from schemas.taxonomy import LOGISTICS_KIND

MAX_COMPARED = 4


class TooManySitesError(ValueError):
    """More sites than a comparison holds."""

    def __init__(self, asked: int) -> None:
        super().__init__(f"At most {MAX_COMPARED} sites can be compared, not {asked}")
        self.asked = asked


@dataclass(frozen=True)
class Cell:
    """One site's value on one row. Empty (nothing but `key` None) reads as "not given"."""

    key: Any = None
    term: Mapping[str, Any] | None = None  # {code, label_no, label_en}
    number: float | None = None
    unit_no: str = ""
    unit_en: str = ""
    text_no: str = ""
    text_en: str = ""
    note_no: str = ""
    note_en: str = ""
    flag: str | None = None  # "stale" | "unverified"

    @property
    def empty(self) -> bool:
        return self.term is None and self.number is None and not self.text_no and not self.text_en


@dataclass(frozen=True)
class Row:
    key: str
    label_no: str
    label_en: str
    cells: list[Cell]

    @property
    def differs(self) -> bool:
        """Whether the sites' values on this row are not all the same (never, with one site)."""
        return len({repr(c.key) for c in self.cells}) > 1


@dataclass(frozen=True)
class Comparison:
    sites: list[dict[str, Any]]  # the found sites' properties (with "id"), in the order asked
    rows: list[Row]
    not_found: list[int] = field(default_factory=list)


def _axis_cell(a: Mapping[str, Any]) -> Cell:
    code = a.get("code")
    if not code:
        return Cell()
    term = {"code": code, "label_no": a.get("label_no", ""), "label_en": a.get("label_en", "")}
    flag = "unverified" if a.get("unverified") else "stale" if a.get("stale") else None
    when = a.get("verified_at")
    return Cell(
        key=code,
        term=term,
        note_no=f"bekreftet {when}" if when else "",
        note_en=f"verified {when}" if when else "",
        flag=flag,
    )


def _number(value: Any, unit: str, unit_en: str | None = None) -> Cell:
    if value is None:
        return Cell()
    number = float(value)
    return Cell(key=number, number=number, unit_no=unit, unit_en=unit_en if unit_en is not None else unit)


def _kommune(p: Mapping[str, Any]) -> Cell:
    text = f"{p['kommune_name']} ({p['kommune_nr']})"
    return Cell(
        key=p["kommune_nr"],
        text_no=text,
        text_en=text,
        note_no=p.get("regionraad") or "",
        note_en=p.get("regionraad") or "",
    )


def _future(power: Mapping[str, Any]) -> Cell:
    mw, year = power.get("mw_future"), power.get("future_year")
    if mw is None:
        return Cell()
    return Cell(
        key=(float(mw), year),
        number=float(mw),
        unit_no="MW",
        unit_en="MW",
        text_no=f"fra {year}" if year else "",
        text_en=f"from {year}" if year else "",
    )


def _uses(p: Mapping[str, Any]) -> Cell:
    uses = p.get("uses") or []
    if not uses:
        return Cell()
    return Cell(
        key=tuple(sorted(u["code"] for u in uses)),
        text_no=", ".join(f"{u['code']} {u['label_no']}" for u in uses),
        text_en=", ".join(f"{u['code']} {u['label_en']}" for u in uses),
    )


def _price(p: Mapping[str, Any]) -> Cell:
    price = p.get("price_nok_per_m2")
    terms = p.get("price_terms") or ""
    if price is None and not terms:
        return Cell()
    return Cell(
        key=(price, terms),
        number=float(price) if price is not None else None,
        unit_no="kr/m²",
        unit_en="NOK/m²",
        note_no=terms,
        note_en=terms,
    )


def _logistics(p: Mapping[str, Any], kind: str) -> Cell:
    item = next((li for li in p.get("logistics") or [] if li["kind"]["code"] == kind), None)
    if item is None:
        return Cell()
    name = item["name"] + (f" ({item['road']})" if item.get("road") else "")
    precision = item.get("precision_km")
    return Cell(
        key=float(item["distance_km"]),
        number=float(item["distance_km"]),
        unit_no="km",
        unit_en="km",
        text_no=name,
        text_en=name,
        note_no=f"± {precision} km, i rett linje" if precision is not None else "i rett linje",
        note_en=f"± {precision} km, in a straight line" if precision is not None else "in a straight line",
    )


def _substation(power: Mapping[str, Any]) -> Cell:
    sub = power.get("nearest_substation")
    if not sub:
        return Cell()
    distance = power.get("substation_distance_km")
    name = sub["name"] + (f" ({distance} km)" if distance is not None else "")
    available = sub.get("available_cons_mw")
    date = str(sub.get("capacity_date") or "")[:10]
    return Cell(
        key=(sub["name"], available),
        number=float(available) if available is not None else None,
        unit_no="MW ledig",
        unit_en="MW available",
        text_no=name,
        text_en=name,
        note_no=f"{sub.get('grid_company') or ''}, publisert {date}".strip(", "),
        note_en=f"{sub.get('grid_company') or ''}, published {date}".strip(", "),
    )


def _contact(p: Mapping[str, Any]) -> Cell:
    c = p.get("contact") or {}
    if not c.get("profile_complete"):
        return Cell(
            key=None,
            text_no="Ingen kontakt oppgitt; spør regionen",
            text_en="No contact given; ask the region",
        )
    who = ", ".join(x for x in (c.get("name"), c.get("role")) if x)
    reach = " · ".join(x for x in (c.get("email"), c.get("phone")) if x)
    return Cell(
        key=(who, reach),
        text_no=who or reach,
        text_en=who or reach,
        note_no=reach if who else "",
        note_en=reach if who else "",
    )


def _response(p: Mapping[str, Any], default_hours: float) -> Cell:
    hours = (p.get("contact") or {}).get("response_hours")
    if hours is None:
        return Cell(
            key=("default", default_hours),
            number=float(default_hours),
            unit_no="arbeidstimer",
            unit_en="working hours",
            note_no="registerets frist; kommunen har ikke satt en",
            note_en="the registry's; the kommune has set none",
        )
    return Cell(key=float(hours), number=float(hours), unit_no="arbeidstimer", unit_en="working hours")


def _verification(p: Mapping[str, Any]) -> Cell:
    counted = [a for a in AXES if a.counts_for_site]  # as the site's own state (evidence is the registry's)
    stale = [a for a in counted if p[a.name].get("stale")]
    unverified = [a for a in counted if p[a.name].get("unverified")]
    if not stale and not unverified:
        return Cell(
            key=((), ()),
            text_no="alle fakta er bekreftet og gjeldende",
            text_en="every fact verified and current",
        )
    parts_no, parts_en = [], []
    if stale:
        parts_no.append("foreldet: " + ", ".join(a.taxonomy.title_no.lower() for a in stale))
        parts_en.append("stale: " + ", ".join(a.taxonomy.title_en.lower() for a in stale))
    if unverified:
        parts_no.append("ikke bekreftet: " + ", ".join(a.taxonomy.title_no.lower() for a in unverified))
        parts_en.append("unverified: " + ", ".join(a.taxonomy.title_en.lower() for a in unverified))
    return Cell(
        key=(tuple(a.name for a in stale), tuple(a.name for a in unverified)),
        text_no="; ".join(parts_no),
        text_en="; ".join(parts_en),
        flag="stale" if stale else "unverified",
    )


_AXIS_LABELS = {
    "maturity": ("Planmodenhet", "Plan maturity"),
    "power": ("Effekt (status)", "Power status"),
    "availability": ("Tilgjengelighet", "Availability"),
    "land_control": ("Grunnkontroll", "Land control"),
    "evidence": ("Dokumentasjon", "Evidence"),
}


def _rows(sites: Sequence[Mapping[str, Any]], *, default_hours: float) -> list[Row]:
    def row(key: str, no: str, en: str, cell: Any) -> Row:
        return Row(key, no, en, [cell(p) for p in sites])

    rows = [
        row("kommune", "Kommune", "Kommune", _kommune),
        row("area", "Areal", "Area", lambda p: _number(p["area_daa"], "daa")),
    ]
    for name in ("maturity", "power"):
        rows.append(row(name, *_AXIS_LABELS[name], lambda p, n=name: _axis_cell(p[n])))
    rows += [
        row("mw_now", "Effekt nå", "MW now", lambda p: _number(p["power"].get("mw_now"), "MW")),
        row("mw_future", "Effekt senere", "MW by year", lambda p: _future(p["power"])),
    ]
    for name in ("availability", "land_control", "evidence"):
        rows.append(row(name, *_AXIS_LABELS[name], lambda p, n=name: _axis_cell(p[n])))
    rows += [
        row("verification", "Bekreftet og foreldet", "Verified and stale", _verification),
        row("uses", "Arealformål", "Land use", _uses),
        row("price", "Pris", "Price", _price),
    ]
    for kind in LOGISTICS_KIND.terms:
        rows.append(
            row(
                f"logistics_{kind.code}",
                kind.label_no,
                kind.label_en,
                lambda p, k=kind.code: _logistics(p, k),
            )
        )
    rows += [
        row(
            "substation",
            "Nærmeste transformatorstasjon",
            "Nearest substation",
            lambda p: _substation(p["power"]),
        ),
        row("contact", "Kontakt (én dør inn)", "Contact (one door in)", _contact),
        row("response", "Første svar innen", "First response within", lambda p: _response(p, default_hours)),
    ]
    return rows


def compare_sites(
    session: Session, ids: Sequence[int], *, today: dt.date, default_response_hours: float
) -> Comparison:
    """The published sites among `ids` (at most MAX_COMPARED, duplicates once) side by side.

    `default_response_hours`: the registry's first-response time, shown where a kommune promises none.
    Raises TooManySitesError beyond MAX_COMPARED.
    """
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_COMPARED:
        raise TooManySitesError(len(wanted))
    sites, missing = [], []
    for site_id in wanted:
        found = read_site(session, ANONYMOUS, site_id, today=today)
        if found is None:
            missing.append(site_id)
        else:
            sites.append({"id": found.feature["id"], **found.feature["properties"]})
    return Comparison(sites=sites, rows=_rows(sites, default_hours=default_response_hours), not_found=missing)
