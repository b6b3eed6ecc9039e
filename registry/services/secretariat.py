"""Use cases of the secretariat's pages that combine others: the overview counts, and the people who
signed in through their organisation (OIDC) and wait for a grant, with the kommune their organisation
number suggests (from the organisation table)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.services import accounts, mail
from registry.services.access import Principal, require_admin
from registry.services.kommuner import kommune_index, list_kommuner


@dataclass(frozen=True)
class Waiting:
    """A user without grants, and the kommune the organisation table suggests (None when unknown)."""

    user: accounts.User
    suggested_nr: str | None
    suggested_name: str | None
    org_name: str | None


@dataclass(frozen=True)
class Overview:
    users: int
    active_users: int
    admins: int
    waiting: int
    organisations: int
    members: int
    kommuner: int
    outbox_total: int
    outbox_kept: int
    outbox_failed: int


def waiting_for_grant(session: Session, principal: Principal) -> list[Waiting]:
    """Active editors with no kommune: people registered by OIDC (or left without grants)."""
    require_admin(principal)
    orgs = {o["orgnr"]: o for o in accounts.list_orgs(session, principal)}
    names = kommune_index(session).names
    out = []
    for user in accounts.list_users(session, principal):
        if user.role != "editor" or user.kommuner or not user.is_active:
            continue
        org = orgs.get(user.orgnr or "")
        nr = org["kommune_nr"] if org else None
        out.append(Waiting(user, nr, names.get(nr) if nr else None, org["name"] if org else None))
    return out


def overview(session: Session, principal: Principal) -> Overview:
    require_admin(principal)
    users = accounts.list_users(session, principal)
    kommuner = list_kommuner(session)
    return Overview(
        users=len(users),
        active_users=sum(u.is_active for u in users),
        admins=sum(u.role == "admin" for u in users),
        waiting=len(waiting_for_grant(session, principal)),
        organisations=len(accounts.list_orgs(session, principal)),
        members=sum(k["is_member"] for k in kommuner),
        kommuner=len(kommuner),
        outbox_total=mail.outbox(session, principal=principal, limit=1).total,
        outbox_kept=mail.outbox(session, principal=principal, limit=1, status="kept").total,
        outbox_failed=mail.outbox(session, principal=principal, limit=1, status="failed").total,
    )
