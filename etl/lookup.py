"""Reference look-ups the pipeline needs: kommune numbers (2024 and older) and kommune outlines."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text


@dataclass
class KommuneIndex:
    """2024 kommune numbers with names, and the primary 2024 number of each 2020–2023 number."""

    names: dict[str, str]
    old_to_new: dict[str, str]
    _geoms: dict[str, BaseGeometry] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection) -> KommuneIndex:
        names = {r[0]: r[1] for r in conn.execute(text("SELECT nr, name FROM kommune"))}
        old = {
            r[0]: r[1]
            for r in conn.execute(
                text(
                    "SELECT old_nr, new_nr FROM kommune_number_history WHERE is_primary AND old_nr <> new_nr"
                )
            )
        }
        return cls(names=names, old_to_new=old)

    def resolve(self, nr: str) -> tuple[str | None, bool]:
        """Return (2024 number, was_old) for `nr`; (None, False) when unknown."""
        if nr in self.names:
            return nr, False
        if nr in self.old_to_new:
            return self.old_to_new[nr], True
        return None, False

    def describe(self, nr: str) -> str:
        return f"{nr} {self.names.get(nr, '')}".strip()

    def geometry(self, conn: Connection, nr: str) -> BaseGeometry | None:
        """The kommune's outline in EPSG:25833 (cached)."""
        if nr not in self._geoms:
            wkb = conn.execute(
                text("SELECT ST_AsBinary(geom_25833) FROM kommune WHERE nr = :nr"), {"nr": nr}
            ).scalar()
            if wkb is None:
                return None
            self._geoms[nr] = shapely.from_wkb(bytes(wkb))
        return self._geoms[nr]
