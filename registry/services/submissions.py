"""Use case: a kommune's file of sites — check it, submit it (optionally replacing), read its report.

    resolve kommune → read → (same file again? stop) → normalise → parse → geometry → validate   [etl]
                                                                      ∥ enrich (second thread)  [here]
    → lock → stage (binary COPY) → overlaps → record the submission → write sites and distances

The pure phases run first with no transaction open; everything that writes happens in one transaction
that a failure or a kill rolls back whole. `check` runs the same path and rolls back at the end, so it
reports exactly what `submit` would (duplicates against live sites included) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from etl import pipeline, report
from etl.columns import load_mapping
from etl.issues import Issue, SubmissionRejected, make_issue
from etl.lookup import KommuneIndex
from etl.readers import ReadLimits
from etl.result import EXIT_CLEAN, EXIT_REJECTED, EXIT_WARNINGS, SubmissionResult
from etl.validate import check_duplicate_sites
from registry.db import set_actor
from registry.enrich import METHOD, nearest_to, reference_points
from registry.services.access import (
    NotVisibleError,
    Principal,
    require_editor_of,
    require_signed_in,
)
from registry.services.kommuner import kommune_index
from registry.store import reference as reference_store
from registry.store import site_load
from registry.store import submissions as store

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "EXIT_CLEAN",
    "EXIT_REJECTED",
    "EXIT_WARNINGS",
    "SubmissionResult",
    "SubmitOptions",
    "check_submission",
    "issues_in_order",
    "read_limits",
    "report_dict",
    "report_html",
    "run_submission",
    "stored_result",
    "template_bytes",
    "write_report",
]

Progress = Callable[[str], None]


def read_limits(*, max_bytes: int, max_features: int) -> ReadLimits:
    """Safety limits for reading an uploaded file (the other limits keep their defaults)."""
    return ReadLimits(max_bytes=max_bytes, max_features=max_features)


def report_dict(result: SubmissionResult) -> dict[str, Any]:
    """The submission's report as JSON-ready data."""
    return report.as_dict(result)


def report_html(result: SubmissionResult) -> str:
    """The submission's report as a stand-alone HTML page for the kommune officer."""
    return report.render_html(result)


def issues_in_order(result: SubmissionResult) -> list[Issue]:
    """The issues by row (file-level first), errors before warnings before notes."""
    return report.sorted_issues(result)


def write_report(result: SubmissionResult, path: Path) -> None:
    """Write the report as .html, .json or .csv (by the file's suffix)."""
    report.write_report(result, path)


def template_bytes(kind: str, *, lang: str = "no") -> bytes:
    """The submission template kommuner fill in: 'xlsx' (Excel with dropdowns and a guide) or 'gpkg'."""
    from etl import template  # imported here: openpyxl is start-up cost for every submit, which needs none

    return template.template_bytes(kind, lang=lang)


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
    limits: ReadLimits = field(default_factory=ReadLimits)
    today: dt.date | None = None
    filename: str | None = None  # the name the kommune gave the file (uploads are stored under temp names)
    user_id: int | None = None  # the signed-in uploader, when there is one
    # The kommuner whose draft sites the uploader may see (None: all, as the server's command line).
    visible_kommuner: frozenset[str] | None = None


def check_submission(engine: Engine, path: Path, options: SubmitOptions) -> SubmissionResult:
    """Check a file as `submit` would, writing nothing."""
    options.dry_run = True
    return run_submission(engine, path, options)


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
        _submit(engine, path, options, result, say)
    except SubmissionRejected as exc:
        for issue in exc.issues:
            issue.file = issue.file or name
        result.issues = result.issues + exc.issues
        result.rejected = True
    return result


def _kommune_index(conn: Connection, options: SubmitOptions, result: SubmissionResult) -> KommuneIndex:
    """The kommune look-ups, with the submitted kommune resolved to its 2024 number and its outline."""
    index = kommune_index(conn)
    new, was_old = index.resolve(options.kommune_nr)
    if new is None:
        raise SubmissionRejected(
            [make_issue("kommune-unknown", field="kommune_nr", value=options.kommune_nr)]
        )
    if was_old:
        result.issues.append(
            make_issue(
                "kommune-old-number", field="kommune_nr", value=options.kommune_nr, detail=index.describe(new)
            )
        )
    options.kommune_nr = result.kommune_nr = new
    outline = reference_store.kommune_outline(conn, new)
    if outline is not None:
        index.outlines[new] = outline
    return index


