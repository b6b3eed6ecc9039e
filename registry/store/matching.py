"""The SQL of matching: which published sites in scope fail at most one criterion, best first.

Every criterion's verdict is computed in SQL as points (meets 4, partly 2, unknown 1, fails 0) by a CASE
expression that mirrors the pure rule of `registry.matching`, with that module's thresholds (`Bounds`) as
parameters: the staleness cut-off dates, the bands, the code lists. Over all sites in scope the query
counts the fails, keeps the sites with none (matches) and with one (near misses), and takes the best of
each by the ranking of `registry.matching.Assessment.sort_key` (points, then relied-on facts, then area
closeness, then id) — exactly, so the pure rules, which then compute the verdicts with their words on
these few rows, rank the same sites. tests/test_matching.py proves that SQL and Python agree.

It reads `site_match`, one narrow row per site with the four logistics distances pivoted into columns,
kept in step with `site` and `site_logistics` by database triggers (migration 0005); the full logistics
rows (node name, road, date) are read for the returned sites only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.matching import (
    AREA,
    AVAILABILITY_C,
    DISTANCE_PREFIX,
    MATURITY_C,
    POINTS,
    POWER_BY_YEAR,
    POWER_NOW,
    POWER_UNSETTLED,
    USE,
    Bounds,
)
from registry.store import criteria
from schemas.taxonomy import LOGISTICS_KIND

# The `site` columns the rules read (besides the logistics), and what the result shows of a site.
SITE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kommune_nr",
    "is_demo",
    "area_m2",
    "uses",
    "maturity",
    "maturity_verified_at",
    "power_status",
    "power_mw_now",
    "power_mw_future",
    "power_future_year",
    "power_verified_at",
    "availability",
    "availability_verified_at",
    "updated_at",
)
PUBLISHED = "published"

# What a verdict adds to a site's sort key (see `candidate_query`): a fail 10 000, and minus 100 per point
# and 1 per fact that can be relied on (all but unknown), so that one integer, ascending, orders by fails,
# then points (more first), then relied-on facts (more first), for up to 10 criteria (at most 40 points).
KEY_FAIL = 10_000
KEY: dict[str, int] = {
    v: KEY_FAIL * (p == POINTS["fails"]) - 100 * p - (v != "unknown") for v, p in POINTS.items()
}
# A site with no fail has a key ≤ 0, with one fail between 10 000 − 4 010 and 10 000, with two or more
# at least 20 000 − 4 010.
KEY_ONE_FAIL = KEY_FAIL // 2
KEY_TWO_FAILS = KEY_FAIL + KEY_FAIL // 2


@dataclass(frozen=True)
class Candidates:
    """The sites worth assessing, as mappings for the pure rules, and how many sites were in scope.

    Each row carries what the SQL computed — `sql_points` (per criterion, in `Bounds.criteria` order),
    `sql_fails` and `sql_key` (its sort key) — which the service does not need and the agreement test does.
    """

    rows: list[dict[str, Any]]
    considered: int


def _not_current(axis: str) -> str:
    """SQL: the axis's fact is unverified or stale (schemas.site.axis_state, with the cut-off date)."""
    return f"(s.{axis}_verified_at IS NULL OR s.{axis}_verified_at < :fresh_{axis})"


