"""Who is asking, and what they may see and change: the one place the role rules live.

Roles (docs/sign-in.md):
- anonymous: published sites and profiles only;
- kommune editor: its granted kommuner's sites (drafts included), submissions, reports and profile;
- secretariat admin: everything, users and grants, members and regionråd.

HTTP semantics follow from three errors: no or invalid credentials → `NotSignedInError` (401);
signed in without the right → `ForbiddenError` (403); a resource the caller may not know exists
(another kommune's draft or submission) → `NotVisibleError` (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANONYMOUS_NAME = "anonymous"


class AccessError(Exception):
    """Base of the access errors; the message is bilingual ("English / norsk")."""


class NotSignedInError(AccessError):
    pass


class ForbiddenError(AccessError):
    pass


class NotVisibleError(AccessError):
    pass


@dataclass(frozen=True)
class Principal:
    """The caller of a use case. `user_id` None means anonymous."""

    user_id: int | None = None
    email: str | None = None
    name: str | None = None
    role: str | None = None  # "editor" | "admin"
    kommuner: frozenset[str] = field(default_factory=frozenset)
    via: str | None = None  # "session" | "token" | "cli"

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.via != "cli"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """What the history and audit logs record as who acted."""
        if self.via == "cli" and self.user_id is None:
            return self.email or "cli"
        return self.email or ANONYMOUS_NAME

    def may_edit(self, kommune_nr: str) -> bool:
        return self.is_admin or kommune_nr in self.kommuner

    def may_see_private(self, kommune_nr: str) -> bool:
        """Drafts, archived sites, submissions and reports of `kommune_nr`."""
        return self.may_edit(kommune_nr)

    def visible_kommuner(self) -> frozenset[str] | None:
        """The kommuner whose private data this caller sees; None means all (admin)."""
        return None if self.is_admin else self.kommuner


ANONYMOUS = Principal()
# The command line on the server acts with the server's rights (as before sign-in existed).
CLI = Principal(email="cli", role="admin", via="cli")


def require_signed_in(principal: Principal) -> None:
    if principal.is_anonymous:
        raise NotSignedInError("Sign in first. / Logg inn først.")


def require_admin(principal: Principal) -> None:
    require_signed_in(principal)
    if not principal.is_admin:
        raise ForbiddenError("Only the secretariat may do this. / Bare sekretariatet kan gjøre dette.")


def require_editor_of(principal: Principal, kommune_nr: str, *, hidden: bool = False) -> None:
    """Raise unless `principal` may change `kommune_nr`'s data.

    `hidden`: the resource is private to that kommune (a draft, a submission), so a signed-in
    outsider gets 404 rather than learning it exists.
    """
    require_signed_in(principal)
    if principal.may_edit(kommune_nr):
        return
    if hidden:
        raise NotVisibleError("Not found. / Ikke funnet.")
    raise ForbiddenError(
        f"You have no grant for kommune {kommune_nr}; ask the secretariat. / "
        f"Du har ikke tilgang til kommune {kommune_nr}; spør sekretariatet."
    )
