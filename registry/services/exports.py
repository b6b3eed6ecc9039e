"""Use case: exports for the secretariat — an Excel workbook of sites plus a metadata sheet (sources,
licences). Columns derive from the site record (`schemas.site`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from registry.attribution import attribution_lines
from registry.services.sites import all_sites
from schemas.site import AXES_BY_NAME, FIELDS_BY_COLUMN
from schemas.taxonomy import LOGISTICS_KIND

Getter = Callable[[dict[str, Any]], Any]


def _header(no: str, en: str) -> str:
    return no if no == en else f"{no} / {en}"


def _record(column: str) -> tuple[str, Getter]:
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
        return value

    return _header(f.label_no, f.label_en), get


def _km(kind: str) -> tuple[str, Getter]:
    def get(p: dict[str, Any]) -> str | None:
        for item in p["logistics"]:
            if item["kind"]["code"] == kind:
                return f"{item['distance_km']:.1f} ± {item['precision_km']:.1f} ({item['name']})"
        return None

    return _header(f"{LOGISTICS_KIND.label(kind, 'no')} km", f"{LOGISTICS_KIND.label(kind, 'en')} km"), get


# The workbook's columns, in order: fields of the site record, and a few derived for reading.
COLUMNS: tuple[tuple[str, Getter], ...] = (
    _record("id"),
    _record("kommune_nr"),
    ("Kommune / Municipality", lambda p: p["kommune_name"]),
    ("Regionråd / Regional council", lambda p: p["regionraad"]),
    _record("name"),
    _record("reference"),
    ("Areal (daa) / Area (daa)", lambda p: p["area_daa"]),
    _record("area_m2"),
    ("Areal (ha) / Area (ha)", lambda p: p["area_ha"]),
    ("Oppgitt areal (m²) / Submitted area (m²)", lambda p: p["area_m2_submitted"]),
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
    _record("evidence"),
    _record("price_nok_per_m2"),
    *(_km(kind) for kind in LOGISTICS_KIND.codes),
    ("Utdaterte fakta / Stale facts", lambda p: "ja / yes" if p["stale"] else "nei / no"),
    ("Kontakt / Contact", lambda p: p["contact"]["email"]),
    _record("status"),
    ("DEMO", lambda p: "DEMO" if p["is_demo"] else ""),
)


def write_sites_xlsx(session: Session, out: Path, *, now: dt.datetime | None = None) -> int:
    """Write published sites and a metadata sheet to `out`; return the number of sites."""
    sites = all_sites(session)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Næringsarealer"
    ws.append([h for h, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for p in sites:
        ws.append([get(p) for _, get in COLUMNS])
    ws.freeze_panes = "A2"
    for i, (header, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(12, len(header) // 2 + 4), 40)
    if sites:
        ws.auto_filter.ref = ws.dimensions

    meta = wb.create_sheet("Metadata")
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    meta.append(["Næringsarealregisteret — eksport / export"])
    meta["A1"].font = Font(bold=True)
    meta.append(["Eksportert / Exported", stamp])
    meta.append(["Antall områder / Sites", len(sites)])
    meta.append(["Koordinatsystem / CRS", "EPSG:25833 (areal beregnet / area computed)"])
    demo = sum(1 for p in sites if p["is_demo"])
    if demo:
        meta.append(["DEMO", f"{demo} områder er demodata, ikke ekte / {demo} sites are demo data, not real"])
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