def _submit(
    engine: Engine, path: Path, options: SubmitOptions, result: SubmissionResult, say: Progress
) -> None:
    with engine.connect() as conn:
        index = _kommune_index(conn, options, result)
        mapping = load_mapping(options.mapping_file) if options.mapping_file else options.mapping
        if mapping is None:
            mapping = store.stored_mapping(conn, options.kommune_nr)
    batch = pipeline.Batch(
        path=path,
        filename=result.filename,
        kommune_nr=options.kommune_nr,
        kommuner=index,
        layer=options.layer,
        mapping=mapping,
        limits=options.limits,
        today=options.today,
    )
    # read and normalise: the bytes and the columns they give, enough to tell a load already done
    pipeline.run(batch, phases=pipeline.PHASES[:2], progress=say)
    result.file_hash = batch.file_hash
    if not options.dry_run:
        # The same request again: say so before any work (checked once more under the kommune's lock).
        with engine.connect() as conn:
            previous = _already_done(conn, options, batch)
            public_id = store.public_id(conn, previous) if previous is not None else None
        if previous is not None:
            result.noop, result.submission_id, result.public_id = True, previous, public_id
            result.issues.append(make_issue("resubmission-noop", detail=str(previous), file=result.filename))
            return
    pipeline.run(batch, phases=pipeline.PHASES[2:4], progress=say)  # parse, geometry
    # The enrichment needs only the outlines: it runs on a second thread while the rows are validated
    # (shapely's nearest-neighbour query releases the GIL), for every row with an outline; the rows
    # validation refuses are dropped from it after.
    with engine.connect() as conn:
        points = reference_points(conn)
    assert batch.geometry is not None
    with ThreadPoolExecutor(max_workers=1) as pool:
        enriching = pool.submit(nearest_to, points, batch.geometry.geoms)
        pipeline.run(batch, phases=pipeline.PHASES[4:], progress=say)  # validate
        say("enrich")
        enriched = enriching.result().columns()
    result.rows_read = len(batch.frame)
    result.columns_used = batch.columns_used
    issues = result.issues + batch.issues
    staged, geoms = pipeline.accepted(batch)
    kept = pipeline.refused_references(batch, staged)
    at = batch.values.index.get_indexer(staged.index)
    staged = staged.assign(**{name: values[at] for name, values in enriched.items()})

    with engine.begin() as conn:
        set_actor(conn, options.actor)
        say("load")
        site_load.lock_kommune(conn, options.kommune_nr)
        previous = None if options.dry_run else _already_done(conn, options, batch)
        if previous is not None:
            result.noop, result.submission_id = True, previous
            result.public_id = store.public_id(conn, previous)
            noop = make_issue("resubmission-noop", detail=str(previous), file=result.filename)
            result.issues = [*issues, noop]
            return
        site_load.stage(conn, staged, geoms)
        issues += check_duplicate_sites(
            site_load.overlaps(
                conn,
                kommune_nr=options.kommune_nr,
                replace=options.replace,
                visible=None if options.visible_kommuner is None else sorted(options.visible_kommuner),
            )
        )
        result.rejected = _refused(options, issues, rows_to_load=len(staged))
        result.rows_to_load = 0 if result.rejected else len(staged)
        if not result.rejected:
            issues += _left_out(conn, options, result, kept=kept)
        result.issues = issues
        _write(conn, options, result, batch, rows_to_load=len(staged), kept=kept)
        if options.mapping_file is not None and mapping and not result.rejected and not options.dry_run:
            store.store_mapping(conn, options.kommune_nr, mapping)
        if options.dry_run:
            conn.rollback()
    result.row_geoms = pipeline.row_geometries(batch, result.issues)
    result.sites = pipeline.site_rows(batch, file_refused=result.rejected)


def _already_done(conn: Connection, options: SubmitOptions, batch: pipeline.Batch) -> int | None:
    """The id of the kommune's last load when it had these very bytes and did all that is asked now.

    The same bytes alone are not enough: the same layer and columns must have been read, as a draft or
    not alike, and a replace asked now must have been done then (a load with replace covers one without,
    not the other way round).
    """
    previous = store.previous_identical(conn, options.kommune_nr, batch.file_hash)
    if previous is None:
        return None
    submission_id, done = previous
    same = (
        (bool(done.get("replace")) or not options.replace)
        and bool(done.get("draft")) == options.draft
        and done.get("layer") == (batch.read.layer if batch.read else None)
        and dict(done.get("columns") or {}) == batch.columns_used
    )
    return submission_id if same else None


def _refused(options: SubmitOptions, issues: list[Issue], *, rows_to_load: int) -> bool:
    """Whether the file is refused whole: no row to load, or an error under --strict."""
    return rows_to_load == 0 or (options.strict and any(i.severity == "error" for i in issues))


_LISTED_SITES = 20  # names shown in the archive preview; the count is always whole


def _left_out(
    conn: Connection, options: SubmitOptions, result: SubmissionResult, *, kept: list[str]
) -> list[Issue]:
    """Say what the file leaves out of the kommune's live sites: with replace, in a check, the sites the
    load would archive; without replace, how many published sites stay though the file lacks them."""
    if options.replace and not options.dry_run:
        return []  # archived by the load, and counted there
    missing = site_load.live_sites_not_staged(
        conn, kommune_nr=options.kommune_nr, published_only=not options.replace, kept=kept
    )
    if not missing:
        return []
    if not options.replace:
        result.sites_not_in_file = len(missing)
        return [make_issue("sites-not-in-file", detail=str(len(missing)), file=result.filename)]
    result.would_archive = [f"{ref} {name}".strip() for ref, name in missing]
    shown = ", ".join(result.would_archive[:_LISTED_SITES])
    more = len(missing) - _LISTED_SITES
    return [
        make_issue(
            "replace-would-archive",
            value=shown + (f" (+{more})" if more > 0 else ""),
            detail=str(len(missing)),
            file=result.filename,
        )
    ]


