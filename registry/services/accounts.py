"""Accounts and sign-in: users and grants, passwords, web sessions, API tokens, invitations and resets.

The rules (docs/sign-in.md):
- Secrets are random (`secrets.token_urlsafe(32)`), shown once, stored as SHA-256; passwords as Argon2.
- A person edits a kommune only after a grant by the secretariat; signing in through the kommune's
  organisation (OIDC) is not enough.
- Password sign-in is limited per account and per client address; the refusal never says which of
  e-mail or password was wrong.
- Every change to accounts, grants, the organisation table and membership is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from registry.clock import Clock
from registry.db import transaction
from registry.services.access import (
    ForbiddenError,
    NotSignedInError,
    Principal,
    require_admin,
    require_signed_in,
)
from registry.settings import AuthSettings, MailSettings
from registry.store import accounts as store
from registry.store import audit

if TYPE_CHECKING:
    from pwdlib import PasswordHash

ROLES = ("editor", "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ORGNR = re.compile(r"^[0-9]{9}$")
TOKEN_PREFIX = "nar_"  # recognisable in logs and secret scanners


class AccountError(ValueError):
    """A refused account operation, with the message in both languages."""

    def __init__(self, message_en: str, message_no: str, *, field: str | None = None) -> None:
        super().__init__(f"{message_en} / {message_no}")
        self.message_en = message_en
        self.message_no = message_no
        self.field = field


class SignInRefusedError(AccountError):
    pass


class RateLimitedError(SignInRefusedError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str | None
    role: str
    kommuner: tuple[str, ...]
    is_active: bool
    is_demo: bool
    has_password: bool
    oidc_subject: str | None
    orgnr: str | None
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None


@dataclass(frozen=True)
class SignedIn:
    """A new web session: the cookie value (shown once) and the session's CSRF token."""

    session_token: str
    csrf_token: str
    principal: Principal


@dataclass(frozen=True)
class SessionState:
    principal: Principal
    csrf_token: str
    method: str
    orgnr: str | None


