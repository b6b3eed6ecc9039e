"""The secretariat's desk: the SQL behind the response-time figures, the readiness overview and the list
of every inquiry (docs/desk.md). Read only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.orm import Session

from schemas.site import STALENESS_COLUMNS
from schemas.taxonomy import COORDINATION_STEP

Conn = Connection | Session

# The columns a thread is grouped by: one kommune, or the regionråd of its kommune (NULL: none).
GROUP_KEYS: dict[str, str] = {"kommune": "k.nr", "regionraad": "k.regionraad"}
PERCENTILES = (0.5, 0.9)


def response_stats(
    conn: Conn,
    *,
    group: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    now: dt.datetime,
    include_demo: bool,
) -> Sequence[RowMapping]:
    """Per group (and one total row, `is_total`), over the threads notified in [since, until):

    threads and distinct inquiries; responded (a first response given), answered (a full answer given),
    waiting (no first response, inquiry open), overdue (waiting and past due at `now`), closed unanswered
    (no first response, inquiry closed); median and 90th percentile of first_response_hours over the
    threads that responded (percentile_cont: linear interpolation); within (first response by due_at),
    decided (responded, or due_at passed with no response while the inquiry was still open); one count per
    coordination step reported.
    """
    key = GROUP_KEYS[group]
    steps = ",\n".join(
        f"count(*) FILTER (WHERE t.coordination ? '{code}') AS coordination_{code}"
        for code in COORDINATION_STEP.codes
    )
    name = "min(k.name)" if group == "kommune" else "NULL"
    sql = f"""
        SELECT {key} AS key, {name} AS name, GROUPING({key}) = 1 AS is_total,
               count(*) AS threads,
               count(DISTINCT t.inquiry_id) AS inquiries,
               count(*) FILTER (WHERE t.first_response_at IS NOT NULL) AS responded,
               count(*) FILTER (WHERE t.answered_at IS NOT NULL) AS answered,
               count(*) FILTER (WHERE t.first_response_at IS NULL AND i.status = 'open') AS waiting,
               count(*) FILTER (WHERE t.first_response_at IS NULL AND i.status = 'open'
                                  AND t.due_at < :now) AS overdue,
               count(*) FILTER (WHERE t.first_response_at IS NULL AND i.status <> 'open')
                 AS closed_unanswered,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.first_response_hours) AS median_hours,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY t.first_response_hours) AS p90_hours,
               count(*) FILTER (WHERE t.first_response_at <= t.due_at) AS within,
               count(*) FILTER (WHERE t.first_response_at IS NOT NULL
                                   OR (t.due_at < :now AND (i.closed_at IS NULL OR t.due_at < i.closed_at)))
                 AS decided,
               {steps}
        FROM inquiry_thread t
        JOIN inquiry i ON i.id = t.inquiry_id
        JOIN kommune k ON k.nr = t.kommune_nr
        WHERE (CAST(:since AS timestamptz) IS NULL OR t.notified_at >= :since)
          AND (CAST(:until AS timestamptz) IS NULL OR t.notified_at < :until)
          AND (:include_demo OR NOT i.is_demo)
        GROUP BY GROUPING SETS (({key}), ())
        ORDER BY is_total, {"min(k.name)" if group == "kommune" else key} NULLS LAST
    """
    return (
        conn.execute(text(sql), {"since": since, "until": until, "now": now, "include_demo": include_demo})
        .mappings()
        .all()
    )


def member_kommuner(conn: Conn) -> Sequence[RowMapping]:
    """Osloregionen's members with their regionråd and the promise in their one-door-in profile."""
    return (
        conn.execute(
            text("""
                SELECT k.nr, k.name, k.regionraad, p.response_hours
                FROM kommune k LEFT JOIN kommune_profile p ON p.kommune_nr = k.nr
                WHERE k.is_member ORDER BY k.name, k.nr
            """)
        )
        .mappings()
        .all()
    )


def member_contacts(conn: Conn) -> Sequence[RowMapping]:
    """The one-door-in contacts of every member kommune, in the order each kommune gave them."""
    return (
        conn.execute(
            text("""
                SELECT c.kommune_nr, c.name, c.role, c.email, c.phone
                FROM kommune_contact c JOIN kommune k ON k.nr = c.kommune_nr
                WHERE k.is_member ORDER BY c.kommune_nr, c.position
            """)
        )
        .mappings()
        .all()
    )


def member_published_sites(conn: Conn, *, include_demo: bool) -> Sequence[RowMapping]:
    """The published sites of member kommuner: area, maturity, power and the columns staleness reads."""
    columns = ", ".join(f"s.{c}" for c in dict.fromkeys(("maturity", "power_status", *STALENESS_COLUMNS)))
    return (
        conn.execute(
            text(f"""
                SELECT s.id, s.kommune_nr, s.area_m2, s.is_demo, {columns}
                FROM site s JOIN kommune k ON k.nr = s.kommune_nr
                WHERE k.is_member AND s.status = 'published' AND (:include_demo OR NOT s.is_demo)
                ORDER BY s.kommune_nr, s.id
            """),
            {"include_demo": include_demo},
        )
        .mappings()
        .all()
    )


def inquiries(conn: Conn, *, status: str | None = None) -> Sequence[RowMapping]:
    """Every inquiry (no personal data but the organisation), newest first; optionally open or closed."""
    return (
        conn.execute(
            text("""
                SELECT i.id, i.public_id, i.created_at, i.is_demo, i.status, i.closed_at, i.erased_at,
                       i.last_activity_at, i.requester_kind, i.organisation, i.sector, i.country,
                       i.requirements, i.confidentiality
                FROM inquiry i
                WHERE CAST(:status AS text) IS NULL OR i.status = :status
                ORDER BY i.created_at DESC, i.id DESC
            """),
            {"status": status},
        )
        .mappings()
        .all()
    )
