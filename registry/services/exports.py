"""Use case: exports for the secretariat — an Excel workbook of sites, a summary per kommune and a
metadata sheet (sources, licences, how long each fact stays current). Columns derive from the site record
(`schemas.site`).

Excel must be able to sort and filter: numbers are numbers, dates are dates, and a distance is a number
in km with its precision and the node it was measured to in columns of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from registry.attribution import attribution_lines
from registry.services.sites import all_sites
from schemas.site import AXES, AXES_BY_NAME, FIELDS_BY_COLUMN, VerificationState, state_of
from schemas.taxonomy import LOGISTICS_KIND, MATURITY, POWER, ROAD_ACCESS

Getter = Callable[[dict[str, Any]], Any]

DATE_FORMAT = "yyyy-mm-dd"
KM_FORMAT = "0.0"
DAA_FORMAT = "#,##0.0"
SHARE_FORMAT = "0%"
M2_PER_DAA = 1000.0

STATE_LABELS: dict[VerificationState, str] = {
    "current": "aktuell / current",
    "unverified": "uverifisert / unverified",
    "stale": "utdatert / stale",
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, how to read its value from a site, and Excel's number format."""

    header: str
    get: Getter
    number_format: str | None = None


def _header(no: str, en: str) -> str:
    return no if no == en else f"{no} / {en}"


def _date(value: Any) -> dt.date | None:
    """An ISO date from the API's properties as a real date (Excel sorts and filters it as one)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _record(column: str) -> Column:
    """An export column for a field of the site record: its labels, its value as the API serves it."""
    f = FIELDS_BY_COLUMN[column]

    def get(p: dict[str, Any]) -> Any:
        value = p[f.group][f.api_key] if f.group else p[f.api_key]
        if f.group in AXES_BY_NAME and f.api_key == "code":
            axis = p[f.group]
            return f"{axis['code']} {axis['label_no']}" if axis.get("code") else ""
        if isinstance(value, list) and f.taxonomy is not None:
            return "; ".join(f"{u['code']} {u['label_no']}" for u in value)
        if isinstance(value, dict):
            return value.get("label_no")
        if f.type in (dt.date, dt.datetime):
            return _date(value)
        return value

    fmt = DATE_FORMAT if f.type is dt.date else None
    return Column(_header(f.label_no, f.label_en), get, fmt)


def _logistics(p: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((item for item in p["logistics"] if item["kind"]["code"] == kind), None)


def _logistics_columns(kind: str) -> tuple[Column, ...]:
    """Distance (km), its precision (km) and the node for one logistics kind; the road for road access."""
    no, en = LOGISTICS_KIND.label(kind, "no"), LOGISTICS_KIND.label(kind, "en")

    def part(key: str) -> Getter:
        def get(p: dict[str, Any]) -> Any:
            item = _logistics(p, kind)
            return item[key] if item is not None else None

        return get

    columns = [
        Column(_header(f"{no} (km)", f"{en} (km)"), part("distance_km"), KM_FORMAT),
        Column(_header(f"{no} presisjon ± (km)", f"{en} precision ± (km)"), part("precision_km"), KM_FORMAT),
        Column(_header(f"{no}: node", f"{en}: node"), part("name")),
    ]
    if kind == ROAD_ACCESS:
        columns.append(Column(_header(f"{no}: veg", f"{en}: road"), part("road")))
    return tuple(columns)


def _axes_with(flag: str) -> Getter:
    """The titles of the site's facts that are `flag` ("stale" or "unverified"), joined."""

    def get(p: dict[str, Any]) -> str:
        axes = [a for a in AXES if a.counts_for_site and p[a.name][flag]]
        return "; ".join(_header(a.taxonomy.title_no, a.taxonomy.title_en) for a in axes)

    return get


def site_state_of(p: dict[str, Any]) -> VerificationState:
    """The site's verification state from its API properties (the one rule: `schemas.site.state_of`)."""
    return state_of(stale=p["stale"], unverified=p["unverified"])


def _contact_cell(contact: dict[str, Any]) -> str | None:
    """The kommune's first contact (e-mail, else phone); says so when the kommune gave none to reach."""
    if contact["email"] or contact["phone"]:
        return str(contact["email"] or contact["phone"])
    return None if contact["profile_complete"] else "Kontakt mangler / Contact missing"


# The workbook's columns, in order: fields of the site record, and a few derived for reading.
COLUMNS: tuple[Column, ...] = (
    _record("id"),
    _record("kommune_nr"),
    Column("Kommune / Municipality", lambda p: p["kommune_name"]),
    Column("Regionråd / Regional council", lambda p: p["regionraad"]),
    _record("name"),
    _record("reference"),
    Column("Areal (daa) / Area (daa)", lambda p: p["area_daa"], DAA_FORMAT),
    _record("area_m2"),
    Column("Areal (ha) / Area (ha)", lambda p: p["area_ha"]),
    Column("Oppgitt areal (m²) / Submitted area (m²)", lambda p: p["area_m2_submitted"]),
    _record("uses"),
    _record("maturity"),
    _record("maturity_verified_at"),
    _record("power_status"),
    _record("power_mw_now"),
    _record("power_mw_future"),
    _record("power_future_year"),
    _record("power_le_5mw"),
    _record("grid_company"),
    _record("substation_distance_km"),
    _record("power_verified_at"),
    _record("availability"),
    _record("availability_verified_at"),
    _record("land_control"),
    _record("land_control_verified_at"),
    _record("evidence"),
    _record("evidence_verified_at"),
    _record("price_nok_per_m2"),
    *(c for kind in LOGISTICS_KIND.codes for c in _logistics_columns(kind)),
    Column("Verifisering / Verification", lambda p: STATE_LABELS[site_state_of(p)]),
    Column("Utdaterte fakta / Stale facts", _axes_with("stale")),
    Column("Uverifiserte fakta / Unverified facts", _axes_with("unverified")),
    Column("Kontakt / Contact", lambda p: _contact_cell(p["contact"])),
    _record("status"),
    Column("DEMO", lambda p: "DEMO" if p["is_demo"] else ""),
)


