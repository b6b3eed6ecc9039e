"""The outbox: every e-mail the product sends, queued here inside the use case's own transaction.

Statuses (models.OUTBOX_STATUSES): queued → sent | failed (SMTP) or kept (no SMTP configured: admins
read it in the web). Rows come back as mappings of `outbox_message` columns.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.orm import Session

_COLUMNS = "id, created_at, kind, to_addr, subject, body_text, body_html, status, sent_at, error"


def insert(
    conn: Connection | Session,
    *,
    created_at: dt.datetime,
    kind: str,
    to_addr: str,
    subject: str,
    body_text: str,
    body_html: str | None,
) -> int:
    """Queue one message; return its id."""
    return int(
        conn.execute(
            text("""
                INSERT INTO outbox_message (created_at, kind, to_addr, subject, body_text, body_html, status)
                VALUES (:at, :kind, :to, :subject, :text, :html, 'queued') RETURNING id
            """),
            {
                "at": created_at,
                "kind": kind,
                "to": to_addr,
                "subject": subject,
                "text": body_text,
                "html": body_html,
            },
        ).scalar_one()
    )


def list_messages(
    conn: Connection | Session, *, limit: int, offset: int, status: str | None = None
) -> tuple[list[RowMapping], int]:
    """One page of messages, newest first, and how many match in all."""
    where = "WHERE status = :status" if status is not None else ""
    params = {"status": status, "limit": limit, "offset": offset}
    rows = conn.execute(
        text(f"SELECT {_COLUMNS} FROM outbox_message {where} ORDER BY id DESC LIMIT :limit OFFSET :offset"),
        params,
    ).mappings()
    page = list(rows)
    total = conn.execute(text(f"SELECT count(*) FROM outbox_message {where}"), params).scalar_one()
    return page, int(total)


def get(conn: Connection | Session, message_id: int) -> RowMapping | None:
    return (
        conn.execute(text(f"SELECT {_COLUMNS} FROM outbox_message WHERE id = :id"), {"id": message_id})
        .mappings()
        .first()
    )


def pending_ids(conn: Connection | Session) -> list[int]:
    """Ids of the queued messages, oldest first."""
    return [
        int(r[0])
        for r in conn.execute(text("SELECT id FROM outbox_message WHERE status = 'queued' ORDER BY id"))
    ]


def lock_queued(conn: Connection | Session, message_id: int) -> RowMapping | None:
    """The message, locked for this transaction, if it is still queued and no other deliverer holds it.

    Two deliveries running at once thus never send the same message twice.
    """
    return (
        conn.execute(
            text(
                f"SELECT {_COLUMNS} FROM outbox_message WHERE id = :id AND status = 'queued' "
                "FOR UPDATE SKIP LOCKED"
            ),
            {"id": message_id},
        )
        .mappings()
        .first()
    )


def mark_sent(conn: Connection | Session, message_id: int, *, sent_at: dt.datetime) -> None:
    conn.execute(
        text("UPDATE outbox_message SET status = 'sent', sent_at = :at, error = NULL WHERE id = :id"),
        {"id": message_id, "at": sent_at},
    )


def mark_failed(conn: Connection | Session, message_id: int, *, error: str) -> None:
    conn.execute(
        text("UPDATE outbox_message SET status = 'failed', error = :error WHERE id = :id"),
        {"id": message_id, "error": error},
    )


def mark_kept(conn: Connection | Session, message_id: int) -> None:
    conn.execute(text("UPDATE outbox_message SET status = 'kept' WHERE id = :id"), {"id": message_id})
