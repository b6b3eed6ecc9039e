"""Phase 7: load — stage the rows, check them against existing sites, then upsert in one transaction.

Rows are COPYed into a temporary staging table; duplicate checks run there in SQL against the GiST
indexes; sites are updated (same kommune and reference), inserted, or archived (`--replace`), never
deleted. A per-kommune advisory lock serialises concurrent submissions for the same kommune.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from sqlalchemy import Connection, text

from etl.enrich import METHOD
from etl.issues import Issue, make_issue
from etl.validate import DUPLICATE_OVERLAP
from schemas.taxonomy import LOGISTICS_KIND

LOCK_NAMESPACE = 8121  # first key of pg_advisory_xact_lock(int, int): "submissions"

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
ARRAY_COLUMNS = ("uses", "links")
# Per logistics kind: nearest node id, distance and the node's precision, computed before staging.
LOGISTICS_COLUMNS = tuple(f"{k}_{part}" for k in LOGISTICS_KIND.codes for part in ("node", "km", "precision"))
STAGING_COLUMNS = (*SITE_FIELDS, "source_row", *LOGISTICS_COLUMNS, "geom_25833")


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


def _array_literal(value: Any) -> str | None:
    """A PostgreSQL text[] literal for COPY ... CSV ('{"1340","1350"}'); None for no value."""
    if value is None:
        return None
    items = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
    return "{" + ",".join(items) + "}"


def _array_literals(values: pd.Series) -> pd.Series:
    """Vectorised `_array_literal` for a column of string lists (per row only where quoting is needed)."""
    joined = values.str.join('","')
    out = ('{"' + joined + '"}').where(values.str.len() > 0, "{}")
    special = joined.str.contains(r'["\\]', regex=True).fillna(False).to_numpy(bool)
    if special.any():
        out[special] = [_array_literal(v) for v in values[special]]
    return out


def staging_frame(staged: pd.DataFrame, geoms: np.ndarray) -> pd.DataFrame:
    """The rows to COPY, in STAGING_COLUMNS order, with defaults, array literals and hex EWKB."""
    out = pd.DataFrame(index=staged.index)
    for col in STAGING_COLUMNS[:-1]:
        values = staged[col] if col in staged else pd.Series(None, index=staged.index, dtype=object)
        if col in DEFAULTS:
            values = values.where(values.notna(), None)
            values = values.map(lambda v, d=DEFAULTS[col]: d if v is None else v)
        if col in ARRAY_COLUMNS:
            values = _array_literals(values)
        out[col] = values
    out["geom_25833"] = (
        shapely.to_wkb(shapely.set_srid(geoms, 25833), hex=True, include_srid=True) if len(geoms) else []
    )
    return out


def _stage(conn: Connection, staged: pd.DataFrame, geoms: np.ndarray) -> None:
    """COPY the rows into a temporary staging table (CSV, one round trip) and index it."""
    conn.execute(
        text(
            "CREATE TEMP TABLE staging ON COMMIT DROP AS SELECT "
            + ", ".join(SITE_FIELDS)
            + ", 0::int AS source_row, geom_25833 FROM site WITH NO DATA"
        )
    )
    conn.execute(
        text(
            "ALTER TABLE staging "
            + ", ".join(
                f"ADD COLUMN {c} {'int' if c.endswith('_node') else 'float8'}" for c in LOGISTICS_COLUMNS
            )
        )
    )
    # Arrow's C++ CSV writer: nulls unquoted (NULL to COPY), strings quoted (an empty string stays one).
    table = pa.Table.from_pandas(staging_frame(staged, geoms), preserve_index=False)
    buffer = pa.BufferOutputStream()
    pa_csv.write_csv(table, buffer, write_options=pa_csv.WriteOptions(include_header=False))
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(buffer.getvalue().to_pybytes())
    conn.execute(text("CREATE INDEX ON staging USING gist (geom_25833)"))
    conn.execute(text("CREATE INDEX ON staging (reference)"))
    conn.execute(text("ANALYZE staging (reference, kommune_nr)"))


def _duplicate_issues(conn: Connection, plan: LoadPlan) -> list[Issue]:
    issues: list[Issue] = []
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


def _match_existing(conn: Connection) -> None:
    """Map each staged row to the live site it updates (same kommune and reference) in `site_ids`.

    A small table of its own: rewriting the wide staging rows to add an id would cost seconds at 100k.
    """
    conn.execute(
        text("""
        CREATE TEMP TABLE site_ids ON COMMIT DROP AS
        SELECT s.source_row, t.id AS site_id, false AS is_new
        FROM staging s JOIN site t
          ON t.kommune_nr = s.kommune_nr AND t.reference = s.reference AND t.status <> 'archived'
    """)
    )


def _upsert(conn: Connection, plan: LoadPlan, submission_id: int) -> tuple[int, int, int]:
    """Update matched sites that changed, insert the new ones, archive the missing ones (--replace)."""
    params = {
        "status": plan.status,
        "sub": submission_id,
        "hash": plan.file_hash,
        "demo": plan.is_demo,
        "k": plan.kommune_nr,
    }
    _match_existing(conn)
    sets = ", ".join(f"{c} = s.{c}" for c in (*SITE_FIELDS, "geom_25833"))
    updated = conn.execute(
        text(f"""
        UPDATE site t SET {sets}, status = :status, submission_id = :sub, source_row = s.source_row,
               file_hash = :hash, is_demo = :demo, updated_at = now()
        FROM staging s JOIN site_ids i ON i.source_row = s.source_row
        WHERE t.id = i.site_id AND ({_CHANGED})
    """),
        params,
    ).rowcount
    cols = ", ".join((*SITE_FIELDS, "geom_25833"))
    inserted = conn.execute(
        text(f"""
        WITH ins AS (
          INSERT INTO site ({cols}, status, submission_id, source_row, file_hash, is_demo)
          SELECT {", ".join(f"s.{c}" for c in (*SITE_FIELDS, "geom_25833"))},
                 :status, :sub, s.source_row, :hash, :demo
          FROM staging s
          WHERE NOT EXISTS (SELECT 1 FROM site_ids i WHERE i.source_row = s.source_row)
          RETURNING id, source_row
        )
        INSERT INTO site_ids (source_row, site_id, is_new) SELECT source_row, id, true FROM ins
    """),
        params,
    ).rowcount
    conn.execute(text("CREATE UNIQUE INDEX ON site_ids (source_row)"))
    conn.execute(text("ANALYZE site_ids"))
    archived = 0
    if plan.replace:
        archived = conn.execute(
            text("""
            UPDATE site t SET status = 'archived', updated_at = now()
            WHERE t.kommune_nr = :k AND t.status <> 'archived'
              AND NOT EXISTS (SELECT 1 FROM site_ids i WHERE i.site_id = t.id)
        """),
            {"k": plan.kommune_nr},
        ).rowcount
    return inserted, updated, archived


def _write_logistics(conn: Connection) -> None:
    """Replace the logistics distances of the sites just loaded, from the staging table, in SQL."""
    conn.execute(
        text("DELETE FROM site_logistics WHERE site_id IN (SELECT site_id FROM site_ids WHERE NOT is_new)")
    )
    values = ", ".join(f"('{k}', s.{k}_node, s.{k}_km, s.{k}_precision)" for k in LOGISTICS_KIND.codes)
    conn.execute(
        text(f"""
        INSERT INTO site_logistics (site_id, kind, node_id, distance_km, precision_km, method)
        SELECT i.site_id, v.kind, v.node, v.km, v.precision, :method
        FROM staging s JOIN site_ids i ON i.source_row = s.source_row
        CROSS JOIN LATERAL (VALUES {values}) AS v(kind, node, km, precision)
        WHERE v.node IS NOT NULL
    """),
        {"method": METHOD},
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
    staged: pd.DataFrame,
    geoms: np.ndarray,
    rows_read: int,
    issues: list[Issue],
) -> LoadOutcome:
    """Stage, check for duplicates and write, inside the caller's transaction (which owns commit)."""
    # Bulk statements run once; compiling them with JIT costs more than it saves.
    conn.execute(text("SET LOCAL jit = off"))
    lock_kommune(conn, plan.kommune_nr)
    if not plan.dry_run:
        prev = previous_identical(conn, plan.kommune_nr, plan.file_hash)
        if prev is not None:
            note = make_issue("resubmission-noop", detail=str(prev), file=plan.filename)
            return LoadOutcome(prev, True, False, 0, 0, 0, 0, [note])
    _stage(conn, staged, geoms)
    issues = issues + _duplicate_issues(conn, plan)
    has_error = any(i.severity == "error" for i in issues)
    rejected = staged.empty or (plan.strict and has_error)
    if plan.dry_run:
        return LoadOutcome(None, False, rejected, 0, 0, 0, 0, issues)
    if rejected:
        sid = _write_submission(conn, plan, status="rejected", rows_read=rows_read, issues=issues)
        return LoadOutcome(sid, False, True, 0, 0, 0, 0, issues)
    sid = _write_submission(conn, plan, status="loaded", rows_read=rows_read, issues=issues)
    inserted, updated, archived = _upsert(conn, plan, sid)
    _write_logistics(conn)
    finish_submission(conn, sid, loaded=len(staged), archived=archived)
    return LoadOutcome(sid, False, False, len(staged), inserted, updated, archived, issues)
