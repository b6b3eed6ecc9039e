"""Kommune look-ups the pipeline needs: 2024 numbers, older numbers, outlines. Data in, no database.

The submission service fills a `KommuneIndex` from the reference tables before the pipeline runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry


@dataclass
class KommuneIndex:
    """2024 kommune numbers with names, the primary 2024 number of each 2020–2023 number, and the
    outlines (EPSG:25833) of the kommuner a file may be checked against."""

    names: dict[str, str]
    old_to_new: dict[str, str]
    outlines: dict[str, BaseGeometry] = field(default_factory=dict)

    def resolve(self, nr: str) -> tuple[str | None, bool]:
        """Return (2024 number, was_old) for `nr`; (None, False) when unknown."""
        if nr in self.names:
            return nr, False
        if nr in self.old_to_new:
            return self.old_to_new[nr], True
        return None, False

    def describe(self, nr: str) -> str:
        return f"{nr} {self.names.get(nr, '')}".strip()
