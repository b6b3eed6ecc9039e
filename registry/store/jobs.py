"""Scheduled work's bookkeeping: the advisory lock that keeps two runs apart, the run log, and when each
kommune last got its reminder of stale facts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.orm import Session

Conn = Connection | Session

# pg_try_advisory_lock key of `naering jobs run` ("naering" in ASCII, as one bigint).
JOBS_LOCK_KEY = 0x6E6165726967


def try_lock(conn: Connection) -> bool:
    """Take the jobs lock for this connection's session; False when another run holds it."""
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": JOBS_LOCK_KEY}).scalar_one())


def unlock(conn: Connection) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": JOBS_LOCK_KEY})


def start_run(conn: Conn, *, at: dt.datetime) -> int:
    return int(
        conn.execute(
            text("INSERT INTO job_run (started_at) VALUES (:at) RETURNING id"), {"at": at}
        ).scalar_one()
    )


def finish_run(conn: Conn, run_id: int, *, at: dt.datetime, summary: dict[str, Any]) -> None:
    conn.execute(
        text("UPDATE job_run SET finished_at = :at, summary = CAST(:s AS jsonb) WHERE id = :id"),
        {"at": at, "s": json.dumps(summary), "id": run_id},
    )


def last_runs(conn: Conn, *, limit: int = 20) -> list[RowMapping]:
    return list(
        conn.execute(text("SELECT * FROM job_run ORDER BY id DESC LIMIT :l"), {"l": limit}).mappings().all()
    )


def kommuner_with_live_sites(conn: Conn) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            text("SELECT DISTINCT kommune_nr FROM site WHERE status <> 'archived' ORDER BY 1")
        )
    ]


def last_stale_reminder(conn: Conn, kommune_nr: str) -> dt.datetime | None:
    return conn.execute(
        text("SELECT max(sent_at) FROM stale_reminder WHERE kommune_nr = :k"), {"k": kommune_nr}
    ).scalar_one()


def record_stale_reminder(conn: Conn, kommune_nr: str, *, period: str, at: dt.datetime, sites: int) -> bool:
    """Note the reminder; False when this period's was already noted (another run was first)."""
    result = conn.execute(
        text("""
            INSERT INTO stale_reminder (kommune_nr, period, sent_at, sites) VALUES (:k, :p, :at, :n)
            ON CONFLICT DO NOTHING
        """),
        {"k": kommune_nr, "p": period, "at": at, "n": sites},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
