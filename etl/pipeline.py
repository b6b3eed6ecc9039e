"""The submission pipeline: an executed list of small, pure phases over one typed batch.

    read → normalise columns → parse values → geometry → validate

Files in, typed rows and issues out; no database. The submission service
(`registry.services.submissions`) fills the batch's kommune index from the reference tables, runs the
phases, then enriches and loads the accepted rows. Bad data becomes issues (etl.issues); a file that
cannot be used at all raises SubmissionRejected inside `read` or `geometry`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl import readers
from etl.columns import normalise_columns
from etl.geometry import GeometryResult, process_geometries
from etl.issues import Issue
from etl.lookup import KommuneIndex
from etl.result import SiteRow
from etl.validate import (
    check_area,
    check_duplicate_geometries,
    check_kommune,
    check_template_example,
    check_within_kommune,
    derive_references,
    validate_frame,
)
from etl.values import parse_values


@dataclass
class Batch:
    """One file on its way through the phases; each phase fills its part and appends its issues."""

    path: Path
    filename: str
    kommune_nr: str  # the 2024 number the file is submitted for
    kommuner: KommuneIndex
    layer: str | None = None
    mapping: dict[str, str] | None = None
    limits: readers.ReadLimits = field(default_factory=readers.ReadLimits)
    today: dt.date | None = None
    # filled by the phases
    read: readers.ReadResult | None = None
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))  # the file's row numbers
    columns_used: dict[str, str] = field(default_factory=dict)
    values: pd.DataFrame = field(default_factory=pd.DataFrame)
    geometry: GeometryResult | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def file_hash(self) -> str:
        return self.read.file_hash if self.read else ""


def read(batch: Batch) -> None:
    """Read the file into one table (any supported format), within the safety limits."""
    result = readers.read_submission(batch.path, layer=batch.layer, limits=batch.limits)
    batch.read = result
    batch.frame = result.frame
    n = len(result.frame)
    batch.rows = (
        result.frame["source_row"].to_numpy() if "source_row" in result.frame else np.arange(1, n + 1)
    )
    batch.issues += result.issues


def normalise(batch: Batch) -> None:
    """Rename recognised columns to the catalogue's names (or by the mapping)."""
    assert batch.read is not None
    keep = set((batch.read.coordinate_columns or {}).values())
    if batch.read.crs_column is not None:
        keep.add(batch.read.crs_column)  # read by the reader already; not an unknown column
    known = batch.kommuner.names.keys() | batch.kommuner.old_to_new.keys()
    batch.frame, batch.columns_used, issues = normalise_columns(
        batch.frame, mapping=batch.mapping, keep=keep, kommune_numbers=known
    )
    batch.issues += issues


def parse(batch: Batch) -> None:
    """Parse every value into its type and unit; out-of-range numbers are reported and cleared."""
    batch.values, issues = parse_values(batch.frame)
    batch.issues += issues


def geometry(batch: Batch) -> None:
    """Detect the CRS and swapped axes, reproject to EPSG:25833, repair, turn points into sites."""
    assert batch.read is not None
    frame = batch.frame
    column = frame["geometry"] if "geometry" in frame else pd.Series([None] * len(frame), dtype=object)
    batch.geometry = process_geometries(
        column,
        declared=batch.read.crs,
        rows=batch.rows,
        area_m2=batch.values.get("area_m2"),
        file=batch.filename,
    )
    batch.issues += batch.geometry.issues


def validate(batch: Batch) -> None:
    """The rules: required values, dates, contradictions, kommune, area, outline, duplicates in the file."""
    assert batch.geometry is not None
    values, rows, geoms = batch.values, batch.rows, batch.geometry.geoms
    examples = check_template_example(values, rows)
    kommune_col, kommune_issues = check_kommune(
        values, rows, kommune_nr=batch.kommune_nr, index=batch.kommuner
    )
    issues = derive_references(values, rows, kommune_col, geoms, kommune_nr=batch.kommune_nr)
    issues += validate_frame(values, rows, today=batch.today)
    issues += kommune_issues
    values["kommune_nr"] = kommune_col
    issues += check_area(values, rows, geoms, batch.geometry.is_point_site)
    issues += check_within_kommune(geoms, rows, kommune_col, batch.kommuner.outlines)
    issues += check_duplicate_geometries(geoms, rows)
    # The example row is refused for being the example; what else it would say is noise.
    example_rows = {i.row for i in examples}
    batch.issues = [i for i in batch.issues + issues if i.row not in example_rows] + examples


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[Batch], None]


