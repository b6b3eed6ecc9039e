"""Inquiries, their threads per kommune, messages, the erasure log and requester links: all their SQL.

Rows come back as mappings of the tables' columns (models.Inquiry, InquiryThread, InquiryMessage …).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.orm import Session

Conn = Connection | Session

# The columns that hold personal data, emptied together by an erasure (models: erased_means_empty).
PERSONAL_COLUMNS = (
    "organisation",
    "name",
    "email",
    "phone",
    "client",
    "message",
    "email_hash",
    "client_addr_hash",
)

_THREAD_SELECT = """
SELECT t.*, k.name AS kommune_name, k.regionraad, i.public_id, i.status AS inquiry_status,
       i.created_at AS inquiry_created_at, i.is_demo, i.confidentiality, i.sector, i.country,
       i.requirements, i.erased_at,
       (SELECT max(m.at) FROM inquiry_message m
         WHERE m.thread_id = t.id AND m.author_kind <> 'kommune') AS last_incoming_at,
       (SELECT count(*) FROM inquiry_site s
         WHERE s.inquiry_id = t.inquiry_id AND s.kommune_nr = t.kommune_nr AND s.kind <> 'near_miss')
         AS site_count
FROM inquiry_thread t
JOIN inquiry i ON i.id = t.inquiry_id
JOIN kommune k ON k.nr = t.kommune_nr
"""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# --- writing an inquiry ---------------------------------------------------------------------------------


def insert_inquiry(conn: Conn, values: Mapping[str, Any]) -> RowMapping:
    """Insert an inquiry; its id and public_id."""
    row = dict(values)
    row["requirements"] = _json(row["requirements"])
    row["matches"] = _json(row.get("matches") or {})
    columns = ", ".join(row)
    placeholders = ", ".join(
        f"CAST(:{c} AS jsonb)" if c in ("requirements", "matches") else f":{c}" for c in row
    )
    return (
        conn.execute(
            text(f"INSERT INTO inquiry ({columns}) VALUES ({placeholders}) RETURNING id, public_id"), row
        )
        .mappings()
        .one()
    )


def insert_sites(conn: Conn, inquiry_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
    """The sites an inquiry concerns: [{site_id, kommune_nr, kind, rank}]."""
    if rows:
        conn.execute(
            text("""
                INSERT INTO inquiry_site (inquiry_id, site_id, kommune_nr, kind, rank)
                VALUES (:inquiry_id, :site_id, :kommune_nr, :kind, :rank)
                ON CONFLICT DO NOTHING
            """),
            [{"inquiry_id": inquiry_id, **r} for r in rows],
        )


def insert_thread(conn: Conn, values: Mapping[str, Any]) -> int:
    columns = ", ".join(values)
    placeholders = ", ".join(f":{c}" for c in values)
    return int(
        conn.execute(
            text(f"INSERT INTO inquiry_thread ({columns}) VALUES ({placeholders}) RETURNING id"), dict(values)
        ).scalar_one()
    )


def insert_message(conn: Conn, values: Mapping[str, Any]) -> int:
    row = dict(values)
    row["site_facts"] = _json(row.get("site_facts") or [])
    row["coordination"] = _json(row.get("coordination") or {})
    return int(
        conn.execute(
            text("""
                INSERT INTO inquiry_message
                    (inquiry_id, thread_id, at, author_kind, author, kind, body, site_facts, coordination)
                VALUES (:inquiry_id, :thread_id, :at, :author_kind, :author, :kind, :body,
                        CAST(:site_facts AS jsonb), CAST(:coordination AS jsonb))
                RETURNING id
            """),
            row,
        ).scalar_one()
    )


def update_thread(conn: Conn, thread_id: int, values: Mapping[str, Any]) -> None:
    if not values:
        return
    row = dict(values)
    sets = []
    for column in row:
        cast = "CAST(:coordination AS jsonb)" if column == "coordination" else f":{column}"
        sets.append(f"{column} = {cast}")
    if "coordination" in row:
        row["coordination"] = _json(row["coordination"])
    conn.execute(
        text(f"UPDATE inquiry_thread SET {', '.join(sets)} WHERE id = :_id"), {**row, "_id": thread_id}
    )


def update_inquiry(conn: Conn, inquiry_id: int, values: Mapping[str, Any]) -> None:
    sets = ", ".join(f"{c} = :{c}" for c in values)
    conn.execute(text(f"UPDATE inquiry SET {sets} WHERE id = :_id"), {**values, "_id": inquiry_id})


def set_shortlisted(conn: Conn, inquiry_id: int, site_id: int, shortlisted: bool) -> bool:
    result = conn.execute(
        text("UPDATE inquiry_site SET shortlisted = :s WHERE inquiry_id = :i AND site_id = :site"),
        {"s": shortlisted, "i": inquiry_id, "site": site_id},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- spam limits --------------------------------------------------------------------------------------


def count_from_address(conn: Conn, addr_hash: str, *, since: dt.datetime) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM inquiry WHERE client_addr_hash = :h AND created_at >= :since"),
            {"h": addr_hash, "since": since},
        ).scalar_one()
    )


def count_open_for_email(conn: Conn, email_hash: str) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM inquiry WHERE email_hash = :h AND status = 'open'"), {"h": email_hash}
        ).scalar_one()
    )


# --- reading ---------------------------------------------------------------------------------------------


def inquiry_by_public_id(conn: Conn, public_id: str, *, lock: bool = False) -> RowMapping | None:
    return (
        conn.execute(
            text(
                "SELECT * FROM inquiry WHERE public_id = CAST(:p AS uuid)" + (" FOR UPDATE" if lock else "")
            ),
            {"p": public_id},
        )
        .mappings()
        .first()
    )


def insert_token(conn: Conn, inquiry_id: int, token_hash: str, *, at: dt.datetime) -> None:
    conn.execute(
        text("INSERT INTO inquiry_token (token_hash, inquiry_id, created_at) VALUES (:h, :i, :at)"),
        {"h": token_hash, "i": inquiry_id, "at": at},
    )


def inquiry_by_token(conn: Conn, token_hash: str, *, lock: bool = False) -> RowMapping | None:
    return (
        conn.execute(
            text(
                "SELECT i.* FROM inquiry i JOIN inquiry_token t ON t.inquiry_id = i.id"
                " WHERE t.token_hash = :h" + (" FOR UPDATE OF i" if lock else "")
            ),
            {"h": token_hash},
        )
        .mappings()
        .first()
    )


def kommune_names(conn: Conn) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute(text("SELECT nr, name FROM kommune"))}


def regionraad_names(conn: Conn) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            text("SELECT DISTINCT regionraad FROM kommune WHERE regionraad IS NOT NULL ORDER BY 1")
        )
    ]


def published_site_ids(conn: Conn, ids: Sequence[int]) -> list[int]:
    return [
        int(r[0])
        for r in conn.execute(
            text("SELECT id FROM site WHERE id = ANY(:ids) AND status = 'published'"), {"ids": list(ids)}
        )
    ]


def inquiries_for_email_hash(conn: Conn, email_hash: str) -> Sequence[RowMapping]:
    return (
        conn.execute(
            text("SELECT * FROM inquiry WHERE email_hash = :h ORDER BY created_at DESC, id DESC"),
            {"h": email_hash},
        )
        .mappings()
        .all()
    )


def threads(conn: Conn, inquiry_id: int) -> Sequence[RowMapping]:
    return (
        conn.execute(text(_THREAD_SELECT + " WHERE t.inquiry_id = :i ORDER BY k.name"), {"i": inquiry_id})
        .mappings()
        .all()
    )


def thread(conn: Conn, inquiry_id: int, kommune_nr: str, *, lock: bool = False) -> RowMapping | None:
    sql = _THREAD_SELECT + " WHERE t.inquiry_id = :i AND t.kommune_nr = :k"
    if lock:
        sql += " FOR UPDATE OF t"
    return conn.execute(text(sql), {"i": inquiry_id, "k": kommune_nr}).mappings().first()


def messages(conn: Conn, inquiry_id: int, *, thread_id: int | None = None) -> Sequence[RowMapping]:
    where = "m.inquiry_id = :i" + (" AND m.thread_id = :t" if thread_id is not None else "")
    return (
        conn.execute(
            text(f"""
                SELECT m.*, t.kommune_nr FROM inquiry_message m JOIN inquiry_thread t ON t.id = m.thread_id
                WHERE {where} ORDER BY m.at, m.id
            """),
            {"i": inquiry_id, "t": thread_id},
        )
        .mappings()
        .all()
    )


def sites(conn: Conn, inquiry_id: int, *, kommune_nr: str | None = None) -> Sequence[RowMapping]:
    """The sites an inquiry concerns, with the site's name and status now."""
    where = "x.inquiry_id = :i" + (" AND x.kommune_nr = :k" if kommune_nr else "")
    return (
        conn.execute(
            text(f"""
                SELECT x.*, s.name, s.status AS site_status, s.area_m2, s.is_demo, k.name AS kommune_name
                FROM inquiry_site x JOIN site s ON s.id = x.site_id JOIN kommune k ON k.nr = x.kommune_nr
                WHERE {where} ORDER BY x.kind = 'near_miss', x.rank, x.site_id
            """),
            {"i": inquiry_id, "k": kommune_nr},
        )
        .mappings()
        .all()
    )


