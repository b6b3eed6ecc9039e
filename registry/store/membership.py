"""Osloregionen membership of a kommune (is_member, regionråd, note): read and write one row, and which
kommuner the secretariat has edited on the web (their `membership.set` events in the audit log)."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.orm import Session

Conn = Connection | Session

ACTION = "membership.set"
TARGET_PREFIX = "kommune:"


def get(conn: Conn, nr: str) -> RowMapping | None:
    """The kommune's membership columns, locked for the caller's update; None for an unknown kommune."""
    return (
        conn.execute(
            text(
                "SELECT nr, name, is_member, regionraad, membership_note FROM kommune "
                "WHERE nr = :nr FOR UPDATE"
            ),
            {"nr": nr},
        )
        .mappings()
        .first()
    )


def update(conn: Conn, nr: str, *, is_member: bool, regionraad: str | None, note: str | None) -> None:
    conn.execute(
        text("UPDATE kommune SET is_member = :m, regionraad = :r, membership_note = :n WHERE nr = :nr"),
        {"nr": nr, "m": is_member, "r": regionraad, "n": note},
    )


def edited_on_web(conn: Conn) -> set[str]:
    """The kommune numbers whose membership the secretariat has set on the web (ever)."""
    rows = conn.execute(
        text("SELECT DISTINCT substr(target, :start) FROM audit_event WHERE action = :a AND target LIKE :p"),
        {"start": len(TARGET_PREFIX) + 1, "a": ACTION, "p": TARGET_PREFIX + "%"},
    )
    return {r[0] for r in rows}
