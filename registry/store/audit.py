"""The audit log: who changed an account, a grant, membership or a profile, and when. Append-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import bindparam


def record(
    conn: Connection | Session,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO audit_event (at, actor, action, target, details) "
            "VALUES (:at, :actor, :action, :target, :d)"
        ).bindparams(bindparam("d", type_=JSONB)),
        {"at": at, "actor": actor, "action": action, "target": target, "d": dict(details or {})},
    )


def recent(
    conn: Connection | Session, *, limit: int = 100, offset: int = 0, target_prefix: str | None = None
) -> Sequence[RowMapping]:
    where = " WHERE target LIKE :p" if target_prefix else ""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if target_prefix:
        params["p"] = target_prefix.replace("%", r"\%").replace("_", r"\_") + "%"
    return (
        conn.execute(
            text(
                "SELECT id, at, actor, action, target, details FROM audit_event"
                + where
                + " ORDER BY at DESC, id DESC LIMIT :limit OFFSET :offset"
            ),
            params,
        )
        .mappings()
        .all()
    )