PHASES: tuple[Phase, ...] = (
    Phase("read", read),
    Phase("normalise columns", normalise),
    Phase("parse values", parse),
    Phase("geometry", geometry),
    Phase("validate", validate),
)


def run(
    batch: Batch, *, phases: Sequence[Phase] = PHASES, progress: Callable[[str], None] | None = None
) -> Batch:
    """Run `phases` over `batch` in order."""
    for phase in phases:
        if progress:
            progress(phase.name)
        phase.run(batch)
    return batch


def accepted(batch: Batch) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows to load (no error, a usable geometry) with their row numbers, and their geometries.

    An error about the whole file (a required field with no column) leaves no row to load.
    """
    assert batch.geometry is not None
    geoms = batch.geometry.geoms
    errors = [i for i in batch.issues if i.severity == "error"]
    error_rows = {i.row for i in errors if i.row is not None}
    file_ok = not any(i.row is None for i in errors)
    keep = np.array([file_ok and int(r) not in error_rows for r in batch.rows], dtype=bool) & np.array(
        [g is not None for g in geoms], dtype=bool
    )
    staged = batch.values.loc[keep].copy()
    staged["area_m2_submitted"] = staged.get("area_m2")
    staged["source_row"] = batch.rows[keep]
    return staged, geoms[keep]


def refused_references(batch: Batch, staged: pd.DataFrame) -> list[str]:
    """References of the file's rows that are not loaded: their sites stay as they are, even on replace
    (a row refused for a typo must not archive the site it stands for)."""
    if "reference" not in batch.values:
        return []
    loaded = set(staged["reference"].dropna()) if "reference" in staged else set()
    return sorted({r for r in batch.values["reference"].dropna() if r not in loaded})


# The report is for reading, not for the whole file: it shows at most this many rows and outlines.
REPORT_ROWS = 500
REPORT_MAP_ROWS = 2000


def _report_order(batch: Batch, issues: Sequence[Issue]) -> list[int]:
    """Positions of the rows, those with errors first, then warnings, then the rest, each in file order."""
    rank = {"error": 0, "warning": 1}
    worst: dict[int, int] = {}
    for i in issues:
        if i.row is not None and i.severity in rank:
            worst[i.row] = min(worst.get(i.row, 2), rank[i.severity])
    return sorted(range(len(batch.rows)), key=lambda pos: (worst.get(int(batch.rows[pos]), 2), pos))


def row_geometries(batch: Batch, issues: Sequence[Issue], *, limit: int = REPORT_MAP_ROWS) -> dict[int, str]:
    """Row number → WKT (EPSG:25833) of the rows with an outline, problem rows first, at most `limit`."""
    if batch.geometry is None:
        return {}
    geoms = batch.geometry.geoms
    out: dict[int, str] = {}
    for pos in _report_order(batch, issues):
        if len(out) >= limit:
            break
        if geoms[pos] is not None:
            out[int(batch.rows[pos])] = geoms[pos].wkt
    return out


def site_rows(batch: Batch, *, file_refused: bool, limit: int = REPORT_ROWS) -> list[SiteRow]:
    """The file's rows as they will be stored, in file order (at most `limit`), and whether each loads."""
    if batch.geometry is None:
        return []
    staged, _ = accepted(batch)
    loading = set() if file_refused else {int(r) for r in staged["source_row"]}
    values, geoms = batch.values, batch.geometry.geoms

    def cell(name: str, pos: int) -> Any:
        value = values[name].iat[pos] if name in values else None
        return None if value is None or (isinstance(value, float) and np.isnan(value)) else value

    out = []
    for pos in range(min(len(batch.rows), limit)):
        area = geoms[pos].area if geoms[pos] is not None else cell("area_m2", pos)
        out.append(
            SiteRow(
                row=int(batch.rows[pos]),
                reference=cell("reference", pos),
                name=cell("name", pos),
                area_m2=None if area is None else float(area),
                maturity=cell("maturity", pos),
                power_status=cell("power_status", pos),
                power_mw_now=cell("power_mw_now", pos),
                availability=cell("availability", pos),
                loaded=int(batch.rows[pos]) in loading,
            )
        )
    return out
