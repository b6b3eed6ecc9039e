"""The submission pipeline as a visible list of small phases.

    read → normalise columns → parse values → geometry → validate → enrich → load

Each phase lives in its own module; this one only wires them. Bad data becomes issues (etl.issues);
a file that cannot be used at all raises SubmissionRejected inside `read` or `geometry`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from etl import readers
from etl.columns import load_mapping, normalise_columns
from etl.enrich import enrich
from etl.geometry import process_geometries
from etl.issues import Issue, SubmissionRejected, make_issue
from etl.load import LoadPlan, load, previous_identical
from etl.lookup import KommuneIndex
from etl.validate import (
    check_area,
    check_duplicate_geometries,
    check_kommune,
    check_within_kommune,
    validate_frame,
)
from etl.values import parse_values
from registry.actor import ACTOR_SETTING

PHASES = ("read", "normalise columns", "parse values", "geometry", "validate", "enrich", "load")

EXIT_CLEAN = 0
EXIT_WARNINGS = 3  # loaded, with warnings or with rows refused
EXIT_REJECTED = 4  # nothing loaded


@dataclass
class SubmitOptions:
    kommune_nr: str
    dry_run: bool = False
    replace: bool = False
    strict: bool = False
    draft: bool = False
    is_demo: bool = False
    actor: str | None = None
    layer: str | None = None
    mapping: dict[str, str] | None = None
    mapping_file: Path | None = None
    limits: readers.ReadLimits = field(default_factory=readers.ReadLimits)
    today: dt.date | None = None
    filename: str | None = None  # the name the kommune gave the file (uploads are stored under temp names)


@dataclass
class SubmissionResult:
    filename: str
    kommune_nr: str
    file_hash: str
    dry_run: bool
    rows_read: int = 0
    rows_loaded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_archived: int = 0
    submission_id: int | None = None
    noop: bool = False
    rejected: bool = False
    issues: list[Issue] = field(default_factory=list)
    columns_used: dict[str, str] = field(default_factory=dict)
    # For the report map: row number → WKT (EPSG:25833) of rows with problems.
    problem_geoms: dict[int, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.rejected:
            return EXIT_REJECTED
        if any(i.severity in {"error", "warning"} for i in self.issues):
            return EXIT_WARNINGS
        return EXIT_CLEAN

    def counts(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for i in self.issues:
            out[(i.severity, i.issue_type)] = out.get((i.severity, i.issue_type), 0) + 1
        return out


Progress = Callable[[str], None]


def _stored_mapping(engine: Engine, kommune_nr: str) -> dict[str, str] | None:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT mapping FROM kommune_mapping WHERE kommune_nr = :k"), {"k": kommune_nr}
        ).first()
    return dict(row[0]) if row else None


def _store_mapping(conn: Any, kommune_nr: str, mapping: dict[str, str]) -> None:
    conn.execute(
        text("""
        INSERT INTO kommune_mapping (kommune_nr, mapping) VALUES (:k, CAST(:m AS jsonb))
        ON CONFLICT (kommune_nr) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = now()
    """),
        {"k": kommune_nr, "m": pd.Series(mapping).to_json()},
    )


def run_submission(
    engine: Engine, path: Path, options: SubmitOptions, *, progress: Progress | None = None
) -> SubmissionResult:
    """Check (dry run) or load one kommune file; never raises for bad data, returns the issues."""
    say = progress or (lambda _msg: None)
    name = options.filename or path.name
    result = SubmissionResult(
        filename=name, kommune_nr=options.kommune_nr, file_hash="", dry_run=options.dry_run
    )
    try:
        _run(engine, path, options, result, say)
    except SubmissionRejected as exc:
        for issue in exc.issues:
            issue.file = issue.file or name
        result.issues = result.issues + exc.issues
        result.rejected = True
    return result


def _run(engine: Engine, path: Path, options: SubmitOptions, result: SubmissionResult, say: Progress) -> None:
    name = result.filename
    with engine.connect() as conn:
        index = KommuneIndex.load(conn)
    if options.kommune_nr not in index.names:
        new, _ = index.resolve(options.kommune_nr)
        if new is None:
            raise SubmissionRejected(
                [make_issue("kommune-unknown", field="--kommune", value=options.kommune_nr)]
            )
        result.issues.append(
            make_issue(
                "kommune-old-number", field="--kommune", value=options.kommune_nr, detail=index.describe(new)
            )
        )
        options.kommune_nr = new
        result.kommune_nr = new

    say("read")
    read = readers.read_submission(path, layer=options.layer, limits=options.limits)
    result.file_hash = read.file_hash
    if not options.dry_run:
        # The same file again: say so before any work (load() checks once more under the kommune's lock).
        with engine.connect() as conn:
            previous = previous_identical(conn, options.kommune_nr, read.file_hash)
        if previous is not None:
            result.noop, result.submission_id = True, previous
            result.issues.append(make_issue("resubmission-noop", detail=str(previous), file=name))
            return
    result.issues += read.issues
    frame = read.frame
    result.rows_read = len(frame)
    rows = frame["source_row"].to_numpy() if "source_row" in frame else np.arange(1, len(frame) + 1)

    say("normalise columns")
    mapping = options.mapping
    if options.mapping_file is not None:
        mapping = load_mapping(options.mapping_file)
    if mapping is None:
        mapping = _stored_mapping(engine, options.kommune_nr)
    coordinate_columns = set((read.coordinate_columns or {}).values())
    frame, used, col_issues = normalise_columns(frame, mapping=mapping, keep=coordinate_columns)
    result.columns_used = used
    result.issues += col_issues

    say("parse values")
    values, value_issues = parse_values(frame)
    issues = value_issues

    say("geometry")
    geo = process_geometries(
        frame["geometry"] if "geometry" in frame else pd.Series([None] * len(frame), dtype=object),
        declared=read.crs,
        rows=rows,
        area_m2=values.get("area_m2"),
        file=name,
    )
    issues += geo.issues

    say("validate")
    issues += validate_frame(values, rows, today=options.today)
    with engine.connect() as conn:
        kommune_col, k_issues = check_kommune(values, rows, kommune_nr=options.kommune_nr, index=index)
        issues += k_issues
        values["kommune_nr"] = kommune_col
        issues += check_area(values, rows, geo.geoms, geo.is_point_site)
        outlines = {nr: g for nr in set(kommune_col.dropna()) if (g := index.geometry(conn, nr)) is not None}
        issues += check_within_kommune(geo.geoms, rows, kommune_col, outlines)
    issues += check_duplicate_geometries(geo.geoms, rows)

    error_rows = {i.row for i in issues if i.severity == "error" and i.row is not None}
    keep = np.array([int(r) not in error_rows for r in rows]) & np.array([g is not None for g in geo.geoms])
    staged = values.loc[keep].copy()
    staged["area_m2_submitted"] = staged.get("area_m2")
    staged["source_row"] = rows[keep]
    geoms = geo.geoms[keep]

    say("enrich")
    with engine.begin() as conn:
        if options.actor:
            conn.execute(text("SELECT set_config(:k, :v, true)"), {"k": ACTOR_SETTING, "v": options.actor})
        staged = staged.assign(**enrich(conn, geoms).columns())

        say("load")
        plan = LoadPlan(
            kommune_nr=options.kommune_nr,
            file_hash=read.file_hash,
            filename=name,
            status="draft" if options.draft else "published",
            replace=options.replace,
            dry_run=options.dry_run,
            strict=options.strict,
            is_demo=options.is_demo,
            actor=options.actor,
            options={
                "replace": options.replace,
                "strict": options.strict,
                "draft": options.draft,
                "layer": read.layer,
                "columns": used,
            },
        )
        # Everything found so far (reading, columns, values, geometry, rules) goes into the stored log.
        outcome = load(
            conn,
            plan,
            staged=staged,
            geoms=geoms,
            rows_read=len(frame),
            issues=result.issues + issues,
        )
        if mapping and not options.dry_run and not outcome.rejected and options.mapping_file is not None:
            _store_mapping(conn, options.kommune_nr, mapping)
        if options.dry_run:
            conn.rollback()
    result.issues = result.issues + outcome.issues if outcome.noop else outcome.issues
    result.submission_id = outcome.submission_id
    result.noop = outcome.noop
    result.rejected = outcome.rejected
    result.rows_loaded = outcome.rows_loaded
    result.rows_inserted = outcome.rows_inserted
    result.rows_updated = outcome.rows_updated
    result.rows_archived = outcome.rows_archived
    problem_rows = {i.row for i in result.issues if i.row is not None and i.severity in {"error", "warning"}}
    for pos, r in enumerate(rows):
        if int(r) in problem_rows and geo.geoms[pos] is not None:
            result.problem_geoms[int(r)] = geo.geoms[pos].wkt
