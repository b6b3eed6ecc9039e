"""Submission reports: files for the kommune (.html, .json, .csv) and the data the API returns.

The HTML report is for a planner, not a developer: plain headings (the issue's slug small beside them),
the sites as they will be stored, a small map of every row with the problem rows highlighted (inline SVG,
so the file works offline, by e-mail, anywhere), then the issues per row in Norwegian and English, with
numbers written each language's way. It names no command-line option: the CLI adds its own hints.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import shapely

from etl.issues import title
from etl.result import SubmissionResult
from etl.text import number, quantity
from schemas.taxonomy import AVAILABILITY, MATURITY, POWER, Taxonomy

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_LABEL = {"error": "Feil / Error", "warning": "Advarsel / Warning", "info": "Info"}


def outcome_text(result: SubmissionResult) -> tuple[str, str]:
    """One sentence on what happened, Norwegian and English."""
    if result.noop:
        return (
            "Filen var allerede lastet inn; ingenting endret.",
            "The file was already loaded; nothing changed.",
        )
    if result.rejected:
        return "Avvist: ingenting ble lastet inn.", "Rejected: nothing was loaded."
    if result.dry_run:
        return "Kontroll: ingenting ble lagret.", "Check only: nothing was saved."
    return (
        f"Lastet inn {result.rows_loaded} av {result.rows_read} rader.",
        f"Loaded {result.rows_loaded} of {result.rows_read} rows.",
    )


def as_dict(result: SubmissionResult) -> dict[str, Any]:
    no, en = outcome_text(result)
    return {
        "file": result.filename,
        "kommune_nr": result.kommune_nr,
        "file_hash": result.file_hash,
        "submission_id": result.submission_id,
        "public_id": result.public_id,
        "dry_run": result.dry_run,
        "noop": result.noop,
        "rejected": result.rejected,
        "exit_code": result.exit_code,
        "outcome_no": no,
        "outcome_en": en,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_to_load": result.rows_to_load,
        "rows_inserted": result.rows_inserted,
        "rows_updated": result.rows_updated,
        "rows_archived": result.rows_archived,
        "columns_used": result.columns_used,
        "sites_not_in_file": result.sites_not_in_file,
        "would_archive": result.would_archive,
        "counts": [
            {"severity": s, "issue_type": t, "count": n} for (s, t), n in sorted(result.counts().items())
        ],
        "issues": [i.as_dict() for i in sorted_issues(result)],
    }


def sorted_issues(result: SubmissionResult) -> list[Any]:
    return sorted(result.issues, key=lambda i: (i.row is not None, i.row or 0, SEVERITY_ORDER[i.severity]))


_FILL = {"error": "#d7301f", "warning": "#fdae61", None: "#74a9cf"}  # problem rows stand out


def _path(g: Any, x0: float, y0: float, scale: float, size: int) -> str:
    """SVG path data of a (multi)polygon in the map's pixel frame."""
    d = []
    for poly in getattr(g, "geoms", [g]):
        for ring in [poly.exterior, *poly.interiors]:
            pts = " ".join(f"{(x - x0) * scale:.1f},{size - (y - y0) * scale:.1f}" for x, y in ring.coords)
            d.append(f"M{pts}Z")
    return " ".join(d)


