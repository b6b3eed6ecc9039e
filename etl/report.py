"""Submission reports: files for the kommune (.html, .json, .csv) and the data the API returns.

The HTML report is for a kommune officer: issues per row in plain language (Norwegian and English) and a
small map of the rows with problems, drawn as inline SVG so the file works offline, by e-mail, anywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import shapely
from jinja2 import Environment, PackageLoader, select_autoescape

from etl.result import SubmissionResult

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
        "dry_run": result.dry_run,
        "noop": result.noop,
        "rejected": result.rejected,
        "exit_code": result.exit_code,
        "outcome_no": no,
        "outcome_en": en,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
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


def _svg_map(result: SubmissionResult, *, size: int = 420) -> str | None:
    if not result.problem_geoms:
        return None
    items = sorted(result.problem_geoms.items())
    geoms = shapely.from_wkt([w for _, w in items])
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    span = max(x1 - x0, y1 - y0, 200.0)
    pad = span * 0.08
    x0, y0, span = x0 - pad, y0 - pad, span + 2 * pad
    scale = size / span
    parts = []
    for (row, _), g in zip(items, geoms, strict=True):
        polys = getattr(g, "geoms", [g])
        d = ""
        for poly in polys:
            for ring in [poly.exterior, *poly.interiors]:
                pts = " ".join(
                    f"{(x - x0) * scale:.1f},{size - (y - y0) * scale:.1f}" for x, y in ring.coords
                )
                d += f"M{pts}Z "
        c = g.representative_point()
        parts.append(
            f'<path d="{d}" fill="#fdae61" fill-opacity="0.6" stroke="#d7301f">'
            f"<title>rad/row {row}</title></path>"
            f'<text x="{(c.x - x0) * scale:.1f}" y="{size - (c.y - y0) * scale:.1f}" '
            f'font-size="11">{row}</text>'
        )
    km = span / 1000.0
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="Kart over rader med problemer / map of rows with problems">'
        f'<rect width="100%" height="100%" fill="#f7f7f7" stroke="#ccc"/>{"".join(parts)}'
        f'<text x="6" y="{size - 6}" font-size="10">{km:.1f} km × {km:.1f} km, EPSG:25833</text></svg>'
    )


def render_html(result: SubmissionResult) -> str:
    env = Environment(loader=PackageLoader("etl", "templates"), autoescape=select_autoescape(["html"]))
    by_row: dict[int | None, list[Any]] = {}
    for issue in sorted_issues(result):
        by_row.setdefault(issue.row, []).append(issue)
    no, en = outcome_text(result)
    return env.get_template("report.html").render(
        r=result,
        outcome_no=no,
        outcome_en=en,
        by_row=by_row,
        counts=sorted(result.counts().items()),
        labels=SEVERITY_LABEL,
        svg=_svg_map(result),
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