def digest(secret: str) -> str:
    """The stored form of a random token (session, API, invitation, reset)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    from pwdlib import PasswordHash

    return PasswordHash.recommended()  # Argon2id with the library's current parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise AccountError(
            f"Not an e-mail address: {email!r}", f"Ikke en e-postadresse: {email!r}", field="email"
        )
    return value


def check_password(password: str, settings: AuthSettings, *, email: str | None = None) -> None:
    """Refuse a password that is too short, too long or the e-mail address itself."""
    if len(password) < settings.password_min_length:
        n = settings.password_min_length
        raise AccountError(
            f"The password must have at least {n} characters.",
            f"Passordet må ha minst {n} tegn.",
            field="password",
        )
    if len(password) > 256:
        raise AccountError(
            "The password may have at most 256 characters.",
            "Passordet kan ha høyst 256 tegn.",
            field="password",
        )
    if email and password.strip().lower() == email.lower():
        raise AccountError(
            "The password may not be your e-mail address.",
            "Passordet kan ikke være e-postadressen din.",
            field="password",
        )


def _user(row: Mapping[Any, Any]) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        kommuner=tuple(row["kommuner"] or ()),
        is_active=row["is_active"],
        is_demo=row["is_demo"],
        has_password=row["password_hash"] is not None,
        oidc_subject=row["oidc_subject"],
        orgnr=row["orgnr"],
        created_at=row["created_at"],
        last_sign_in_at=row["last_sign_in_at"],
    )


def principal_of(row: Mapping[Any, Any], *, via: str) -> Principal:
    return Principal(
        user_id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        kommuner=frozenset(row["kommuner"] or ()),
        via=via,
    )


def _kommune_numbers(session: Session | Any, kommuner: Iterable[str]) -> list[str]:
    from registry.services.kommuner import kommune_index

    wanted = [k.strip().zfill(4) for k in kommuner if k and k.strip()]
    index = kommune_index(session)
    unknown = [k for k in wanted if k not in index.names]
    if unknown:
        raise AccountError(
            f"Unknown kommune number(s): {', '.join(unknown)}",
            f"Ukjent kommunenummer: {', '.join(unknown)}",
            field="kommune",
        )
    return sorted(set(wanted))


# --- Users and grants ----------------------------------------------------------------------------------


def create_user(
    engine: Engine,
    principal: Principal,
    *,
    email: str,
    role: str,
    kommuner: Sequence[str] = (),
    name: str | None = None,
    password: str | None = None,
    settings: AuthSettings,
    clock: Clock,
    is_demo: bool = False,
) -> User:
    """Create a user with grants for `kommuner` (secretariat or the server's command line)."""
    with transaction(engine, actor=principal.actor) as session:
        user_id = _create_user(
            session,
            principal,
            email=email,
            role=role,
            kommuner=kommuner,
            name=name,
            password=password,
            settings=settings,
            clock=clock,
            is_demo=is_demo,
        )
        row = store.user_by_id(session, user_id)
    assert row is not None
    return _user(row)


def _create_user(
    session: Session,
    principal: Principal,
    *,
    email: str,
    role: str,
    kommuner: Sequence[str],
    name: str | None,
    password: str | None,
    settings: AuthSettings,
    clock: Clock,
    is_demo: bool = False,
) -> int:
    """Check and insert a user with grants inside the caller's transaction; return the id."""
    require_admin(principal)
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(
            f"Role must be one of {', '.join(ROLES)}",
            f"Rollen må være en av {', '.join(ROLES)}",
            field="role",
        )
    if role == "editor" and not kommuner:
        raise AccountError(
            "An editor needs at least one kommune.", "En redaktør trenger minst én kommune.", field="kommune"
        )
    if password is not None:
        check_password(password, settings, email=email)
    now = clock.now()
    numbers = _kommune_numbers(session, kommuner)
    if store.user_by_email(session, email) is not None:
        raise AccountError(
            f"A user with e-mail {email} exists already.",
            f"Det finnes allerede en bruker med e-post {email}.",
            field="email",
        )
    user_id = store.insert_user(
        session,
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password) if password else None,
        is_demo=is_demo,
        at=now,
    )
    for nr in numbers:
        store.grant(session, user_id, nr, by=principal.actor, at=now)
    audit.record(
        session,
        at=now,
        actor=principal.actor,
        action="user.create",
        target=f"user:{email}",
        details={"role": role, "kommuner": numbers, "demo": is_demo},
    )
    return user_id


def get_user(session: Session, principal: Principal, email: str) -> User:
    require_admin(principal)
    row = store.user_by_email(session, normalise_email(email))
    if row is None:
        raise AccountError(f"No user {email}", f"Ingen bruker {email}", field="email")
    return _user(row)


def list_users(session: Session, principal: Principal) -> list[User]:
    require_admin(principal)
    return [_user(r) for r in store.list_users(session)]


def me(session: Session, principal: Principal) -> dict[str, Any]:
    """Who the caller is: for `GET /api/v1/me`."""
    require_signed_in(principal)
    from registry.services.kommuner import kommune_index

    names = kommune_index(session).names
    kommuner = sorted(names) if principal.is_admin else sorted(principal.kommuner)
    return {
        "email": principal.email,
        "name": principal.name,
        "role": principal.role,
        "via": principal.via,
        "kommuner": [{"nr": nr, "name": names.get(nr)} for nr in kommuner],
    }


def set_grant(
    engine: Engine, principal: Principal, email: str, kommune_nr: str, *, granted: bool, clock: Clock
) -> bool:
    """Give or take one kommune grant; True when something changed."""
    require_admin(principal)
    email = normalise_email(email)
    now = clock.now()
    with transaction(engine, actor=principal.actor) as session:
        (nr,) = _kommune_numbers(session, [kommune_nr])
        row = store.user_by_email(session, email)
        if row is None:
            raise AccountError(f"No user {email}", f"Ingen bruker {email}", field="email")
        if granted:
            changed = store.grant(session, row["id"], nr, by=principal.actor, at=now)
        else:
            changed = store.revoke_grant(session, row["id"], nr)
        if changed:
            audit.record(
                session,
                at=now,
                actor=principal.actor,
                action="grant.add" if granted else "grant.remove",
                target=f"user:{email}",
                details={"kommune": nr},
            )
    return changed