def _svg_map(result: SubmissionResult, *, size: int = 460) -> str | None:
    """A small map of every row with an outline; rows with errors or warnings highlighted and numbered."""
    if not result.row_geoms:
        return None
    worst: dict[int, str] = {}
    for i in result.issues:
        if i.row is not None and i.severity in ("error", "warning") and worst.get(i.row) != "error":
            worst[i.row] = i.severity
    # problem rows drawn last, so they lie on top
    items = sorted(result.row_geoms.items(), key=lambda kv: (kv[0] in worst, kv[0]))
    geoms = shapely.from_wkt([w for _, w in items])
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    span = max(x1 - x0, y1 - y0, 200.0)
    pad = span * 0.08
    x0, y0, span = x0 - pad, y0 - pad, span + 2 * pad
    scale = size / span
    geoms = shapely.simplify(geoms, 0.5 / scale)  # half a pixel: the map stays small however big the file
    parts = []
    for (row, _), g in zip(items, geoms, strict=True):
        severity = worst.get(row)
        label = f"rad/row {row}" + (f" ({SEVERITY_LABEL[severity]})" if severity else "")
        parts.append(
            f'<path d="{_path(g, x0, y0, scale, size)}" fill="{_FILL[severity]}" fill-opacity="0.6" '
            f'stroke="{_FILL[severity]}"><title>{label}</title></path>'
        )
        if severity:
            c = g.representative_point()
            parts.append(
                f'<text x="{(c.x - x0) * scale:.1f}" y="{size - (c.y - y0) * scale:.1f}" font-size="11">'
                f"{row}</text>"
            )
    km_no, km_en = (number(span / 1000.0, lang, 1) for lang in ("no", "en"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="Kart over radene; rader med problemer er uthevet / map of the rows; rows '
        f'with problems are highlighted"><rect width="100%" height="100%" fill="#f7f7f7" stroke="#ccc"/>'
        f'{"".join(parts)}<text x="6" y="{size - 6}" font-size="10">{km_no} × {km_no} km '
        f'<tspan fill="#555">/ {km_en} × {km_en} km</tspan>, EPSG:25833</text></svg>'
    )


def _summary(result: SubmissionResult, lang: str) -> str:
    """The counts of one submission in a sentence, numbers written the language's way."""
    n = {k: number(getattr(result, k), lang) for k in ("rows_read", "rows_loaded", "rows_inserted")}
    n |= {k: number(getattr(result, k), lang) for k in ("rows_updated", "rows_archived", "rows_to_load")}
    if result.dry_run:
        if lang == "no":
            return f"{n['rows_read']} rader lest; {n['rows_to_load']} ville blitt lastet inn."
        return f"{n['rows_read']} rows read; {n['rows_to_load']} would be loaded."
    if lang == "no":
        return (
            f"{n['rows_read']} rader lest, {n['rows_loaded']} lastet inn ({n['rows_inserted']} nye, "
            f"{n['rows_updated']} endret), {n['rows_archived']} arkivert."
        )
    return (
        f"{n['rows_read']} rows read, {n['rows_loaded']} loaded ({n['rows_inserted']} new, "
        f"{n['rows_updated']} changed), {n['rows_archived']} archived."
    )


def _coded(tax: Taxonomy, code: str | None) -> tuple[str, str]:
    """A code with its label, Norwegian and English ("M3 Regulert", "M3 Zoned for business")."""
    if code is None:
        return "", ""
    return f"{code} {tax.label(code, 'no')}".strip(), f"{code} {tax.label(code, 'en')}".strip()


def site_table(result: SubmissionResult) -> list[dict[str, Any]]:
    """The table of sites: display texts per row (a pair where Norwegian and English differ)."""
    out = []
    for site in result.sites:
        power_no, power_en = _coded(POWER, site.power_status)
        if site.power_mw_now is not None:
            power_no = f"{power_no}, {quantity(site.power_mw_now, 'MW', 'no')}".lstrip(", ")
            power_en = f"{power_en}, {quantity(site.power_mw_now, 'MW', 'en')}".lstrip(", ")
        maturity_no, maturity_en = _coded(MATURITY, site.maturity)
        out.append(
            {
                "row": site.row,
                "name": site.name or "",
                "reference": site.reference or "",
                "area_daa": "" if site.area_m2 is None else number(site.area_m2 / 1000.0, "no", 1),
                "maturity": (maturity_no, maturity_en),
                "power": (power_no, power_en),
                "availability": (
                    AVAILABILITY.label(site.availability, "no"),
                    AVAILABILITY.label(site.availability, "en"),
                ),
                "loaded": site.loaded,
            }
        )
    return out


def render_html(result: SubmissionResult) -> str:
    """The report as one stand-alone page: what happened, the sites, a map, then every issue by row."""
    # Imported here: only an HTML report needs Jinja2, and a plain `naering submit` writes none.
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("etl", "templates"), autoescape=select_autoescape(["html"]))
    by_row: dict[int | None, list[Any]] = {}
    for issue in sorted_issues(result):
        by_row.setdefault(issue.row, []).append(issue)
    no, en = outcome_text(result)
    return env.get_template("report.html").render(
        r=result,
        outcome_no=no,
        outcome_en=en,
        summary_no=_summary(result, "no"),
        summary_en=_summary(result, "en"),
        by_row=by_row,
        counts=sorted(result.counts().items(), key=lambda kv: (SEVERITY_ORDER[kv[0][0]], kv[0][1])),
        labels=SEVERITY_LABEL,
        title=title,
        sites=site_table(result),
        rows_read_no=number(result.rows_read, "no"),
        svg=_svg_map(result),
        mapped=len(result.row_geoms),
        now=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def write_report(result: SubmissionResult, path: Path) -> None:
    """Write the report in the format the suffix names (.html, .json or .csv)."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(
            json.dumps(as_dict(result), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(
                [
                    "row",
                    "field",
                    "severity",
                    "issue_type",
                    "value",
                    "message_no",
                    "message_en",
                    "fix_no",
                    "fix_en",
                ]
            )
            for i in sorted_issues(result):
                writer.writerow(
                    [
                        i.row,
                        i.field,
                        i.severity,
                        i.issue_type,
                        i.value,
                        i.message_no,
                        i.message_en,
                        i.fix_no,
                        i.fix_en,
                    ]
                )
    elif suffix in {".html", ".htm"}:
        path.write_text(render_html(result), encoding="utf-8")
    else:
        raise ValueError(f"report format {suffix!r} not supported: use .html, .json or .csv")
