"""Stored submissions and their issue logs, read back as reports."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from etl.issues import Issue
from etl.pipeline import SubmissionResult


def stored_result(session: Session, submission_id: int) -> SubmissionResult | None:
    """Rebuild the report of a stored submission (loaded or rejected), or None."""
    sub = session.execute(text("SELECT * FROM submission WHERE id = :id"), {"id": submission_id}).first()
    if sub is None:
        return None
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
        for r in session.execute(
            text("SELECT * FROM submission_issue WHERE submission_id = :id ORDER BY id"),
            {"id": submission_id},
        ).all()
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
        rejected=m["status"] == "rejected",
        issues=issues,
        columns_used=dict((m["options"] or {}).get("columns", {})),
    )
