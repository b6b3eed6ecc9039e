"""Exports for the secretariat: an Excel workbook of sites plus a metadata sheet (sources, licences)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from registry.attribution import attribution_lines
from registry.services.sites import all_sites_rows

# (header no / en, how to get the value from a site's properties)
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("ID", lambda p: p["id"]),
    ("Kommunenr / Municipality no.", lambda p: p["kommune_nr"]),
    ("Kommune / Municipality", lambda p: p["kommune_name"]),
    ("Regionråd / Regional council", lambda p: p["regionraad"]),
    ("Navn / Name", lambda p: p["name"]),
    ("Referanse / Reference", lambda p: p["reference"]),
    ("Areal (daa) / Area (daa)", lambda p: p["area_daa"]),
    ("Areal (m²) / Area (m²)", lambda p: p["area_m2"]),
    ("Areal (ha) / Area (ha)", lambda p: p["area_ha"]),
    ("Oppgitt areal (m²) / Submitted area (m²)", lambda p: p["area_m2_submitted"]),
    ("Arealformål / Land use", lambda p: "; ".join(f"{u['code']} {u['label_no']}" for u in p["uses"])),
    ("Modenhet / Maturity", lambda p: _axis(p["maturity"])),
    ("Modenhet verifisert / Maturity verified", lambda p: p["maturity"]["verified_at"]),
    ("Strøm / Power", lambda p: _axis(p["power"])),
    ("MW nå / MW now", lambda p: p["power"]["mw_now"]),
    ("MW senere / MW later", lambda p: p["power"]["mw_future"]),
    ("År / Year", lambda p: p["power"]["future_year"]),
    ("≤ 5 MW", lambda p: p["power"]["le_5mw"]),
    ("Nettselskap / Grid company", lambda p: p["power"]["grid_company"]),
    (
        "Avstand transformatorstasjon (km) / Substation distance (km)",
        lambda p: p["power"]["substation_distance_km"],
    ),
    ("Strøm verifisert / Power verified", lambda p: p["power"]["verified_at"]),
    ("Tilgjengelighet / Availability", lambda p: _axis(p["availability"])),
    ("Arealkontroll / Land control", lambda p: _axis(p["land_control"])),
    ("Dokumentasjon / Evidence", lambda p: _axis(p["evidence"])),
    ("Pris NOK/m² / Price NOK/m²", lambda p: p["price_nok_per_m2"]),
    ("Motorvei km / Motorway km", lambda p: _km(p, "motorway_junction")),
    ("Godsterminal km / Rail terminal km", lambda p: _km(p, "rail_terminal")),
    ("Havn km / Port km", lambda p: _km(p, "port")),
    ("Lufthavn km / Airport km", lambda p: _km(p, "airport")),
    ("Utdaterte fakta / Stale facts", lambda p: "ja / yes" if p["stale"] else "nei / no"),
    ("Kontakt / Contact", lambda p: p["contact"]["email"]),
    ("Status", lambda p: p["status"]["label_no"]),
    ("DEMO", lambda p: "DEMO" if p["is_demo"] else ""),
)


def _axis(a: dict[str, Any]) -> str:
    return f"{a['code']} {a['label_no']}" if a.get("code") else ""


def _km(p: dict[str, Any], kind: str) -> str | None:
    for item in p["logistics"]:
        if item["kind"]["code"] == kind:
            return f"{item['distance_km']:.1f} ± {item['precision_km']:.1f} ({item['name']})"
    return None


def write_sites_xlsx(session: Session, out: Path, *, now: dt.datetime | None = None) -> int:
    """Write published sites and a metadata sheet to `out`; return the number of sites."""
    sites = all_sites_rows(session)
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