def _verdicts(b: Bounds, params: dict[str, Any], value: dict[str, int]) -> list[tuple[str, str]]:
    """One SQL expression per criterion, in `Bounds.criteria` order, giving `value` of its verdict, with
    the criterion's name."""
    r = b.requirements
    _M, _P, _U, _F = value["meets"], value["partly"], value["unknown"], value["fails"]
    out: list[str] = []
    for criterion in b.criteria:
        if criterion == AREA:
            meets, fails = [], []
            if r.area_min_m2 is not None and b.area_low_m2 is not None:
                meets.append("s.area_m2 >= :area_min")
                fails.append("s.area_m2 < :area_low")
                params.update(area_min=float(r.area_min_m2), area_low=float(b.area_low_m2))
            if r.area_max_m2 is not None and b.area_high_m2 is not None:
                meets.append("s.area_m2 <= :area_max")
                fails.append("s.area_m2 > :area_high")
                params.update(area_max=float(r.area_max_m2), area_high=float(b.area_high_m2))
            out.append(
                f"CASE WHEN {' AND '.join(meets)} THEN {_M} WHEN {' OR '.join(fails)} THEN {_F} ELSE {_P} END"
            )
        elif criterion == POWER_NOW:
            params.update(
                power_now=float(r.power_mw_now or 0.0), power_now_half=float(b.power_now_half_mw or 0.0)
            )
            out.append(f"""CASE WHEN s.power_mw_now IS NULL OR {_not_current("power")}
                     OR s.power_status = ANY(:power_unsettled) THEN {_U}
                WHEN s.power_mw_now >= :power_now THEN {_M}
                WHEN s.power_mw_now >= :power_now_half THEN {_P} ELSE {_F} END""")
        elif criterion == POWER_BY_YEAR:
            params.update(
                power_later=float(r.power_mw_by_year or 0.0),
                power_later_half=float(b.power_by_year_half_mw or 0.0),
                power_year=int(r.power_year or 0),
                power_late_year=int(b.power_late_year or 0),
            )
            by_year = f"coalesce({criteria.power_by_year('s', 'power_year')}, 0)"
            out.append(f"""CASE WHEN (s.power_mw_now IS NULL AND (s.power_mw_future IS NULL
                                               OR s.power_future_year IS NULL))
                     OR {_not_current("power")} OR s.power_status = ANY(:power_unsettled) THEN {_U}
                WHEN {by_year} >= :power_later THEN {_M}
                WHEN {by_year} >= :power_later_half
                     OR (s.power_mw_future >= :power_later AND s.power_future_year <= :power_late_year)
                     THEN {_P}
                ELSE {_F} END""")
        elif criterion == MATURITY_C:
            params.update(maturity_meets=list(b.maturity_meets), maturity_partly=list(b.maturity_partly))
            out.append(f"""CASE WHEN s.maturity IS NULL OR {_not_current("maturity")} THEN {_U}
                WHEN s.maturity = ANY(:maturity_meets) THEN {_M}
                WHEN s.maturity = ANY(:maturity_partly) THEN {_P} ELSE {_F} END""")
        elif criterion == AVAILABILITY_C:
            params.update(
                availability_meets=list(r.availability), availability_partly=list(b.availability_partly)
            )
            out.append(f"""CASE WHEN s.availability IS NULL OR {_not_current("availability")} THEN {_U}
                WHEN s.availability = ANY(:availability_meets) THEN {_M}
                WHEN s.availability = ANY(:availability_partly) THEN {_P} ELSE {_F} END""")
        elif criterion == USE:
            params.update(use_meets=list(r.use_codes), use_partly=list(b.use_related))
            out.append(f"""CASE WHEN coalesce(cardinality(s.uses), 0) = 0 THEN {_U}
                WHEN {criteria.uses_any("s", "use_meets")} THEN {_M}
                WHEN s.uses && CAST(:use_partly AS text[]) THEN {_P} ELSE {_F} END""")
        else:
            kind = criterion.removeprefix(DISTANCE_PREFIX)
            assert kind in LOGISTICS_KIND  # the column names below come from the taxonomy, never from input
            params[f"km_{kind}"] = float(r.max_km[kind])
            km = criteria.distance_km("s", kind)
            out.append(f"""CASE WHEN {km} IS NULL THEN {_U}
                WHEN {km} <= :km_{kind} THEN {_M}
                WHEN {km} <= :km_{kind} + coalesce(s.prec_{kind}, 0) THEN {_P} ELSE {_F} END""")
    if any(c in (POWER_NOW, POWER_BY_YEAR) for c in b.criteria):
        params["power_unsettled"] = list(POWER_UNSETTLED)
    for axis, since in b.fresh_since.items():
        params[f"fresh_{axis}"] = since
    return list(zip(b.criteria, out, strict=True))


def _scope(b: Bounds, params: dict[str, Any]) -> str:
    """Published sites in the kommuner or regionråd asked for (either), or in the whole region."""
    r = b.requirements
    params["published"] = PUBLISHED
    clauses = []
    if r.kommuner:
        clauses.append(criteria.in_kommuner("s", "kommuner"))
        params["kommuner"] = list(r.kommuner)
    if r.regionraad:
        clauses.append(criteria.in_regionraad("s", "regionraad"))
        params["regionraad"] = list(r.regionraad)
    where = "s.status = :published"
    return where + (f" AND ({' OR '.join(clauses)})" if clauses else "")


def _closeness(b: Bounds, params: dict[str, Any]) -> str:
    """SQL of `registry.matching.area_closeness`."""
    target = b.area_target_m2
    if target is None:
        return "0.0::float8"
    if target > 0:
        params["area_target"] = float(target)
        return "abs(s.area_m2 - :area_target) / :area_target"
    return "s.area_m2"


_LOGISTICS = """
SELECT l.site_id, l.kind, l.distance_km, l.precision_km, l.computed_at, n.name, n.road
FROM site_logistics l JOIN logistics_node n ON n.id = l.node_id
WHERE l.site_id = ANY(:ids)
"""


