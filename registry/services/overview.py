"""Use case: the region as one market (the home page) — the land on offer in daa by plan maturity and
power status, with totals, and the regionråd with their kommuner's sites and area.

"On offer": published sites whose availability is not sold (registry/store/overview.py). Real sites
only in the figures; demo sites are counted apart, so the page can say how many it left out — unless the
registry holds no real site on offer at all (a demo, a fresh installation): then the figures are the demo
sites', and `demo_only` says so, so the page can mark every figure DEMO instead of showing zeros.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from registry.store import overview as store
from schemas.taxonomy import MATURITY, POWER, Term

M2_PER_DAA = 1000.0


@dataclass(frozen=True)
class Figure:
    """How many sites and how much land (m²)."""

    sites: int = 0
    area_m2: float = 0.0

    @property
    def area_daa(self) -> float:
        return self.area_m2 / M2_PER_DAA

    def __add__(self, other: Figure) -> Figure:
        return Figure(self.sites + other.sites, self.area_m2 + other.area_m2)


def _sum(figures: Iterable[Figure]) -> Figure:
    total = Figure()
    for f in figures:
        total = total + f
    return total


@dataclass(frozen=True)
class MaturityRow:
    """One plan maturity: its figure per power status (in POWER's order) and its total."""

    maturity: Term
    cells: tuple[Figure, ...]
    total: Figure


@dataclass(frozen=True)
class KommuneFigure:
    nr: str
    name: str
    is_member: bool
    real: Figure
    demo_sites: int


@dataclass(frozen=True)
class RegionraadGroup:
    """A regionråd (None: kommuner outside every regionråd that have sites) and its kommuner."""

    name: str | None
    kommuner: tuple[KommuneFigure, ...]

    @property
    def total(self) -> Figure:
        return _sum(k.real for k in self.kommuner)


@dataclass(frozen=True)
class RegionOverview:
    powers: tuple[Term, ...]
    rows: tuple[MaturityRow, ...]
    power_totals: tuple[Figure, ...]
    total: Figure
    demo: Figure
    regionraad: tuple[RegionraadGroup, ...] = field(default_factory=tuple)
    demo_only: bool = False  # no real site on offer: the figures are the demo sites'


def region_overview(session: Session) -> RegionOverview:
    """The home page's figures, read in two grouped queries (bounded by the taxonomies and the kommuner)."""
    real: dict[tuple[str, str], Figure] = {}
    demo_cells: dict[tuple[str, str], Figure] = {}
    for r in store.market_cells(session):
        figure = Figure(int(r["sites"]), float(r["area_m2"] or 0.0))
        (demo_cells if r["is_demo"] else real)[(r["maturity"], r["power_status"])] = figure
    demo = _sum(demo_cells.values())
    demo_only = not real and demo.sites > 0
    if demo_only:
        real = demo_cells
    rows = tuple(
        MaturityRow(m, cells, _sum(cells))
        for m in MATURITY.terms
        for cells in [tuple(real.get((m.code, p.code), Figure()) for p in POWER.terms)]
    )
    power_totals = tuple(_sum(row.cells[i] for row in rows) for i in range(len(POWER.terms)))
    groups: dict[str | None, list[KommuneFigure]] = {}
    for k in store.kommune_figures(session):
        groups.setdefault(k["regionraad"], []).append(
            KommuneFigure(
                nr=k["nr"],
                name=k["name"],
                is_member=bool(k["is_member"]),
                real=(
                    Figure(int(k["demo_sites"]), float(k["demo_area_m2"]))
                    if demo_only
                    else Figure(int(k["sites"]), float(k["area_m2"]))
                ),
                demo_sites=0 if demo_only else int(k["demo_sites"]),
            )
        )
    return RegionOverview(
        powers=POWER.terms,
        rows=rows,
        power_totals=power_totals,
        total=_sum(power_totals),
        demo=demo,
        regionraad=tuple(RegionraadGroup(name, tuple(ks)) for name, ks in groups.items()),
        demo_only=demo_only,
    )
