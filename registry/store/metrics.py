"""Counts for the operations metrics (/metrics): submissions by outcome, inquiries by state, and threads
waiting past their first-response deadline. Aggregates only: no row, no personal data, leaves here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text


def submissions_by_status(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("SELECT status, count(*) FROM submission GROUP BY status"))
    return {str(status): int(n) for status, n in rows}


def inquiries_by_status(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("SELECT status, count(*) FROM inquiry GROUP BY status"))
    return {str(status): int(n) for status, n in rows}


def overdue_first_responses(conn: Connection, *, now: dt.datetime) -> int:
    """Threads of open inquiries with no first response whose deadline has passed at `now`
    (the desk's "overdue", registry/store/desk.py)."""
    sql = """
        SELECT count(*) FROM inquiry_thread t JOIN inquiry i ON i.id = t.inquiry_id
        WHERE t.first_response_at IS NULL AND i.status = 'open' AND t.due_at < :now
    """
    return int(conn.execute(text(sql), {"now": now}).scalar_one())
