"""Use cases: investors' personal data — retention, erasure on request, and the erasure log replayed.

An inquiry's contact details (organisation, name, e-mail, phone, client, the free text, its private links
and the hashes used for spam limits) are erased `retention_months` after it is closed; the inquiry stays,
anonymised, for the statistics. `naering inquiries erase --email ADDRESS` erases at once on request. Every
erasure is logged with a SHA-256 of the address (never the address), so that after a restore from a
backup taken before it, `reapply_erasures` erases the same people again (docs/inquiries.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from registry.clock import Clock
from registry.db import transaction
from registry.services.access import Principal, require_admin
from registry.services.inquiries import email_hash
from registry.settings import InquirySettings
from registry.store import inquiries as store

ACTOR = "privacy"
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Erased:
    inquiries: int
    email_hash: str


def erase_email(engine: Engine, principal: Principal, email: str, *, clock: Clock) -> Erased:
    """Erase the personal data of every inquiry sent from `email` and log it (hash only). The log is
    written even when nothing is found: the address may be in a backup."""
    require_admin(principal)
    hashed = email_hash(email)
    with transaction(engine, actor=principal.actor) as session:
        rows = store.erase(session, at=clock.now(), email_hash=hashed)
        store.log_erasure(session, at=clock.now(), email_hash=hashed, reason="request", inquiries=len(rows))
    return Erased(len(rows), hashed)


def apply_retention(engine: Engine, settings: InquirySettings, *, clock: Clock) -> int:
    """Erase the contact details of inquiries closed more than `retention_months` ago; how many."""
    now = clock.now()
    cutoff = now - dt.timedelta(days=round(settings.retention_months * DAYS_PER_MONTH))
    with transaction(engine, actor=ACTOR) as session:
        rows = store.erase(session, at=now, closed_before=cutoff)
        by_hash: dict[str, int] = {}
        for row in rows:
            if row["old_hash"]:
                by_hash[row["old_hash"]] = by_hash.get(row["old_hash"], 0) + 1
        for hashed, count in by_hash.items():
            store.log_erasure(session, at=now, email_hash=hashed, reason="retention", inquiries=count)
    return len(rows)


def reapply_erasures(engine: Engine, *, clock: Clock) -> int:
    """Apply every erasure on request again (after a restore): the inquiries sent from a logged address
    before its erasure lose their personal data (later ones are a new wish of the same person and stay).
    Retention needs no log: `apply_retention` finds the same inquiries again. How many were erased now
    (0 when the database was already clean)."""
    total = 0
    with transaction(engine, actor=ACTOR) as session:
        for entry in store.request_erasures(session):
            total += len(
                store.erase(
                    session, at=clock.now(), email_hash=entry["email_hash"], created_before=entry["at"]
                )
            )
    return total
