"""Phase 7: load — stage the rows, check them against existing sites, then upsert in one transaction.

Rows are COPYed into a temporary staging table; duplicate checks run there in SQL against the GiST
indexes; sites are updated (same kommune and reference), inserted, or archived (`--replace`), never
deleted. A per-kommune advisory lock serialises concurrent submissions for the same kommune.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, text

from etl.enrich import METHOD, Enrichment
from etl.issues import Issue, make_issue

LOCK_NAMESPACE = 8121  # first key of pg_advisory_xact_lock(int, int): "submissions"
DUPLICATE_OVERLAP = 0.8

# Site columns filled from a submission, in COPY order (geometry and bookkeeping are added).
SITE_FIELDS: tuple[str, ...] = (
    "kommune_nr",
    "name",
    "reference",
    "area_m2_submitted",
    "uses",
    "use_text",
    "ownership_text",
    "price_nok_per_m2",
    "price_terms",
    "plan_id",
    "plan_status",
    "description_no",
    "description_en",
    "links",
    "maturity",
    "maturity_verified_at",
    "maturity_verified_by",
    "power_status",
    "power_mw_now",
    "power_mw_future",
    "power_future_year",
    "power_reserved_until",
    "grid_company",
    "power_verified_at",
    "power_verified_by",
    "availability",
    "availability_verified_at",
    "availability_verified_by",
    "land_control",
    "land_control_verified_at",
    "land_control_verified_by",
    "evidence",
    "evidence_url",
    "nearest_substation_id",
    "substation_distance_km",
)
DEFAULTS: dict[str, Any] = {
    "power_status": "E0",
    "availability": "not_on_market",
    "evidence": "self_reported",
    "uses": [],
    "links": [],
}
STAGING_COLUMNS = (*SITE_FIELDS, "source_row", "geom_25833")


@dataclass
class LoadPlan:
    kommune_nr: str
    file_hash: str
    filename: str
    status: str  # 'published' or 'draft' for the sites
    replace: bool
    dry_run: bool
    strict: bool
    is_demo: bool
    actor: str | None
    options: dict[str, Any]


@dataclass
class LoadOutcome:
    submission_id: int | None
    noop: bool
    rejected: bool
    rows_loaded: int
    rows_inserted: int
    rows_updated: int
    rows_archived: int
    issues: list[Issue]


def lock_kommune(conn: Connection, kommune_nr: str) -> None:
    """Serialise submissions for one kommune until the transaction ends."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:k))"), {"ns": LOCK_NAMESPACE, "k": kommune_nr}
    )


def previous_identical(conn: Connection, kommune_nr: str, file_hash: str) -> int | None:
    """The id of the kommune's latest loaded submission when it had this very file; else None."""
    row = conn.execute(
        text(
            "SELECT id, file_hash FROM submission WHERE kommune_nr = :k AND status = 'loaded' "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"k": kommune_nr},
    ).first()
    return int(row[0]) if row and row[1] == file_hash else None


def _stage(conn: Connection, records: Sequence[dict[str, Any]], geoms: np.ndarray) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE staging ON COMMIT DROP AS SELECT "
            + ", ".join(f"{c}" for c in SITE_FIELDS)
            + ", 0::int AS source_row, geom_25833 FROM site WITH NO DATA"
        )
    )
    hexes = shapely.to_wkb(shapely.set_srid(geoms, 25833), hex=True, include_srid=True) if len(geoms) else []
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
        for rec, wkb in zip(records, hexes, strict=True):
            copy.write_row([rec.get(c, DEFAULTS.get(c)) for c in STAGING_COLUMNS[:-1]] + [wkb])
    conn.execute(text("CREATE INDEX ON staging USING gist (geom_25833)"))
    conn.execute(text("CREATE INDEX ON staging (reference)"))
    conn.execute(text("ANALYZE staging"))


