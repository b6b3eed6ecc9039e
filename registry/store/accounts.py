"""Accounts: users, grants, API tokens, web sessions, sign-in attempts, one-time tokens, org numbers.

Tokens of every kind are stored as SHA-256 hex digests; the plain token exists only in the response
that hands it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Result, RowMapping, text
from sqlalchemy.orm import Session

Conn = Connection | Session


def _changed(result: Result[Any]) -> int:
    """Rows an UPDATE, INSERT or DELETE touched (a Session's result is a CursorResult too)."""
    return cast(CursorResult[Any], result).rowcount


_USER = """
SELECT u.id, u.email, u.name, u.role, u.password_hash, u.oidc_subject, u.orgnr, u.is_active, u.is_demo,
       u.created_at, u.last_sign_in_at,
       coalesce(array_agg(g.kommune_nr ORDER BY g.kommune_nr) FILTER (WHERE g.kommune_nr IS NOT NULL),
                '{}') AS kommuner
FROM app_user u LEFT JOIN user_grant g ON g.user_id = u.id
"""
_GROUP = " GROUP BY u.id"


def user_by_email(conn: Conn, email: str) -> RowMapping | None:
    return conn.execute(text(_USER + " WHERE u.email = :e" + _GROUP), {"e": email}).mappings().first()


def user_by_id(conn: Conn, user_id: int) -> RowMapping | None:
    return conn.execute(text(_USER + " WHERE u.id = :i" + _GROUP), {"i": user_id}).mappings().first()


def user_by_subject(conn: Conn, subject: str) -> RowMapping | None:
    return (
        conn.execute(text(_USER + " WHERE u.oidc_subject = :s" + _GROUP), {"s": subject}).mappings().first()
    )


def list_users(conn: Conn) -> Sequence[RowMapping]:
    return conn.execute(text(_USER + _GROUP + " ORDER BY u.role, u.email")).mappings().all()


def insert_user(
    conn: Conn,
    *,
    email: str,
    name: str | None,
    role: str,
    password_hash: str | None = None,
    oidc_subject: str | None = None,
    orgnr: str | None = None,
    is_demo: bool = False,
    at: dt.datetime,
) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO app_user (email, name, role, password_hash, oidc_subject, orgnr, is_demo, "
                "created_at) VALUES (:email, :name, :role, :ph, :sub, :orgnr, :demo, :at) RETURNING id"
            ),
            {
                "email": email,
                "name": name,
                "role": role,
                "ph": password_hash,
                "sub": oidc_subject,
                "orgnr": orgnr,
                "demo": is_demo,
                "at": at,
            },
        ).scalar_one()
    )


_USER_COLUMNS = frozenset(
    {"name", "role", "password_hash", "oidc_subject", "orgnr", "is_active", "last_sign_in_at"}
)


def update_user(conn: Conn, user_id: int, **values: Any) -> None:
    unknown = set(values) - _USER_COLUMNS
    if unknown:
        raise ValueError(f"not user columns: {sorted(unknown)}")
    if not values:
        return
    sets = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(text(f"UPDATE app_user SET {sets} WHERE id = :id"), {**values, "id": user_id})


def grant(conn: Conn, user_id: int, kommune_nr: str, *, by: str, at: dt.datetime) -> bool:
    """Give `user_id` the right to edit `kommune_nr`; False when the grant already existed."""
    result = conn.execute(
        text(
            "INSERT INTO user_grant (user_id, kommune_nr, granted_by, granted_at) VALUES (:u, :k, :by, :at) "
            "ON CONFLICT DO NOTHING"
        ),
        {"u": user_id, "k": kommune_nr, "by": by, "at": at},
    )
    return bool(_changed(result))


def revoke_grant(conn: Conn, user_id: int, kommune_nr: str) -> bool:
    result = conn.execute(
        text("DELETE FROM user_grant WHERE user_id = :u AND kommune_nr = :k"), {"u": user_id, "k": kommune_nr}
    )
    return bool(_changed(result))


def grantees(conn: Conn, kommune_nr: str) -> Sequence[RowMapping]:
    """The active people who may edit `kommune_nr` (to tell someone without a grant whom to ask)."""
    return (
        conn.execute(
            text(
                "SELECT u.email, u.name FROM user_grant g JOIN app_user u ON u.id = g.user_id "
                "WHERE g.kommune_nr = :k AND u.is_active ORDER BY u.email"
            ),
            {"k": kommune_nr},
        )
        .mappings()
        .all()
    )


