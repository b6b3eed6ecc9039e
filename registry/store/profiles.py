"""The one-door-in profile: its fields, its ordered contacts and the reference clusters of its kommune."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, RowMapping, text

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    Conn = Connection | Session

PROFILE_FIELDS = (
    "response_hours",
    "pitch_no",
    "pitch_en",
    "competence_no",
    "competence_en",
    "labour_figures",
    "clusters",
)
CONTACT_FIELDS = ("name", "role", "email", "phone")

# A kommune's contacts in order, as a JSON list (one row per kommune that has any),
# for joining beside kommuner or sites.
CONTACTS_BY_KOMMUNE = """
SELECT kommune_nr,
       jsonb_agg(jsonb_build_object('name', name, 'role', role, 'email', email, 'phone', phone)
                 ORDER BY position) AS contacts
FROM kommune_contact GROUP BY kommune_nr
"""

_PROFILE_COLUMNS = ", ".join(f"p.{f}" for f in PROFILE_FIELDS)


def get(conn: Conn, kommune_nr: str) -> RowMapping | None:
    """The kommune (nr, name) with its profile's columns (NULL where it has no profile row yet);
    None when no such kommune."""
    return (
        conn.execute(
            text(f"""
                SELECT k.nr AS kommune_nr, k.name AS kommune_name, p.kommune_nr IS NOT NULL AS has_profile,
                       {_PROFILE_COLUMNS}, p.verified_at, p.updated_at, coalesce(p.is_demo, false) AS is_demo
                FROM kommune k LEFT JOIN kommune_profile p ON p.kommune_nr = k.nr
                WHERE k.nr = :nr
            """),
            {"nr": kommune_nr},
        )
        .mappings()
        .first()
    )


def contacts(conn: Conn, kommune_nr: str) -> Sequence[RowMapping]:
    """The kommune's contacts in the order given."""
    return (
        conn.execute(
            text(
                "SELECT name, role, email, phone FROM kommune_contact"
                " WHERE kommune_nr = :nr ORDER BY position"
            ),
            {"nr": kommune_nr},
        )
        .mappings()
        .all()
    )


def reference_clusters(conn: Conn, kommune_nr: str) -> Sequence[RowMapping]:
    """Clusters of the reference table hosted in the kommune, by name."""
    return (
        conn.execute(
            text("""
                SELECT name, sector, programme_level, host_city, website, source_url, source_date
                FROM cluster WHERE kommune_nr = :nr ORDER BY name
            """),
            {"nr": kommune_nr},
        )
        .mappings()
        .all()
    )


def ensure_locked(conn: Conn, kommune_nr: str) -> None:
    """Give the kommune an empty profile row unless it has one, and lock it for this transaction
    (two edits of one profile then run one after the other, each seeing the other's result)."""
    conn.execute(
        text("INSERT INTO kommune_profile (kommune_nr) VALUES (:nr) ON CONFLICT (kommune_nr) DO NOTHING"),
        {"nr": kommune_nr},
    )
    conn.execute(text("SELECT 1 FROM kommune_profile WHERE kommune_nr = :nr FOR UPDATE"), {"nr": kommune_nr})


def update(
    conn: Conn,
    kommune_nr: str,
    fields: Mapping[str, Any],
    *,
    verified_at: dt.date | None,
    updated_at: dt.datetime,
) -> None:
    """Set the profile's fields (PROFILE_FIELDS, all of them) and its dates."""
    conn.execute(
        text("""
            UPDATE kommune_profile SET response_hours = :response_hours, pitch_no = :pitch_no,
                pitch_en = :pitch_en, competence_no = :competence_no, competence_en = :competence_en,
                labour_figures = CAST(:labour_figures AS jsonb), clusters = :clusters,
                verified_at = :verified_at, updated_at = :updated_at
            WHERE kommune_nr = :kommune_nr
        """),
        {
            **{f: fields[f] for f in PROFILE_FIELDS},
            "labour_figures": json.dumps(list(fields["labour_figures"]), ensure_ascii=False),
            "clusters": list(fields["clusters"]),
            "kommune_nr": kommune_nr,
            "verified_at": verified_at,
            "updated_at": updated_at,
        },
    )


def replace_contacts(conn: Conn, kommune_nr: str, new: Sequence[Mapping[str, Any]]) -> None:
    """Make `new` the kommune's contacts, in that order."""
    conn.execute(text("DELETE FROM kommune_contact WHERE kommune_nr = :nr"), {"nr": kommune_nr})
    if new:
        conn.execute(
            text("""
                INSERT INTO kommune_contact (kommune_nr, position, name, role, email, phone)
                VALUES (:kommune_nr, :position, :name, :role, :email, :phone)
            """),
            [
                {"kommune_nr": kommune_nr, "position": i, **{f: c.get(f) for f in CONTACT_FIELDS}}
                for i, c in enumerate(new)
            ],
        )


def upsert_demo(conn: Conn, profile: Mapping[str, Any]) -> None:
    """Insert or update a demo profile's texts and dates (rewritten only when they differ)."""
    conn.execute(
        text("""
            INSERT INTO kommune_profile (kommune_nr, response_hours, pitch_no, pitch_en, competence_no,
                competence_en, verified_at, is_demo)
            VALUES (:kommune_nr, :response_hours, :pitch_no, :pitch_en, :competence_no, :competence_en,
                :verified_at, :is_demo)
            ON CONFLICT (kommune_nr) DO UPDATE SET response_hours = EXCLUDED.response_hours,
                pitch_no = EXCLUDED.pitch_no, pitch_en = EXCLUDED.pitch_en,
                competence_no = EXCLUDED.competence_no, competence_en = EXCLUDED.competence_en,
                verified_at = EXCLUDED.verified_at, is_demo = EXCLUDED.is_demo, updated_at = now()
            WHERE (kommune_profile.response_hours, kommune_profile.pitch_no, kommune_profile.pitch_en,
                   kommune_profile.competence_no, kommune_profile.competence_en, kommune_profile.verified_at,
                   kommune_profile.is_demo)
              IS DISTINCT FROM
              (EXCLUDED.response_hours, EXCLUDED.pitch_no, EXCLUDED.pitch_en, EXCLUDED.competence_no,
               EXCLUDED.competence_en, EXCLUDED.verified_at, EXCLUDED.is_demo)
        """),
        {
            k: profile.get(k)
            for k in (
                "kommune_nr",
                "response_hours",
                "pitch_no",
                "pitch_en",
                "competence_no",
                "competence_en",
                "verified_at",
                "is_demo",
            )
        },
    )
