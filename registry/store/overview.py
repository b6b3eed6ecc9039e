"""The region as one market (the home page): the area of the land on offer, by plan maturity and power
status, and by kommune with its regionråd.

"On offer" is one rule for every figure here: published sites whose availability is not `sold`. Demo
sites are counted apart (`is_demo`), never mixed with the real ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

# The sites the home page's figures count (alias s).
ON_OFFER = "s.status = 'published' AND s.availability <> 'sold'"


def market_cells(session: Session) -> Sequence[RowMapping]:
    """Sites and area (m²) on offer per plan maturity, power status and demo flag."""
    return (
        session.execute(
            text(
                f"""SELECT s.maturity, s.power_status, s.is_demo, count(*) AS sites, sum(s.area_m2) AS area_m2
                FROM site s WHERE {ON_OFFER}
                GROUP BY s.maturity, s.power_status, s.is_demo"""
            )
        )
        .mappings()
        .all()
    )


def kommune_figures(session: Session) -> Sequence[RowMapping]:
    """Every kommune in a regionråd, and every other kommune with a site on offer: its real sites and
    their area (m²), and its demo sites and their area apart."""
    return (
        session.execute(
            text(
                f"""SELECT k.nr, k.name, k.regionraad, k.is_member,
                       count(s.id) FILTER (WHERE NOT s.is_demo) AS sites,
                       coalesce(sum(s.area_m2) FILTER (WHERE NOT s.is_demo), 0) AS area_m2,
                       count(s.id) FILTER (WHERE s.is_demo) AS demo_sites,
                       coalesce(sum(s.area_m2) FILTER (WHERE s.is_demo), 0) AS demo_area_m2
                FROM kommune k
                LEFT JOIN site s ON s.kommune_nr = k.nr AND {ON_OFFER}
                WHERE k.regionraad IS NOT NULL OR s.id IS NOT NULL
                GROUP BY k.nr, k.name, k.regionraad, k.is_member
                ORDER BY k.regionraad NULLS LAST, k.name"""
            )
        )
        .mappings()
        .all()
    )
