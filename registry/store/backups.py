"""The server's side of backups: archiving settings, the WAL switch, recovery state, the server's clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, RowMapping, text


def archiving(conn: Connection) -> RowMapping:
    """`archive_mode` and `archive_command` as the server runs them, and whether a change awaits a restart."""
    return (
        conn.execute(
            text("""
                SELECT current_setting('archive_mode') AS archive_mode,
                       current_setting('archive_command') AS archive_command,
                       current_setting('wal_level') AS wal_level,
                       EXISTS (SELECT 1 FROM pg_settings WHERE pending_restart) AS pending_restart
            """)
        )
        .mappings()
        .one()
    )


def _literal(value: str) -> str:
    # ALTER SYSTEM takes no bound parameters: a standard SQL string literal (standard_conforming_strings).
    return "'" + value.replace("'", "''") + "'"


def set_archiving(conn: Connection, *, command: str) -> None:
    """Write `archive_mode = on` and the command into postgresql.auto.conf and reload. `conn` must be in
    autocommit: ALTER SYSTEM runs outside a transaction. The mode takes effect at the next start."""
    conn.execute(text("ALTER SYSTEM SET archive_mode = 'on'"))
    conn.execute(text(f"ALTER SYSTEM SET archive_command = {_literal(command)}"))
    conn.execute(text("SELECT pg_reload_conf()"))


def switch_wal(conn: Connection) -> str:
    """Close the current WAL segment so that it is archived now; the name of the segment closed."""
    return str(conn.execute(text("SELECT pg_walfile_name(pg_switch_wal())")).scalar_one())


def in_recovery(conn: Connection) -> bool:
    return bool(conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one())


def server_time(conn: Connection) -> dt.datetime:
    """The server's clock now (not the transaction's start): the moment a restore target names."""
    moment: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    return moment