def _duplicate_issues(conn: Connection, plan: LoadPlan) -> list[Issue]:
    issues: list[Issue] = []
    in_file = conn.execute(
        text("""
        SELECT b.source_row, a.source_row,
               ST_Area(ST_Intersection(a.geom_25833, b.geom_25833))
               / LEAST(ST_Area(a.geom_25833), ST_Area(b.geom_25833)) AS share
        FROM staging a JOIN staging b
          ON a.source_row < b.source_row AND a.geom_25833 && b.geom_25833
         AND ST_Intersects(a.geom_25833, b.geom_25833)
    """)
    ).all()
    for row, other, share in in_file:
        if share >= DUPLICATE_OVERLAP:
            issues.append(
                make_issue(
                    "duplicate-geometry", row=row, field="geometry", detail=f"{share:.0%} (rad/row {other})"
                )
            )
    existing = conn.execute(
        text("""
        WITH near AS (
          SELECT n.nr FROM kommune k JOIN kommune n ON ST_Intersects(k.geom_25833, n.geom_25833)
          WHERE k.nr = :k
        )
        SELECT s.source_row, t.id, t.name, t.kommune_nr,
               ST_Area(ST_Intersection(s.geom_25833, t.geom_25833))
               / LEAST(ST_Area(s.geom_25833), t.area_m2) AS share
        FROM staging s JOIN site t
          ON t.geom_25833 && s.geom_25833 AND ST_Intersects(t.geom_25833, s.geom_25833)
        WHERE t.status <> 'archived' AND t.kommune_nr IN (SELECT nr FROM near)
          AND NOT (t.kommune_nr = s.kommune_nr AND t.reference IS NOT DISTINCT FROM s.reference)
          AND NOT (:replace AND t.kommune_nr = :k)
    """),
        {"k": plan.kommune_nr, "replace": plan.replace},
    ).all()
    for row, site_id, name, knr, share in existing:
        if share >= DUPLICATE_OVERLAP:
            issues.append(
                make_issue(
                    "duplicate-site",
                    row=row,
                    field="geometry",
                    detail=f"{share:.0%} (#{site_id} {name}, {knr})",
                )
            )
    return issues


_CHANGED = (
    " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in (*SITE_FIELDS, "geom_25833"))
    + " OR t.status IS DISTINCT FROM :status"
)


def _upsert(conn: Connection, plan: LoadPlan, submission_id: int) -> tuple[int, int, int]:
    params = {
        "status": plan.status,
        "sub": submission_id,
        "hash": plan.file_hash,
        "demo": plan.is_demo,
        "k": plan.kommune_nr,
    }
    sets = ", ".join(f"{c} = s.{c}" for c in (*SITE_FIELDS, "geom_25833"))
    updated = conn.execute(
        text(f"""
        UPDATE site t SET {sets}, status = :status, submission_id = :sub, source_row = s.source_row,
               file_hash = :hash, is_demo = :demo, updated_at = now()
        FROM staging s
        WHERE t.kommune_nr = s.kommune_nr AND t.reference = s.reference AND t.status <> 'archived'
          AND ({_CHANGED})
    """),
        params,
    ).rowcount
    cols = ", ".join((*SITE_FIELDS, "geom_25833"))
    inserted = conn.execute(
        text(f"""
        INSERT INTO site ({cols}, status, submission_id, source_row, file_hash, is_demo)
        SELECT {", ".join(f"s.{c}" for c in (*SITE_FIELDS, "geom_25833"))},
               :status, :sub, s.source_row, :hash, :demo
        FROM staging s
        WHERE s.reference IS NULL OR NOT EXISTS (
          SELECT 1 FROM site t WHERE t.kommune_nr = s.kommune_nr AND t.reference = s.reference
            AND t.status <> 'archived')
    """),
        params,
    ).rowcount
    archived = 0
    if plan.replace:
        archived = conn.execute(
            text("""
            UPDATE site t SET status = 'archived', updated_at = now()
            WHERE t.kommune_nr = :k AND t.status <> 'archived'
              AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.reference = t.reference)
        """),
            {"k": plan.kommune_nr},
        ).rowcount
    return inserted, updated, archived