def _with_logistics(session: Session, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The rows as dicts, each with its logistics distances by kind."""
    out = [dict(r) for r in rows]
    by_id = {r["id"]: r for r in out}
    for r in out:
        r["logistics"] = {}
    if by_id:
        for lr in session.execute(text(_LOGISTICS), {"ids": list(by_id)}).mappings():
            by_id[lr["site_id"]]["logistics"][lr["kind"]] = {
                "distance_km": lr["distance_km"],
                "precision_km": lr["precision_km"],
                "computed_at": lr["computed_at"],
                "name": lr["name"],
                "road": lr["road"],
            }
    return out


def candidate_query(b: Bounds, *, matches: int, near_misses: int) -> tuple[str, dict[str, Any]]:
    """The SQL of `candidates` and its parameters.

    Per site one integer key sums what each verdict adds (`KEY`): ascending, it orders by fails, then
    points, then relied-on facts, and it tells matches (< KEY_ONE_FAIL) from near misses (< KEY_TWO_FAILS).
    The key is computed in one scan of `site_match` (in parallel workers where the planner uses them); the
    best of each kind are then read again with their points per criterion.
    """
    params: dict[str, Any] = {"n_matches": matches, "n_near": near_misses}
    keyed = _verdicts(b, params, KEY)
    scope = _scope(b, params)
    closeness = _closeness(b, params)
    own = " + ".join(e for c, e in keyed if not c.startswith(DISTANCE_PREFIX)) or "0"
    distances = "".join(f" + {e}" for c, e in keyed if c.startswith(DISTANCE_PREFIX))
    points = _verdicts(b, {}, POINTS)
    array = f"ARRAY[{', '.join(e for _c, e in points)}]::int[]"
    order = "key, closeness, id"
    # One pass over the narrow site_match (every fact and distance in one row): the key and the
    # closeness per site in scope, then the best of each kind, read again with their points.
    sql = f"""
    WITH scored AS MATERIALIZED (
        SELECT k.id, k.key, k.closeness
        FROM (SELECT s.id, ({own}){distances} AS key, {closeness} AS closeness
              FROM site_match s WHERE {scope}) k
        WHERE k.key < {KEY_TWO_FAILS}
    ), best AS (
        (SELECT * FROM scored WHERE key < {KEY_ONE_FAIL} ORDER BY {order} LIMIT :n_matches)
        UNION ALL
        (SELECT * FROM scored WHERE key >= {KEY_ONE_FAIL} ORDER BY {order} LIMIT :n_near)
    )
    SELECT {", ".join(f"s.{c}" for c in SITE_COLUMNS)}, k.name AS kommune_name,
           best.key AS sql_key, {array} AS sql_points
    FROM best JOIN site_match s ON s.id = best.id JOIN kommune k ON k.nr = s.kommune_nr
    ORDER BY best.key, best.closeness, best.id
    """
    return sql, params


def candidates(session: Session, b: Bounds, *, matches: int, near_misses: int) -> Candidates:
    """The best `matches` sites in scope with no fail and the best `near_misses` with exactly one, by the
    ranking of the pure rules, with how many published sites were in scope."""
    sql, params = candidate_query(b, matches=matches, near_misses=near_misses)
    rows = session.execute(text(sql), params).mappings().all()
    out = _with_logistics(session, rows)
    for r in out:
        r["sql_fails"] = sum(1 for p in r["sql_points"] if p == POINTS["fails"])
    return Candidates(rows=out, considered=count_in_scope(session, b))


def count_in_scope(session: Session, b: Bounds) -> int:
    """How many published sites lie in the inquiry's scope."""
    params: dict[str, Any] = {}
    where = _scope(b, params)
    return int(session.execute(text(f"SELECT count(*) FROM site_match s WHERE {where}"), params).scalar_one())


def published_sites(session: Session, site_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The published sites among `site_ids` (drafts and archived sites are left out), by id, as mappings
    for the pure rules."""
    if not site_ids:
        return []
    rows = (
        session.execute(
            text(f"""
        SELECT {", ".join(f"s.{c}" for c in SITE_COLUMNS)}, k.name AS kommune_name
        FROM site_match s JOIN kommune k ON k.nr = s.kommune_nr
        WHERE s.id = ANY(:ids) AND s.status = :published ORDER BY s.id
    """),
            {"ids": [int(i) for i in site_ids], "published": PUBLISHED},
        )
        .mappings()
        .all()
    )
    return _with_logistics(session, rows)
