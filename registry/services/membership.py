"""Use case: the secretariat edits a kommune's Osloregionen membership and regionråd on the web.

The members file (data/reference/osloregionen/members.csv) is the seed: `naering reference load` writes
membership only for kommuner never edited on the web, so an edit here survives every later load. Each
edit is in the audit log (`membership.set`, with the values before and after).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from registry.clock import Clock
from registry.db import transaction
from registry.services.access import Principal, require_admin
from registry.store import audit
from registry.store import membership as store

MAX_TEXT = 500


class MembershipError(ValueError):
    """A refused membership edit, with the message in both languages and the field it concerns."""

    def __init__(self, message_en: str, message_no: str, *, field: str | None = None) -> None:
        super().__init__(f"{message_en} / {message_no}")
        self.message_en = message_en
        self.message_no = message_no
        self.field = field


@dataclass(frozen=True)
class Membership:
    nr: str
    name: str
    is_member: bool
    regionraad: str | None
    note: str | None


def _clean(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise MembershipError(f"At most {MAX_TEXT} characters.", f"Høyst {MAX_TEXT} tegn.", field=field)
    if any(ord(c) < 32 for c in value):
        raise MembershipError(
            "No line breaks or control characters.", "Ingen linjeskift eller kontrolltegn.", field=field
        )
    return value or None


def set_membership(
    engine: Engine,
    principal: Principal,
    nr: str,
    *,
    is_member: bool,
    regionraad: str | None,
    note: str | None,
    clock: Clock,
) -> bool:
    """Set one kommune's membership, regionråd and note; True when a value changed (then audited)."""
    require_admin(principal)
    regionraad = _clean(regionraad, "regionraad")
    note = _clean(note, "note")
    with transaction(engine, actor=principal.actor) as session:
        row = store.get(session, nr)
        if row is None:
            raise MembershipError(f"Unknown kommune number {nr}", f"Ukjent kommunenummer {nr}", field="nr")
        before = {
            "is_member": row["is_member"],
            "regionraad": row["regionraad"],
            "note": row["membership_note"],
        }
        after = {"is_member": is_member, "regionraad": regionraad, "note": note}
        if before == after:
            return False
        store.update(session, nr, is_member=is_member, regionraad=regionraad, note=note)
        audit.record(
            session,
            at=clock.now(),
            actor=principal.actor,
            action=store.ACTION,
            target=f"{store.TARGET_PREFIX}{nr}",
            details={"before": before, "after": after},
        )
    return True