def set_role(engine: Engine, principal: Principal, email: str, role: str, *, clock: Clock) -> None:
    require_admin(principal)
    if role not in ROLES:
        raise AccountError(f"Unknown role {role}", f"Ukjent rolle {role}", field="role")
    email = normalise_email(email)
    with transaction(engine, actor=principal.actor) as session:
        row = store.user_by_email(session, email)
        if row is None:
            raise AccountError(f"No user {email}", f"Ingen bruker {email}", field="email")
        if row["role"] == role:
            return
        store.update_user(session, row["id"], role=role)
        audit.record(
            session,
            at=clock.now(),
            actor=principal.actor,
            action="user.role",
            target=f"user:{email}",
            details={"before": row["role"], "after": role},
        )


def set_active(engine: Engine, principal: Principal, email: str, active: bool, *, clock: Clock) -> None:
    """Deactivate (or reactivate) a user: a deactivated user's sessions and tokens stop working."""
    require_admin(principal)
    email = normalise_email(email)
    now = clock.now()
    with transaction(engine, actor=principal.actor) as session:
        row = store.user_by_email(session, email)
        if row is None:
            raise AccountError(f"No user {email}", f"Ingen bruker {email}", field="email")
        if principal.email == email and not active:
            raise AccountError(
                "You cannot deactivate yourself.", "Du kan ikke deaktivere deg selv.", field="email"
            )
        store.update_user(session, row["id"], is_active=active)
        if not active:
            store.end_sessions(session, row["id"], at=now)
            store.revoke_tokens(session, row["id"], at=now)
        audit.record(
            session,
            at=now,
            actor=principal.actor,
            action="user.activate" if active else "user.deactivate",
            target=f"user:{email}",
        )


# --- API tokens ----------------------------------------------------------------------------------------