def _write_table(ws: Worksheet, columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> None:
    """Write a header row and one row per item, with number formats, filters and frozen header."""
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for item in rows:
        ws.append([c.get(item) for c in columns])
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = min(max(12, len(column.header) // 2 + 4), 40)
        if column.number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = column.number_format
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


# --- the summary per kommune -----------------------------------------------------------------------------


def kommune_summary(sites: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per kommune: sites, demo sites, area (daa) in all, by maturity and by power, and verification."""
    out: dict[str, dict[str, Any]] = {}
    for p in sites:
        row = out.setdefault(
            p["kommune_nr"],
            {
                "kommune_nr": p["kommune_nr"],
                "kommune_name": p["kommune_name"],
                "sites": 0,
                "demo": 0,
                "area_daa": 0.0,
                **{f"maturity_{c}": 0.0 for c in MATURITY.codes},
                **{f"power_{c}": 0.0 for c in POWER.codes},
                **{state: 0 for state in STATE_LABELS},
            },
        )
        daa = float(p["area_m2"]) / M2_PER_DAA
        row["sites"] += 1
        row["demo"] += bool(p["is_demo"])
        row["area_daa"] += daa
        if p["maturity"]["code"] in MATURITY:
            row[f"maturity_{p['maturity']['code']}"] += daa
        if p["power"]["code"] in POWER:
            row[f"power_{p['power']['code']}"] += daa
        row[site_state_of(p)] += 1
    for row in out.values():
        row["share_current"] = row["current"] / row["sites"]
    return [out[k] for k in sorted(out)]


def _key(key: str) -> Getter:
    return lambda row: row[key]


SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("Kommunenummer / Municipality number", _key("kommune_nr")),
    Column("Kommune / Municipality", _key("kommune_name")),
    Column("Arealer / Sites", _key("sites")),
    Column("Herav demo / Of which demo", _key("demo")),
    Column("Areal (daa) / Area (daa)", _key("area_daa"), DAA_FORMAT),
    *(
        Column(
            f"{c} {MATURITY.label(c, 'no')} (daa) / {c} {MATURITY.label(c, 'en')} (daa)",
            _key(f"maturity_{c}"),
            DAA_FORMAT,
        )
        for c in MATURITY.codes
    ),
    *(
        Column(
            f"{c} {POWER.label(c, 'no')} (daa) / {c} {POWER.label(c, 'en')} (daa)",
            _key(f"power_{c}"),
            DAA_FORMAT,
        )
        for c in POWER.codes
    ),
    Column(
        "Andel med alle fakta verifisert innenfor hver akses maksalder / "
        "Share with every fact verified within its axis's maximum age",
        _key("share_current"),
        SHARE_FORMAT,
    ),
    Column("Aktuelle / Current", _key("current")),
    Column("Uverifiserte / Unverified", _key("unverified")),
    Column("Utdaterte / Stale", _key("stale")),
)


def _max_age_lines() -> list[list[Any]]:
    """Metadata rows: how long a verification lasts on each axis, and what the states mean."""
    rows: list[list[Any]] = [
        ["Verifisering / Verification"],
        [
            "aktuell / current",
            "verifisert innenfor aksens maksalder / verified within the axis's maximum age",
        ],
        ["utdatert / stale", "verifisert for lenge siden / verified longer ago than that"],
        ["uverifisert / unverified", "ingen verifiseringsdato / no verification date"],
    ]
    for axis in AXES:
        title = _header(axis.taxonomy.title_no, axis.taxonomy.title_en)
        rows.append([f"{title}: maks alder (dager) / maximum age (days)", axis.max_age_days])
    return rows


def write_sites_xlsx(session: Session, out: Path, *, now: dt.datetime | None = None) -> int:
    """Write published sites, a summary per kommune and a metadata sheet to `out`; return the site count."""
    sites = all_sites(session)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Næringsarealer"
    _write_table(ws, COLUMNS, sites)
    _write_table(wb.create_sheet("Per kommune"), SUMMARY_COLUMNS, kommune_summary(sites))

    meta = wb.create_sheet("Metadata")
    # Excel has no time zones: the time is written in UTC, and the cell's format says so.
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    meta.append(["Næringsarealregisteret — eksport / export"])
    meta["A1"].font = Font(bold=True)
    meta.append(["Eksportert / Exported", stamp])
    meta.cell(row=meta.max_row, column=2).number_format = 'yyyy-mm-dd hh:mm:ss "UTC"'
    meta.append(["Antall områder / Sites", len(sites)])
    meta.append(["Koordinatsystem / CRS", "EPSG:25833 (areal beregnet / area computed)"])
    meta.append(["Avstander / Distances", "km i rett linje (UTM 33) / km in a straight line (UTM 33)"])
    demo = sum(1 for p in sites if p["is_demo"])
    if demo:
        meta.append(["DEMO", f"{demo} områder er demodata, ikke ekte / {demo} sites are demo data, not real"])
    meta.append([])
    for row in _max_age_lines():
        meta.append(row)
    meta.append([])
    meta.append(["Kilder og lisenser / Sources and licences"])
    meta.cell(row=meta.max_row, column=1).font = Font(bold=True)
    for line in attribution_lines("no"):
        meta.append([line])
    for line in attribution_lines("en"):
        meta.append([line])
    meta.column_dimensions["A"].width = 60
    meta.column_dimensions["B"].width = 60
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(sites)