def _write(
    conn: Connection,
    options: SubmitOptions,
    result: SubmissionResult,
    batch: pipeline.Batch,
    *,
    rows_to_load: int,
    kept: list[str],
) -> None:
    """Record the submission (loaded or rejected) and, when loaded, write its sites; a replace leaves
    the sites of refused rows (`kept`) as they are."""
    if options.dry_run:
        return
    submission_id = store.insert_submission(
        conn,
        kommune_nr=options.kommune_nr,
        filename=result.filename,
        file_hash=batch.file_hash,
        status="rejected" if result.rejected else "loaded",
        submitted_by=options.actor,
        user_id=options.user_id,
        rows_read=result.rows_read,
        options={
            "replace": options.replace,
            "strict": options.strict,
            "draft": options.draft,
            "layer": batch.read.layer if batch.read else None,
            "columns": batch.columns_used,
        },
        is_demo=options.is_demo,
        issues=result.issues,
    )
    result.submission_id = submission_id
    result.public_id = store.public_id(conn, submission_id)
    if result.rejected:
        return
    written = site_load.write_sites(
        conn,
        kommune_nr=options.kommune_nr,
        submission_id=submission_id,
        file_hash=batch.file_hash,
        status="draft" if options.draft else "published",
        is_demo=options.is_demo,
        replace=options.replace,
        method=METHOD,
        kept=kept,
    )
    store.finish_submission(conn, submission_id, loaded=rows_to_load, archived=written.archived)
    result.rows_loaded = rows_to_load
    result.rows_inserted, result.rows_updated, result.rows_archived = (
        written.inserted,
        written.updated,
        written.archived,
    )


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def stored_result(session: Session, principal: Principal, public_id: str) -> SubmissionResult:
    """Rebuild the report of a stored submission (loaded or rejected) for someone who may see it.

    Submissions and their reports are private to their kommune and the secretariat: anyone else gets
    `NotVisibleError` (404), as for an id that does not exist.
    """
    require_signed_in(principal)
    found = store.get_submission(session, public_id.lower()) if _UUID.match(public_id.lower()) else None
    if found is None or not principal.may_see_private(found[0].kommune_nr):
        raise NotVisibleError(f"No submission {public_id} / Fant ikke innsending {public_id}")
    sub, issue_rows = found
    m = sub._mapping
    issues = [
        Issue(
            issue_type=r.issue_type,
            severity=r.severity,
            message_no=r.message_no,
            message_en=r.message_en,
            row=r.row_number,
            field=r.field,
            value=r.value,
            fix_no=r.fix_no or "",
            fix_en=r.fix_en or "",
            file=m["filename"],
        )
        for r in issue_rows
    ]
    return SubmissionResult(
        filename=m["filename"],
        kommune_nr=m["kommune_nr"],
        file_hash=m["file_hash"],
        dry_run=False,
        rows_read=m["rows_read"],
        rows_loaded=m["rows_loaded"],
        rows_archived=m["rows_archived"],
        submission_id=m["id"],
        public_id=str(m["public_id"]),
        rejected=m["status"] == "rejected",
        issues=issues,
        columns_used=dict((m["options"] or {}).get("columns", {})),
    )


def kommune_submissions(session: Session, principal: Principal, kommune_nr: str) -> list[dict[str, Any]]:
    """The kommune's submissions, newest first (its editors and the secretariat only)."""
    require_editor_of(principal, kommune_nr, hidden=True)
    return [
        {**dict(r), "public_id": str(r["public_id"])} for r in store.list_for_kommune(session, kommune_nr)
    ]


def upload(
    engine: Engine,
    principal: Principal,
    path: Path,
    *,
    kommune_nr: str,
    dry_run: bool,
    replace: bool = False,
    strict: bool = False,
    limits: ReadLimits | None = None,
    filename: str | None = None,
) -> SubmissionResult:
    """A signed-in editor checks or loads a file for a kommune they hold a grant for (403 otherwise)."""
    require_signed_in(principal)
    with engine.connect() as conn:
        current, _ = kommune_index(conn).resolve(kommune_nr)
    require_editor_of(principal, current or kommune_nr)
    options = SubmitOptions(
        kommune_nr=kommune_nr,
        dry_run=dry_run,
        replace=replace,
        strict=strict,
        actor=principal.actor,
        user_id=principal.user_id,
        visible_kommuner=principal.visible_kommuner(),
        limits=limits or ReadLimits(),
        filename=filename,
    )
    return run_submission(engine, path, options)