def issue_token(
    engine: Engine,
    principal: Principal,
    email: str,
    *,
    settings: AuthSettings,
    clock: Clock,
    label: str | None = None,
) -> str:
    """A new API token for `email` (admins for anyone; a user for themself). Returned once."""
    require_signed_in(principal)
    email = normalise_email(email)
    if not principal.is_admin and principal.email != email:
        raise ForbiddenError(
            "You may issue tokens only for yourself. / Du kan bare lage nøkler for deg selv."
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction(engine, actor=principal.actor) as session:
        row = store.user_by_email(session, email)
        if row is None or not row["is_active"]:
            raise AccountError(f"No active user {email}", f"Ingen aktiv bruker {email}", field="email")
        store.insert_token(
            session,
            row["id"],
            digest(token),
            label=label,
            at=now,
            expires_at=now + dt.timedelta(days=settings.token_days),
        )
        audit.record(
            session,
            at=now,
            actor=principal.actor,
            action="token.issue",
            target=f"user:{email}",
            details={"label": label, "days": settings.token_days},
        )
    return token


def revoke_access(engine: Engine, principal: Principal, email: str, *, clock: Clock) -> tuple[int, int]:
    """Revoke every API token and end every session of `email`: (tokens, sessions) ended."""
    require_signed_in(principal)
    email = normalise_email(email)
    if not principal.is_admin and principal.email != email:
        raise ForbiddenError("Only the secretariat may do this. / Bare sekretariatet kan gjøre dette.")
    now = clock.now()
    with transaction(engine, actor=principal.actor) as session:
        row = store.user_by_email(session, email)
        if row is None:
            raise AccountError(f"No user {email}", f"Ingen bruker {email}", field="email")
        tokens = store.revoke_tokens(session, row["id"], at=now)
        sessions = store.end_sessions(session, row["id"], at=now)
        audit.record(
            session,
            at=now,
            actor=principal.actor,
            action="access.revoke",
            target=f"user:{email}",
            details={"tokens": tokens, "sessions": sessions},
        )
    return tokens, sessions


def principal_for_token(engine: Engine, token: str, *, clock: Clock) -> Principal:
    """The caller behind `Authorization: Bearer <token>`; NotSignedInError when unknown or expired."""
    with transaction(engine) as session:
        user_id = store.token_user(session, digest(token), at=clock.now())
        row = store.user_by_id(session, user_id) if user_id is not None else None
    if row is None:
        raise NotSignedInError(
            "The API token is unknown, revoked or expired. / "
            "API-nøkkelen er ukjent, tilbakekalt eller utløpt."
        )
    return principal_of(row, via="token")


# --- Web sessions --------------------------------------------------------------------------------------


def _start_session(
    session: Session,
    row: Mapping[Any, Any],
    *,
    method: str,
    orgnr: str | None,
    settings: AuthSettings,
    clock: Clock,
) -> SignedIn:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = clock.now()
    store.insert_session(
        session,
        digest(token),
        user_id=row["id"],
        csrf_token=csrf,
        method=method,
        orgnr=orgnr,
        at=now,
        expires_at=now + dt.timedelta(hours=settings.session_hours),
    )
    store.update_user(session, row["id"], last_sign_in_at=now)
    return SignedIn(token, csrf, principal_of(row, via="session"))


def session_state(engine: Engine, session_token: str, *, clock: Clock) -> SessionState | None:
    """The signed-in browser behind a session cookie, or None when it is unknown, ended or expired."""
    with Session(engine) as session:
        found = store.live_session(session, digest(session_token), at=clock.now())
        row = store.user_by_id(session, found["user_id"]) if found else None
    if found is None or row is None:
        return None
    return SessionState(
        principal_of(row, via="session"), found["csrf_token"], found["method"], found["orgnr"]
    )


def sign_out(engine: Engine, session_token: str, *, clock: Clock) -> bool:
    with transaction(engine) as session:
        return store.end_session(session, digest(session_token), at=clock.now())


_REFUSED = ("Wrong e-mail or password.", "Feil e-post eller passord.")


def sign_in_password(
    engine: Engine, email: str, password: str, *, client_addr: str, settings: AuthSettings, clock: Clock
) -> SignedIn:
    """Check e-mail and password within the rate limits and start a session."""
    email = (email or "").strip().lower()
    now = clock.now()
    since = now - dt.timedelta(minutes=settings.sign_in_window_minutes)
    with transaction(engine, actor=email or None) as session:
        by_account, by_address = store.recent_failures(
            session, email=email, client_addr=client_addr, since=since
        )
        if (
            by_account >= settings.sign_in_max_failures_per_account
            or by_address >= settings.sign_in_max_failures_per_address
        ):
            minutes = settings.sign_in_window_minutes
            raise RateLimitedError(
                f"Too many failed sign-ins. Wait {minutes} minutes, or reset your password.",
                f"For mange mislykkede innlogginger. Vent {minutes} minutter, eller tilbakestill passordet.",
            )
        row = store.user_by_email(session, email)
        stored = row["password_hash"] if row is not None and row["is_active"] else None
        if stored is None:
            _hasher().hash(password or "-")  # the same work as a real check: no timing oracle for e-mails
            ok = False
        else:
            ok, new_hash = _hasher().verify_and_update(password, stored)
            if ok and new_hash:
                store.update_user(session, row["id"], password_hash=new_hash)  # type: ignore[index]
        store.record_attempt(session, email=email, client_addr=client_addr, succeeded=ok, at=now)
        if not ok:
            signed_in = None
        else:
            assert row is not None
            signed_in = _start_session(
                session, row, method="password", orgnr=None, settings=settings, clock=clock
            )
    # The failed attempt is committed above before refusing: the rate limit must see it.
    if signed_in is None:
        raise SignInRefusedError(*_REFUSED)
    return signed_in


def sign_in_demo(engine: Engine, email: str, *, settings: AuthSettings, clock: Clock) -> SignedIn:
    """A session for a demo user without a password (local development only; the route checks that)."""
    with transaction(engine, actor=email) as session:
        row = store.user_by_email(session, email)
        if row is None or not row["is_demo"] or not row["is_active"]:
            raise SignInRefusedError("No such demo user.", "Ingen slik demobruker.")
        return _start_session(session, row, method="demo", orgnr=None, settings=settings, clock=clock)


# --- Sign-in by OpenID Connect -------------------------------------------------------------------------


@dataclass(frozen=True)
class OidcOutcome:
    """What an OIDC sign-in led to: a session, and whether the person may edit anything yet."""

    signed_in: SignedIn
    organisations: tuple[tuple[str, str | None], ...]  # (orgnr, kommune_nr or None)
    has_grants: bool
    ask: tuple[str, ...]  # whom to ask for a grant: the kommune's editors, else the secretariat


def sign_in_oidc(
    engine: Engine,
    *,
    subject: str,
    name: str | None,
    email: str | None,
    organisations: Sequence[str],
    settings: AuthSettings,
    clock: Clock,
) -> OidcOutcome:
    """Sign in (and on first sign-in register) a person authenticated by the OIDC provider.

    The person is known by the provider's subject. A first sign-in creates an editor without grants;
    the secretariat grants kommuner (the organisation table suggests which).
    """
    orgs = [o for o in organisations if _ORGNR.match(o)]
    if not orgs:
        raise SignInRefusedError(
            "The sign-in did not say which organisation you represent.",
            "Innloggingen sa ikke hvilken virksomhet du representerer.",
        )
    now = clock.now()
    with transaction(engine, actor=f"oidc:{subject}") as session:
        row = store.user_by_subject(session, subject)
        if row is None:
            address = None
            if email:
                try:
                    address = normalise_email(email)
                except AccountError:
                    address = None
            if address is None or store.user_by_email(session, address) is not None:
                address = f"{digest(subject)[:16]}@oidc.invalid"  # no e-mail given: a unique placeholder
            user_id = store.insert_user(
                session, email=address, name=name, role="editor", oidc_subject=subject, orgnr=orgs[0], at=now
            )
            audit.record(
                session,
                at=now,
                actor=f"oidc:{subject}",
                action="user.register",
                target=f"user:{address}",
                details={"orgnr": orgs[0], "method": "oidc"},
            )
        else:
            user_id = row["id"]
            store.update_user(session, user_id, orgnr=orgs[0], name=name or row["name"])
        row = store.user_by_id(session, user_id)
        assert row is not None
        if not row["is_active"]:
            raise SignInRefusedError(
                "Your account is deactivated; ask the secretariat.",
                "Kontoen din er deaktivert; spør sekretariatet.",
            )
        mapped = tuple((o, store.kommune_of_org(session, o)) for o in orgs)
        signed_in = _start_session(session, row, method="oidc", orgnr=orgs[0], settings=settings, clock=clock)
        has_grants = bool(row["kommuner"]) or row["role"] == "admin"
        ask: list[str] = []
        if not has_grants:
            for _, kommune_nr in mapped:
                if kommune_nr:
                    ask += [g["email"] for g in store.grantees(session, kommune_nr)]
            if not ask:
                ask = [a["email"] for a in store.admins(session)]
    return OidcOutcome(signed_in, mapped, has_grants, tuple(dict.fromkeys(ask)))


# --- Organisation numbers ------------------------------------------------------------------------------


def list_orgs(session: Session, principal: Principal) -> list[dict[str, Any]]:
    require_admin(principal)
    return [dict(r) for r in store.list_orgs(session)]


def set_org(
    engine: Engine,
    principal: Principal,
    *,
    orgnr: str,
    kommune_nr: str,
    name: str | None,
    source: str | None,
    clock: Clock,
) -> None:
    require_admin(principal)
    orgnr = orgnr.replace(" ", "")
    if not _ORGNR.match(orgnr):
        raise AccountError(
            "An organisation number has 9 digits.", "Et organisasjonsnummer har 9 sifre.", field="orgnr"
        )
    now = clock.now()
    with transaction(engine, actor=principal.actor) as session:
        (nr,) = _kommune_numbers(session, [kommune_nr])
        store.upsert_org(session, orgnr=orgnr, kommune_nr=nr, name=name, source=source, at=now)
        audit.record(
            session,
            at=now,
            actor=principal.actor,
            action="org.set",
            target=f"org:{orgnr}",
            details={"kommune": nr, "name": name, "source": source},
        )


def delete_org(engine: Engine, principal: Principal, orgnr: str, *, clock: Clock) -> bool:
    require_admin(principal)
    with transaction(engine, actor=principal.actor) as session:
        deleted = store.delete_org(session, orgnr)
        if deleted:
            audit.record(
                session, at=clock.now(), actor=principal.actor, action="org.delete", target=f"org:{orgnr}"
            )
    return deleted


def seed_orgs(engine: Engine, rows: Iterable[Mapping[str, str]], *, clock: Clock) -> int:
    """Load the shipped organisation numbers (data/reference/organisations) without overwriting edits."""
    n = 0
    with transaction(engine, actor="reference") as session:
        known = {r["orgnr"] for r in store.list_orgs(session)}
        for r in rows:
            if r["orgnr"] in known:
                continue
            store.upsert_org(
                session,
                orgnr=r["orgnr"],
                kommune_nr=r["kommune_nr"],
                name=r.get("name"),
                source=r.get("source"),
                at=clock.now(),
            )
            n += 1
    return n


def audit_log(
    session: Session, principal: Principal, *, limit: int = 200, offset: int = 0
) -> list[dict[str, Any]]:
    require_admin(principal)
    return [dict(r) for r in audit.recent(session, limit=limit, offset=offset)]


# --- The OpenID Connect round trip ---------------------------------------------------------------------

OIDC_REQUEST_MINUTES = 10


def start_oidc(engine: Engine, *, return_to: str, settings: AuthSettings, clock: Clock) -> tuple[str, str]:
    """Begin an OIDC sign-in: (the provider URL to send the browser to, the state to bind to it).

    State, nonce and the PKCE verifier stay on the server (single use, 10 minutes); the browser holds
    only the state, in a cookie the callback compares with the one the provider returns.
    """
    import registry.services.oidc as oidc

    request = oidc.begin(settings, return_to=return_to)
    now = clock.now()
    with transaction(engine) as session:
        store.insert_oidc_request(
            session,
            digest(request.state),
            nonce=request.nonce,
            code_verifier=request.code_verifier,
            return_to=return_to,
            at=now,
            expires_at=now + dt.timedelta(minutes=OIDC_REQUEST_MINUTES),
        )
    return request.url, request.state


def finish_oidc(
    engine: Engine,
    *,
    params: Mapping[str, str],
    browser_state: str | None,
    settings: AuthSettings,
    clock: Clock,
) -> tuple[OidcOutcome, str]:
    """Complete an OIDC sign-in from the provider's redirect: (the outcome, where to go next)."""
    import registry.services.oidc as oidc

    state = params.get("state") or ""
    if not state or not browser_state or not secrets.compare_digest(state, browser_state):
        raise SignInRefusedError(
            "The sign-in was started in another browser or has expired; start again.",
            "Innloggingen ble startet i en annen nettleser eller er utløpt; start på nytt.",
        )
    with transaction(engine) as session:
        pending = store.take_oidc_request(session, digest(state), at=clock.now())
    if pending is None:
        raise SignInRefusedError(
            "The sign-in has expired or was used already; start again.",
            "Innloggingen er utløpt eller allerede brukt; start på nytt.",
        )
    expected = oidc.AuthorizationRequest(
        url="",
        state=state,
        nonce=pending["nonce"],
        code_verifier=pending["code_verifier"],
        return_to=pending["return_to"],
    )
    try:
        identity = oidc.complete(settings, params=params, expected=expected, clock=clock)
    except oidc.OidcError as exc:
        raise SignInRefusedError(exc.message_en, exc.message_no) from exc
    outcome = sign_in_oidc(
        engine,
        subject=identity.subject,
        name=identity.name,
        email=identity.email,
        organisations=[o.orgnr for o in identity.organisations],
        settings=settings,
        clock=clock,
    )
    return outcome, pending["return_to"]


# --- Invitations and password resets, by e-mail --------------------------------------------------------


def demo_users(session: Session) -> list[User]:
    """The demo accounts (offered on the sign-in page outside production)."""
    return [_user(r) for r in store.list_users(session) if r["is_demo"] and r["is_active"]]


def _one_time_link(
    session: Session, user_id: int, *, purpose: str, hours: int, settings: AuthSettings, clock: Clock
) -> str:
    """A single-use link (invitation or reset) valid `hours`; only the token's digest is stored."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    store.insert_one_time(
        session,
        digest(token),
        user_id=user_id,
        purpose=purpose,
        at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
    return f"{settings.public_url.rstrip('/')}/auth/{purpose}/{token}"


def invite(
    engine: Engine,
    principal: Principal,
    *,
    email: str,
    role: str,
    kommuner: Sequence[str],
    name: str | None,
    settings: AuthSettings,
    mail: MailSettings,
    clock: Clock,
) -> User:
    """Create a user and e-mail an invitation to choose a password (valid `invite_hours`), in one
    transaction: no user without an invitation, no invitation without a user."""
    import registry.services.mail as mail_service

    hours = settings.invite_hours
    greeting = f" {name}" if name else ""
    with transaction(engine, actor=principal.actor) as session:
        user_id = _create_user(
            session,
            principal,
            email=email,
            role=role,
            kommuner=kommuner,
            name=name,
            password=None,
            settings=settings,
            clock=clock,
        )
        row = store.user_by_id(session, user_id)
        assert row is not None
        user = _user(row)
        places = ", ".join(user.kommuner) or "—"
        link = _one_time_link(session, user_id, purpose="invite", hours=hours, settings=settings, clock=clock)
        mail_service.queue(
            session,
            mail_service.Mail(
                kind="invite",
                to=user.email,
                subject_no="Invitasjon til Næringsarealregisteret",
                subject_en="Invitation to the Business Land Registry",
                body_no=(
                    f"Hei{greeting},\n\n{principal.actor} har gitt deg tilgang til "
                    f"Næringsarealregisteret (kommune: {places}).\nVelg et passord her innen {hours} timer:\n"
                    f"{link}\n\nKjenner du ikke til dette, kan du se bort fra e-posten."
                ),
                body_en=(
                    f"Hello{greeting},\n\n{principal.actor} has given you access to the "
                    f"Business Land Registry (kommune: {places}).\n"
                    f"Choose a password here within {hours} hours:\n"
                    f"{link}\n\nIf you do not know about this, you can ignore this e-mail."
                ),
            ),
            clock=clock,
        )
        audit.record(
            session, at=clock.now(), actor=principal.actor, action="user.invite", target=f"user:{user.email}"
        )
    mail_service.deliver(engine, mail, clock)
    return user


def request_password_reset(
    engine: Engine, email: str, *, settings: AuthSettings, mail: MailSettings, clock: Clock
) -> None:
    """E-mail a reset link when the address has an active account; say the same either way."""
    import registry.services.mail as mail_service

    try:
        address = normalise_email(email)
    except AccountError:
        return
    hours = settings.reset_hours
    with transaction(engine, actor=address) as session:
        row = store.user_by_email(session, address)
        if row is None or not row["is_active"] or row["is_demo"]:
            return
        link = _one_time_link(
            session, row["id"], purpose="reset", hours=hours, settings=settings, clock=clock
        )
        mail_service.queue(
            session,
            mail_service.Mail(
                kind="password_reset",
                to=address,
                subject_no="Nytt passord til Næringsarealregisteret",
                subject_en="New password for the Business Land Registry",
                body_no=(
                    f"Noen (forhåpentlig du) ba om et nytt passord.\nVelg et nytt passord her innen {hours} "
                    f"timer:\n{link}\n\nBa du ikke om dette, kan du se bort fra e-posten; "
                    "passordet ditt er uendret."
                ),
                body_en=(
                    f"Someone (hopefully you) asked for a new password.\nChoose a new password here within "
                    f"{hours} hours:\n{link}\n\nIf you did not ask, ignore this e-mail; "
                    "your password is unchanged."
                ),
            ),
            clock=clock,
        )
        audit.record(
            session,
            at=clock.now(),
            actor=address,
            action="password.reset_requested",
            target=f"user:{address}",
        )
    mail_service.deliver(engine, mail, clock)


def one_time_valid(engine: Engine, token: str, *, purpose: str, clock: Clock) -> bool:
    with Session(engine) as session:
        return store.peek_one_time(session, digest(token), purpose=purpose, at=clock.now()) is not None


def set_password_with_token(
    engine: Engine, token: str, password: str, *, purpose: str, settings: AuthSettings, clock: Clock
) -> SignedIn:
    """Spend an invitation or reset link: set the password, end other sessions, sign in."""
    now = clock.now()
    with transaction(engine) as session:  # a refused password rolls the spent link back
        user_id = store.use_one_time(session, digest(token), purpose=purpose, at=now)
        row = store.user_by_id(session, user_id) if user_id is not None else None
        if row is None or not row["is_active"]:
            raise AccountError(
                "The link is invalid, used or expired.", "Lenken er ugyldig, brukt eller utløpt."
            )
        check_password(password, settings, email=row["email"])
        store.update_user(session, row["id"], password_hash=hash_password(password))
        store.end_sessions(session, row["id"], at=now)
        audit.record(
            session,
            at=now,
            actor=row["email"],
            action=f"password.set_by_{purpose}",
            target=f"user:{row['email']}",
        )
        return _start_session(session, row, method="password", orgnr=None, settings=settings, clock=clock)


def ensure_demo_user(
    engine: Engine,
    *,
    email: str,
    role: str,
    kommuner: Sequence[str],
    password: str,
    settings: AuthSettings,
    clock: Clock,
) -> None:
    """Create or refresh a demo account (is_demo; the sign-in page offers it outside production)."""
    if settings.environment == "production":
        raise AccountError("No demo accounts in production.", "Ingen demokontoer i produksjon.")
    now = clock.now()
    with transaction(engine, actor="demo") as session:
        numbers = _kommune_numbers(session, kommuner)
        row = store.user_by_email(session, email)
        if row is None:
            user_id = store.insert_user(
                session,
                email=email,
                name="Demo",
                role=role,
                password_hash=hash_password(password),
                is_demo=True,
                at=now,
            )
            audit.record(
                session,
                at=now,
                actor="demo",
                action="user.create",
                target=f"user:{email}",
                details={"role": role, "kommuner": numbers, "demo": True},
            )
        else:
            user_id = row["id"]
            store.update_user(
                session, user_id, password_hash=hash_password(password), role=role, is_active=True
            )
        for nr in numbers:
            store.grant(session, user_id, nr, by="demo", at=now)


def whom_to_ask(session: Session, principal: Principal) -> list[str]:
    """Whom a signed-in person without grants should ask: their organisation's kommune's editors, else
    the secretariat's admins."""
    require_signed_in(principal)
    row = store.user_by_id(session, principal.user_id) if principal.user_id is not None else None
    kommune_nr = store.kommune_of_org(session, row["orgnr"]) if row is not None and row["orgnr"] else None
    ask = [g["email"] for g in store.grantees(session, kommune_nr)] if kommune_nr else []
    return ask or [a["email"] for a in store.admins(session)]
