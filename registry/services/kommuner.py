"""Use cases: kommuner with membership and their one-door-in profile; outlines for maps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from etl.lookup import KommuneIndex
from registry.services.access import Principal
from registry.store import kommuner as store
from registry.store import reference as reference_store
from schemas.profile import first_contact, is_complete, response_promise

# Session only in annotations: the ORM is start-up cost for `naering submit`, which needs none of it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class KommuneNumber:
    """A kommune number as given, and the 2024 kommune it stands for."""

    given: str
    nr: str
    name: str

    @property
    def renumbered(self) -> bool:
        return self.given != self.nr

    def note(self) -> dict[str, str]:
        """Say, in both languages, which 2024 kommune an old number became."""
        now = f"{self.nr} {self.name}"
        return {
            "given": self.given,
            "used": self.nr,
            "message_no": f"Kommunenummer {self.given} er fra før 2024; nå er det {now}.",
            "message_en": f"Kommune number {self.given} is from before 2024; it is now {now}.",
        }


def _kommune(m: Mapping[Any, Any]) -> dict[str, Any]:
    contacts = [dict(c) for c in m["contacts"]]
    first = first_contact(contacts)
    profile = None
    if m["has_profile"] or contacts:
        profile = {
            "contact_role": first["role"],
            "contact_name": first["name"],
            "email": first["email"],
            "phone": first["phone"],
            "response_hours": m["response_hours"],
            "pitch_no": m["pitch_no"],
            "pitch_en": m["pitch_en"],
            "competence_no": m["competence_no"],
            "competence_en": m["competence_en"],
            "labour_figures": list(m["labour_figures"] or []),
            "clusters": list(m["clusters"] or []),
            "verified_at": m["verified_at"].isoformat() if m["verified_at"] else None,
            "is_demo": bool(m["is_demo"]),
        }
    return {
        "nr": m["nr"],
        "name": m["name"],
        "fylke_nr": m["fylke_nr"],
        "fylke_name": m["fylke_name"],
        "regionraad": m["regionraad"],
        "is_member": m["is_member"],
        "membership_note": m["membership_note"],
        "one_door_in": profile,
        "contacts": contacts,
        "contact": first if contacts else None,
        "profile_complete": is_complete(contacts),
        "response_promise": response_promise(m["response_hours"]),
        "published_sites": m["published_sites"],
        "published_area_m2": round(float(m["published_area_m2"]), 1),
    }


def list_kommuner(session: Session, *, members_only: bool = False) -> list[dict[str, Any]]:
    return [_kommune(r) for r in store.list_all(session, members_only=members_only)]


def get_kommune(session: Session, nr: str) -> dict[str, Any] | None:
    row = store.get(session, nr)
    return _kommune(row) if row else None


def kommune_index(conn: Connection | Session) -> KommuneIndex:
    """2024 kommune numbers with names, and each 2020–2023 number's primary successor."""
    connection = conn if isinstance(conn, Connection) else conn.connection()
    return KommuneIndex(
        names=reference_store.kommune_names(connection),
        old_to_new=reference_store.primary_successors(connection),
    )


def resolve_kommune(session: Session, nr: str) -> KommuneNumber | None:
    """The 2024 kommune `nr` stands for: itself, or a 2020–2023 number's primary successor; else None."""
    index = kommune_index(session)
    current, _ = index.resolve(nr)
    return None if current is None else KommuneNumber(given=nr, nr=current, name=index.names[current])


def kommune_outlines(
    session: Session, *, members_only: bool = True, tolerance_m: float = 50.0
) -> dict[str, Any]:
    """Kommune outlines as a CRS84 FeatureCollection, simplified for maps."""
    rows = store.outlines(session, members_only=members_only, tolerance_m=tolerance_m)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r["g"]),
                "properties": {"nr": r["nr"], "name": r["name"], "is_member": r["is_member"]},
            }
            for r in rows
        ],
    }


def editable_kommuner(session: Session, principal: Principal) -> list[dict[str, str]]:
    """The kommuner `principal` may edit, with names (all for an admin)."""
    names = kommune_index(session).names
    numbers = sorted(names) if principal.is_admin else sorted(principal.kommuner & set(names))
    return [{"nr": nr, "name": names[nr]} for nr in numbers]
