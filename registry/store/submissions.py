"""Submissions, their issue logs and the column mapping each kommune last used."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Row, RowMapping, text

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class IssueLike(Protocol):
    """What the store keeps of one issue (etl.issues.Issue has these attributes)."""

    row: int | None
    field: str | None
    issue_type: str
    severity: str
    value: str | None
    message_no: str
    message_en: str
    fix_no: str
    fix_en: str


def previous_identical(
    conn: Connection | Session, kommune_nr: str, file_hash: str
) -> tuple[int, dict[str, Any]] | None:
    """The id and stored options of the kommune's latest loaded submission when it had this very file;
    else None. Whether loading it again would change anything depends on the options (the service
    compares them with the ones asked for now)."""
    row = conn.execute(
        text(
            "SELECT id, file_hash, options FROM submission WHERE kommune_nr = :k AND status = 'loaded' "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"k": kommune_nr},
    ).first()
    return (int(row[0]), dict(row[2] or {})) if row and row[1] == file_hash else None


def insert_submission(
    conn: Connection,
    *,
    kommune_nr: str,
    filename: str,
    file_hash: str,
    status: str,
    submitted_by: str | None,
    rows_read: int,
    user_id: int | None = None,
    options: Mapping[str, Any],
    is_demo: bool,
    issues: Iterable[IssueLike],
) -> int:
    """Record a submission and COPY its issue log; return its id."""
    issues = list(issues)
    sid = conn.execute(
        text("""
        INSERT INTO submission (kommune_nr, filename, file_hash, status, submitted_by, user_id, rows_read,
                                n_errors, n_warnings, options, is_demo)
        VALUES (:k, :f, :h, :st, :by, :uid, :n, :e, :w, CAST(:opt AS jsonb), :demo) RETURNING id
    """),
        {
            "k": kommune_nr,
            "f": filename,
            "h": file_hash,
            "st": status,
            "by": submitted_by,
            "uid": user_id,
            "n": rows_read,
            "e": sum(1 for i in issues if i.severity == "error"),
            "w": sum(1 for i in issues if i.severity == "warning"),
            "opt": json.dumps(dict(options)),
            "demo": is_demo,
        },
    ).scalar_one()
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY submission_issue (submission_id, row_number, field, issue_type, severity, value, "
            "message_no, message_en, fix_no, fix_en) FROM STDIN"
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


def public_id(conn: Connection | Session, submission_id: int) -> str:
    return str(
        conn.execute(
            text("SELECT public_id FROM submission WHERE id = :id"), {"id": submission_id}
        ).scalar_one()
    )


def get_submission(session: Session, public_id: str) -> tuple[Row[Any], list[Row[Any]]] | None:
    """A stored submission (by its public id) and its issue rows (in the order found), or None."""
    sub = session.execute(
        text("SELECT * FROM submission WHERE public_id = CAST(:p AS uuid)"), {"p": public_id}
    ).first()
    if sub is None:
        return None
    issues = session.execute(
        text("SELECT * FROM submission_issue WHERE submission_id = :id ORDER BY id"), {"id": sub.id}
    ).all()
    return sub, list(issues)


def list_for_kommune(session: Session, kommune_nr: str, *, limit: int = 100) -> Sequence[RowMapping]:
    return (
        session.execute(
            text(
                "SELECT public_id, filename, status, submitted_at, submitted_by, rows_read, rows_loaded, "
                "rows_archived, n_errors, n_warnings, is_demo FROM submission WHERE kommune_nr = :k "
                "ORDER BY submitted_at DESC, id DESC LIMIT :limit"
            ),
            {"k": kommune_nr, "limit": limit},
        )
        .mappings()
        .all()
    )


def stored_mapping(conn: Connection | Session, kommune_nr: str) -> dict[str, str] | None:
    """The column mapping the kommune last loaded with, or None."""
    row = conn.execute(
        text("SELECT mapping FROM kommune_mapping WHERE kommune_nr = :k"), {"k": kommune_nr}
    ).first()
    return dict(row[0]) if row else None


def store_mapping(conn: Connection, kommune_nr: str, mapping: Mapping[str, str]) -> None:
    conn.execute(
        text("""
        INSERT INTO kommune_mapping (kommune_nr, mapping) VALUES (:k, CAST(:m AS jsonb))
        ON CONFLICT (kommune_nr) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = now()
    """),
        {"k": kommune_nr, "m": json.dumps(dict(mapping))},
    )