def admins(conn: Conn) -> Sequence[RowMapping]:
    return (
        conn.execute(
            text(
                "SELECT email, name FROM app_user WHERE role = 'admin' AND is_active AND NOT is_demo "
                "ORDER BY email"
            )
        )
        .mappings()
        .all()
    )


# --- API tokens ----------------------------------------------------------------------------------------


def insert_token(
    conn: Conn, user_id: int, token_hash: str, *, label: str | None, at: dt.datetime, expires_at: dt.datetime
) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO api_token (user_id, token_hash, label, created_at, expires_at) "
                "VALUES (:u, :h, :l, :at, :exp) RETURNING id"
            ),
            {"u": user_id, "h": token_hash, "l": label, "at": at, "exp": expires_at},
        ).scalar_one()
    )


# A token's last use is noted at most this often: an API call should not be a write every time.
TOKEN_USE_RESOLUTION = dt.timedelta(hours=1)


def token_user(conn: Conn, token_hash: str, *, at: dt.datetime) -> int | None:
    """The active user holding this live token, or None; notes the use when the last note is old."""
    return conn.execute(
        text(
            "WITH live AS (SELECT t.id, t.user_id, t.last_used_at FROM api_token t "
            "  JOIN app_user u ON u.id = t.user_id AND u.is_active "
            "  WHERE t.token_hash = :h AND t.revoked_at IS NULL AND t.expires_at > :at), "
            "noted AS (UPDATE api_token SET last_used_at = :at WHERE id IN "
            "  (SELECT id FROM live WHERE last_used_at IS NULL OR last_used_at < :stale)) "
            "SELECT user_id FROM live"
        ),
        {"h": token_hash, "at": at, "stale": at - TOKEN_USE_RESOLUTION},
    ).scalar_one_or_none()


def revoke_tokens(conn: Conn, user_id: int, *, at: dt.datetime) -> int:
    result = conn.execute(
        text("UPDATE api_token SET revoked_at = :at WHERE user_id = :u AND revoked_at IS NULL"),
        {"u": user_id, "at": at},
    )
    return _changed(result)


def live_token_count(conn: Conn, user_id: int, *, at: dt.datetime) -> int:
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM api_token WHERE user_id = :u AND revoked_at IS NULL "
                "AND expires_at > :at"
            ),
            {"u": user_id, "at": at},
        ).scalar_one()
    )


# --- Web sessions --------------------------------------------------------------------------------------