def _write_logistics(
    conn: Connection, records: Sequence[dict[str, Any]], enrichment: Enrichment, kommune_nr: str
) -> None:
    """Replace the logistics distances of the sites just loaded."""
    ids = {
        r[0]: r[1]
        for r in conn.execute(
            text(
                "SELECT reference, id FROM site WHERE kommune_nr = :k AND status <> 'archived' "
                "AND reference IS NOT NULL"
            ),
            {"k": kommune_nr},
        )
    }
    conn.execute(
        text("""
        DELETE FROM site_logistics WHERE site_id IN
          (SELECT t.id FROM site t JOIN staging s ON s.reference = t.reference
           WHERE t.kommune_nr = :k AND t.status <> 'archived')
    """),
        {"k": kommune_nr},
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY site_logistics (site_id, kind, node_id, distance_km, precision_km, method) FROM STDIN"
        ) as copy,
    ):
        for i, rec in enumerate(records):
            site_id = ids.get(rec.get("reference"))
            if site_id is None:
                continue
            for kind, (node_ids, km, precision) in enrichment.logistics.items():
                if node_ids[i] < 0:
                    continue
                copy.write_row(
                    [site_id, kind, int(node_ids[i]), round(float(km[i]), 3), float(precision[i]), METHOD]
                )


def _write_submission(
    conn: Connection, plan: LoadPlan, *, status: str, rows_read: int, issues: list[Issue]
) -> int:
    n_err = sum(1 for i in issues if i.severity == "error")
    n_warn = sum(1 for i in issues if i.severity == "warning")
    sid = conn.execute(
        text("""
        INSERT INTO submission (kommune_nr, filename, file_hash, status, submitted_by, rows_read,
                                n_errors, n_warnings, options, is_demo)
        VALUES (:k, :f, :h, :st, :by, :n, :e, :w, CAST(:opt AS jsonb), :demo) RETURNING id
    """),
        {
            "k": plan.kommune_nr,
            "f": plan.filename,
            "h": plan.file_hash,
            "st": status,
            "by": plan.actor,
            "n": rows_read,
            "e": n_err,
            "w": n_warn,
            "opt": json.dumps(plan.options),
            "demo": plan.is_demo,
        },
    ).scalar_one()
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY submission_issue (submission_id, row_number, field, issue_type, severity, value, "
            "message_no, "
            "message_en, fix_no, fix_en) FROM STDIN"
        ) as copy,
    ):
        for i in issues:
            copy.write_row(
                [
                    sid,
                    i.row,
                    i.field,
                    i.issue_type,
                    i.severity,
                    i.value,
                    i.message_no,
                    i.message_en,
                    i.fix_no or None,
                    i.fix_en or None,
                ]
            )
    return int(sid)


def finish_submission(conn: Connection, submission_id: int, *, loaded: int, archived: int) -> None:
    conn.execute(
        text("UPDATE submission SET rows_loaded = :l, rows_archived = :a WHERE id = :id"),
        {"l": loaded, "a": archived, "id": submission_id},
    )


def load(
    conn: Connection,
    plan: LoadPlan,
    *,
    records: list[dict[str, Any]],
    geoms: np.ndarray,
    enrichment: Enrichment,
    rows_read: int,
    issues: list[Issue],
) -> LoadOutcome:
    """Stage, check for duplicates and write, inside the caller's transaction (which owns commit)."""
    lock_kommune(conn, plan.kommune_nr)
    if not plan.dry_run:
        prev = previous_identical(conn, plan.kommune_nr, plan.file_hash)
        if prev is not None:
            note = make_issue("resubmission-noop", detail=str(prev), file=plan.filename)
            return LoadOutcome(prev, True, False, 0, 0, 0, 0, [note])
    _stage(conn, records, geoms)
    issues = issues + _duplicate_issues(conn, plan)
    has_error = any(i.severity == "error" for i in issues)
    rejected = not records or (plan.strict and has_error)
    if plan.dry_run:
        return LoadOutcome(None, False, rejected, 0, 0, 0, 0, issues)
    if rejected:
        sid = _write_submission(conn, plan, status="rejected", rows_read=rows_read, issues=issues)
        return LoadOutcome(sid, False, True, 0, 0, 0, 0, issues)
    sid = _write_submission(conn, plan, status="loaded", rows_read=rows_read, issues=issues)
    inserted, updated, archived = _upsert(conn, plan, sid)
    _write_logistics(conn, records, enrichment, plan.kommune_nr)
    finish_submission(conn, sid, loaded=len(records), archived=archived)
    return LoadOutcome(sid, False, False, len(records), inserted, updated, archived, issues)
