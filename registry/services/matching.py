"""Use case: match an investor's requirements against every published site of the region, at once.

The region is one market: unless the inquiry names kommuner or regionråd, every published site is
considered. The SQL (`registry.store.matching`) finds the best sites with no fail and with one fail; the
pure rules (`registry.matching`) give each its verdicts, in words, and the final order. Sites the investor
opened the form from (`site_ids`) are always shown with their verdicts, matching or not. Drafts and
archived sites are never matched nor shown. docs/matching.md explains the scoring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from registry import matching as rules
from registry.store import matching as store
from schemas.inquiry import Requirements

__all__ = ["MatchItem", "MatchResult", "match_sites"]

# The SQL fetches this many more of each kind than asked for: the Python ranking is the same as the SQL's
# (tests/test_matching.py), so the margin only guards against float noise at equal points.
CANDIDATE_MARGIN = 10


@dataclass(frozen=True)
class MatchItem:
    """One site as matched: who it is, its score and its verdict on each criterion stated."""

    site_id: int
    name: str
    kommune_nr: str
    kommune_name: str
    is_demo: bool
    area_m2: float
    score: float
    verdicts: tuple[rules.Verdict, ...]

    @property
    def fails(self) -> int:
        return sum(1 for v in self.verdicts if v.verdict == "fails")

    @property
    def missing_no(self) -> list[str]:
        return [v.missing_no for v in self.verdicts if v.missing_no]

    @property
    def missing_en(self) -> list[str]:
        return [v.missing_en for v in self.verdicts if v.missing_en]

    def to_json(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "name": self.name,
            "kommune_nr": self.kommune_nr,
            "kommune_name": self.kommune_name,
            "is_demo": self.is_demo,
            "area_m2": round(self.area_m2, 1),
            "score": round(self.score, 4),
            "fails": self.fails,
            "missing_no": self.missing_no,
            "missing_en": self.missing_en,
            "verdicts": [v.to_json() for v in self.verdicts],
        }


@dataclass(frozen=True)
class MatchResult:
    """Matches (no criterion fails), near misses (exactly one fails), the chosen sites, and how many
    published sites were in scope; each list best first."""

    criteria: tuple[str, ...]
    matches: list[MatchItem]
    near_misses: list[MatchItem]
    chosen: list[MatchItem]
    considered: int
    today: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.today.isoformat(),
            "criteria": list(self.criteria),
            "considered": self.considered,
            "matches": [m.to_json() for m in self.matches],
            "near_misses": [m.to_json() for m in self.near_misses],
            "chosen": [m.to_json() for m in self.chosen],
        }


def _item(row: Mapping[str, Any], assessment: rules.Assessment) -> MatchItem:
    return MatchItem(
        site_id=assessment.site_id,
        name=row["name"],
        kommune_nr=row["kommune_nr"],
        kommune_name=row["kommune_name"],
        is_demo=bool(row["is_demo"]),
        area_m2=float(row["area_m2"]),
        score=assessment.score,
        verdicts=assessment.verdicts,
    )


def match_sites(
    session: Session,
    requirements: Requirements,
    *,
    today: dt.date,
    limit: int = 20,
    near_miss_limit: int = 10,
) -> MatchResult:
    """Rank the published sites in scope against the requirements as of `today` (staleness is counted
    from it). Reads only; the caller owns the session."""
    b = rules.bounds(requirements, today=today)
    found = store.candidates(
        session, b, matches=limit + CANDIDATE_MARGIN, near_misses=near_miss_limit + CANDIDATE_MARGIN
    )
    assessed = [(row, rules.assess(row, b)) for row in found.rows]
    ordered = sorted(assessed, key=lambda pair: pair[1].sort_key)
    matches = [_item(r, a) for r, a in ordered if a.fails == 0][:limit]
    near = [_item(r, a) for r, a in ordered if a.fails == 1][:near_miss_limit]
    chosen_rows = store.published_sites(session, requirements.site_ids)
    by_id = {int(r["id"]): r for r in chosen_rows}
    chosen = [
        _item(by_id[i], rules.assess(by_id[i], b)) for i in dict.fromkeys(requirements.site_ids) if i in by_id
    ]
    return MatchResult(
        criteria=b.criteria,
        matches=matches,
        near_misses=near,
        chosen=chosen,
        considered=found.considered,
        today=today,
    )