def insert_session(
    conn: Conn,
    token_hash: str,
    *,
    user_id: int,
    csrf_token: str,
    method: str,
    orgnr: str | None,
    at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    conn.execute(
        text(
            "INSERT INTO web_session (token_hash, user_id, csrf_token, method, orgnr, created_at, "
            "expires_at) "
            "VALUES (:h, :u, :c, :m, :o, :at, :exp)"
        ),
        {
            "h": token_hash,
            "u": user_id,
            "c": csrf_token,
            "m": method,
            "o": orgnr,
            "at": at,
            "exp": expires_at,
        },
    )


def live_session(conn: Conn, token_hash: str, *, at: dt.datetime) -> RowMapping | None:
    return (
        conn.execute(
            text(
                "SELECT s.user_id, s.csrf_token, s.method, s.orgnr, s.expires_at FROM web_session s "
                "JOIN app_user u ON u.id = s.user_id "
                "WHERE s.token_hash = :h AND s.ended_at IS NULL AND s.expires_at > :at AND u.is_active"
            ),
            {"h": token_hash, "at": at},
        )
        .mappings()
        .first()
    )


def end_session(conn: Conn, token_hash: str, *, at: dt.datetime) -> bool:
    result = conn.execute(
        text("UPDATE web_session SET ended_at = :at WHERE token_hash = :h AND ended_at IS NULL"),
        {"h": token_hash, "at": at},
    )
    return bool(_changed(result))


def end_sessions(conn: Conn, user_id: int, *, at: dt.datetime) -> int:
    result = conn.execute(
        text("UPDATE web_session SET ended_at = :at WHERE user_id = :u AND ended_at IS NULL"),
        {"u": user_id, "at": at},
    )
    return _changed(result)


# --- Sign-in attempts ----------------------------------------------------------------------------------


def record_attempt(conn: Conn, *, email: str, client_addr: str, succeeded: bool, at: dt.datetime) -> None:
    conn.execute(
        text("INSERT INTO sign_in_attempt (at, email, client_addr, succeeded) VALUES (:at, :e, :a, :s)"),
        {"at": at, "e": email, "a": client_addr, "s": succeeded},
    )


def recent_failures(conn: Conn, *, email: str, client_addr: str, since: dt.datetime) -> tuple[int, int]:
    """Failed attempts since `since`: (for this account, from this address)."""
    row = conn.execute(
        text(
            "SELECT count(*) FILTER (WHERE email = :e) AS by_account, "
            "count(*) FILTER (WHERE client_addr = :a) AS by_address "
            "FROM sign_in_attempt WHERE NOT succeeded AND at >= :since AND (email = :e OR client_addr = :a)"
        ),
        {"e": email, "a": client_addr, "since": since},
    ).one()
    return int(row.by_account), int(row.by_address)


# --- One-time tokens (invitations, password resets) ----------------------------------------------------


def insert_one_time(
    conn: Conn, token_hash: str, *, user_id: int, purpose: str, at: dt.datetime, expires_at: dt.datetime
) -> None:
    conn.execute(
        text(
            "INSERT INTO one_time_token (token_hash, user_id, purpose, created_at, expires_at) "
            "VALUES (:h, :u, :p, :at, :exp)"
        ),
        {"h": token_hash, "u": user_id, "p": purpose, "at": at, "exp": expires_at},
    )


def use_one_time(conn: Conn, token_hash: str, *, purpose: str, at: dt.datetime) -> int | None:
    """Spend a live one-time token; return its user, or None when unknown, used or expired."""
    return conn.execute(
        text(
            "UPDATE one_time_token SET used_at = :at WHERE token_hash = :h AND purpose = :p "
            "AND used_at IS NULL AND expires_at > :at RETURNING user_id"
        ),
        {"h": token_hash, "p": purpose, "at": at},
    ).scalar_one_or_none()


def peek_one_time(conn: Conn, token_hash: str, *, purpose: str, at: dt.datetime) -> int | None:
    return conn.execute(
        text(
            "SELECT user_id FROM one_time_token WHERE token_hash = :h AND purpose = :p "
            "AND used_at IS NULL AND expires_at > :at"
        ),
        {"h": token_hash, "p": purpose, "at": at},
    ).scalar_one_or_none()


# --- Organisation numbers ------------------------------------------------------------------------------


def kommune_of_org(conn: Conn, orgnr: str) -> str | None:
    return conn.execute(
        text("SELECT kommune_nr FROM org_kommune WHERE orgnr = :o"), {"o": orgnr}
    ).scalar_one_or_none()


def list_orgs(conn: Conn) -> Sequence[RowMapping]:
    return (
        conn.execute(
            text(
                "SELECT o.orgnr, o.kommune_nr, k.name AS kommune_name, o.name, o.source, o.updated_at "
                "FROM org_kommune o JOIN kommune k ON k.nr = o.kommune_nr ORDER BY o.kommune_nr, o.orgnr"
            )
        )
        .mappings()
        .all()
    )


def upsert_org(
    conn: Conn, *, orgnr: str, kommune_nr: str, name: str | None, source: str | None, at: dt.datetime
) -> None:
    conn.execute(
        text(
            "INSERT INTO org_kommune (orgnr, kommune_nr, name, source, updated_at) "
            "VALUES (:o, :k, :n, :s, :at) "
            "ON CONFLICT (orgnr) DO UPDATE SET kommune_nr = EXCLUDED.kommune_nr, name = EXCLUDED.name, "
            "source = EXCLUDED.source, updated_at = EXCLUDED.updated_at"
        ),
        {"o": orgnr, "k": kommune_nr, "n": name, "s": source, "at": at},
    )


def delete_org(conn: Conn, orgnr: str) -> bool:
    return bool(_changed(conn.execute(text("DELETE FROM org_kommune WHERE orgnr = :o"), {"o": orgnr})))


# --- OpenID Connect requests under way -----------------------------------------------------------------


def insert_oidc_request(
    conn: Conn,
    state_hash: str,
    *,
    nonce: str,
    code_verifier: str,
    return_to: str,
    at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    conn.execute(
        text(
            "INSERT INTO oidc_request (state_hash, nonce, code_verifier, return_to, created_at, expires_at) "
            "VALUES (:h, :n, :v, :r, :at, :exp)"
        ),
        {"h": state_hash, "n": nonce, "v": code_verifier, "r": return_to, "at": at, "exp": expires_at},
    )


def take_oidc_request(conn: Conn, state_hash: str, *, at: dt.datetime) -> RowMapping | None:
    """Spend a live sign-in request (single use); None when unknown, used or expired."""
    return (
        conn.execute(
            text(
                "UPDATE oidc_request SET used_at = :at WHERE state_hash = :h AND used_at IS NULL "
                "AND expires_at > :at RETURNING nonce, code_verifier, return_to"
            ),
            {"h": state_hash, "at": at},
        )
        .mappings()
        .first()
    )