def inbox(conn: Conn, kommune_nrs: Sequence[str], *, limit: int, offset: int) -> Sequence[RowMapping]:
    """The threads of these kommuner, those still waiting for a first response first, then newest."""
    return (
        conn.execute(
            text(
                _THREAD_SELECT
                + """ WHERE t.kommune_nr = ANY(:k)
                ORDER BY (t.first_response_at IS NULL AND i.status = 'open') DESC, t.notified_at DESC, t.id
                LIMIT :limit OFFSET :offset"""
            ),
            {"k": list(kommune_nrs), "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )


def inbox_counts(conn: Conn, kommune_nrs: Sequence[str], *, now: dt.datetime) -> RowMapping:
    """How many threads in all, unread, waiting for a first response, and overdue."""
    return (
        conn.execute(
            text("""
                SELECT count(*) AS total,
                       count(*) FILTER (WHERE t.kommune_read_at IS NULL OR EXISTS (
                           SELECT 1 FROM inquiry_message m WHERE m.thread_id = t.id
                             AND m.author_kind <> 'kommune' AND m.at > t.kommune_read_at)) AS unread,
                       count(*) FILTER (WHERE t.first_response_at IS NULL AND i.status = 'open') AS waiting,
                       count(*) FILTER (WHERE t.first_response_at IS NULL AND i.status = 'open'
                                          AND t.due_at < :now) AS overdue
                FROM inquiry_thread t JOIN inquiry i ON i.id = t.inquiry_id
                WHERE t.kommune_nr = ANY(:k)
            """),
            {"k": list(kommune_nrs), "now": now},
        )
        .mappings()
        .one()
    )


def all_threads(
    conn: Conn, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Sequence[RowMapping]:
    """Every thread (the secretariat's desk), newest inquiry first; optionally notified within a period."""
    clauses, params = [], {}
    if since is not None:
        clauses.append("t.notified_at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("t.notified_at < :until")
        params["until"] = until
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return (
        conn.execute(text(_THREAD_SELECT + where + " ORDER BY i.created_at DESC, k.name"), params)
        .mappings()
        .all()
    )


# --- follow-up (jobs) ----------------------------------------------------------------------------------


def threads_to_remind(conn: Conn, *, now: dt.datetime) -> Sequence[RowMapping]:
    """Open threads past their reminder time, not yet due, with no first response and no reminder yet
    (locked; rows another run holds are skipped)."""
    return _due(conn, "t.reminded_at IS NULL AND t.remind_at <= :now AND t.due_at > :now", now=now)


def threads_to_escalate(conn: Conn, *, now: dt.datetime) -> Sequence[RowMapping]:
    """Open threads past their deadline with no first response and no escalation yet (locked, skip locked)."""
    return _due(conn, "t.escalated_at IS NULL AND t.due_at <= :now", now=now)


def _due(conn: Conn, condition: str, *, now: dt.datetime) -> Sequence[RowMapping]:
    return (
        conn.execute(
            text(
                _THREAD_SELECT
                + f""" WHERE t.first_response_at IS NULL AND i.status = 'open' AND {condition}
                ORDER BY t.due_at, t.id FOR UPDATE OF t SKIP LOCKED"""
            ),
            {"now": now},
        )
        .mappings()
        .all()
    )


def inquiries_to_auto_close(conn: Conn, *, before: dt.datetime) -> list[int]:
    return [
        int(r[0])
        for r in conn.execute(
            text(
                "SELECT id FROM inquiry WHERE status = 'open' AND last_activity_at < :b"
                " FOR UPDATE SKIP LOCKED"
            ),
            {"b": before},
        )
    ]


def clear_address_hashes(conn: Conn, *, before: dt.datetime) -> int:
    result = conn.execute(
        text(
            "UPDATE inquiry SET client_addr_hash = NULL"
            " WHERE client_addr_hash IS NOT NULL AND created_at < :b"
        ),
        {"b": before},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- personal data -------------------------------------------------------------------------------------


def erase(
    conn: Conn,
    *,
    at: dt.datetime,
    email_hash: str | None = None,
    closed_before: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
) -> list[RowMapping]:
    """Empty the personal columns of the inquiries from one address, or of those closed before a time;
    the erased rows' ids and former address hashes. Messages the investor wrote are emptied too."""
    if (email_hash is None) == (closed_before is None):
        raise ValueError("give exactly one of email_hash and closed_before")
    where = "email_hash = :h" if email_hash is not None else "status = 'closed' AND closed_at < :b"
    if created_before is not None:
        where += " AND created_at <= :c"
    nulls = ", ".join(f"{c} = NULL" for c in PERSONAL_COLUMNS)
    rows = (
        conn.execute(
            text(f"""
                UPDATE inquiry i SET {nulls}, erased_at = :at
                FROM (SELECT id, email_hash AS old_hash FROM inquiry
                      WHERE erased_at IS NULL AND {where} FOR UPDATE) old
                WHERE i.id = old.id RETURNING i.id, old.old_hash
            """),
            {"h": email_hash, "b": closed_before, "c": created_before, "at": at},
        )
        .mappings()
        .all()
    )
    ids = [r["id"] for r in rows]
    if ids:
        conn.execute(text("DELETE FROM inquiry_token WHERE inquiry_id = ANY(:ids)"), {"ids": ids})
        conn.execute(
            text("""
                UPDATE inquiry_message SET body = NULL
                WHERE inquiry_id = ANY(:ids) AND author_kind = 'investor'
            """),
            {"ids": ids},
        )
        conn.execute(
            text("DELETE FROM requester_link WHERE email_hash = ANY(:h)"),
            {"h": [r["old_hash"] for r in rows]},
        )
    return list(rows)


def log_erasure(conn: Conn, *, at: dt.datetime, email_hash: str, reason: str, inquiries: int) -> None:
    conn.execute(
        text("""
            INSERT INTO inquiry_erasure (at, email_hash, reason, inquiries)
            VALUES (:at, :h, :reason, :n)
        """),
        {"at": at, "h": email_hash, "reason": reason, "n": inquiries},
    )


def request_erasures(conn: Conn) -> Sequence[RowMapping]:
    """Every erasure on request in the log (address hash and time), to apply again after a restore."""
    return (
        conn.execute(
            text("SELECT email_hash, at FROM inquiry_erasure WHERE reason = 'request' ORDER BY at, id")
        )
        .mappings()
        .all()
    )


def erasure_log(conn: Conn) -> Sequence[RowMapping]:
    """The whole erasure log, oldest first (hashes, reasons, times, counts: no personal data)."""
    return (
        conn.execute(text("SELECT at, email_hash, reason, inquiries FROM inquiry_erasure ORDER BY at, id"))
        .mappings()
        .all()
    )


# --- requester links -----------------------------------------------------------------------------------


def insert_requester_link(
    conn: Conn, *, token_hash: str, email_hash: str, at: dt.datetime, expires_at: dt.datetime
) -> None:
    conn.execute(
        text("""
            INSERT INTO requester_link (token_hash, email_hash, created_at, expires_at)
            VALUES (:t, :h, :at, :exp)
        """),
        {"t": token_hash, "h": email_hash, "at": at, "exp": expires_at},
    )


def count_requester_links(conn: Conn, email_hash: str, *, since: dt.datetime) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM requester_link WHERE email_hash = :h AND created_at >= :since"),
            {"h": email_hash, "since": since},
        ).scalar_one()
    )


def requester_link(conn: Conn, token_hash: str, *, at: dt.datetime) -> str | None:
    """The address hash a live link lists inquiries for, or None."""
    row = conn.execute(
        text("SELECT email_hash FROM requester_link WHERE token_hash = :t AND expires_at > :at"),
        {"t": token_hash, "at": at},
    ).first()
    return row[0] if row else None


# --- demo ----------------------------------------------------------------------------------------------


def count_demo(conn: Conn) -> int:
    return int(conn.execute(text("SELECT count(*) FROM inquiry WHERE is_demo")).scalar_one())


def delete_demo(conn: Conn) -> int:
    """Remove the demo inquiries (threads, messages and sites go with them: ON DELETE CASCADE)."""
    result = conn.execute(text("DELETE FROM inquiry WHERE is_demo"))
    return int(result.rowcount)  # type: ignore[attr-defined]
