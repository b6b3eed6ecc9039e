"""Use cases of the one-door-in loop: an investor asks once, the region answers at once, every kommune's
reply is routed, timed and followed up (docs/inquiries.md).

    submit            anonymous: check, spam limits, match, route to kommuner + secretariat, e-mail all
    investor_view     the investor's private page (/i/{token}); reply, accept, useful, shortlist, close
    kommune_thread    a kommune's view of its own thread; respond (acknowledge / answer / correct facts)
    inbox             a kommune editor's threads with unread and overdue counts
    inquiry_for       the API's view: investor (token), secretariat (all) or a kommune (its thread only)

Times: the clock is injected; deadlines are working hours (`registry.workhours`) from the moment the
kommune was told, against the promise in its profile when the inquiry came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

import registry.services.inquiry_mail as compose
import registry.services.mail as mail_service
from registry.clock import Clock
from registry.db import transaction
from registry.services.access import (
    NotVisibleError,
    Principal,
    require_editor_of,
    require_signed_in,
)
from registry.services.matching import match_sites
from registry.services.site_edit import SiteInvalidError, confirm_axis_in, update_site_in
from registry.settings import AuthSettings, InquirySettings, MailSettings
from registry.store import accounts as accounts_store
from registry.store import inquiries as store
from registry.store import profiles as profiles_store
from registry.workhours import WorkingHours
from schemas.inquiry import HONEYPOT, CheckedInquiry, Requirements, validate_inquiry
from schemas.problems import FieldProblem, text_value
from schemas.profile import response_promise
from schemas.taxonomy import CONFIDENTIALITY, COORDINATION_STEP, THREAD_STATUS

ACTOR_INVESTOR = "investor"
MAX_BODY_CHARS = 8000
# Kommuner routed to when nothing matches but near misses do: they may hold the missing fact.
MAX_NEAR_MISS_KOMMUNER = 5
TOKEN_BYTES = 32
# Links to one address's list of inquiries e-mailed per hour at most (the form can be sent by anyone).
MAX_LIST_LINKS_PER_HOUR = 3


class InquiryInvalidError(ValueError):
    """The inquiry (or a reply) was refused; `problems` says what to fix, field by field."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message_en}" for p in self.problems))


class TooManyInquiriesError(Exception):
    """A spam limit: too many inquiries from one address, or too many open ones for one e-mail."""

    def __init__(self, message_no: str, message_en: str) -> None:
        self.message_no, self.message_en = message_no, message_en
        super().__init__(f"{message_en} / {message_no}")


class InquiryClosedError(Exception):
    """The inquiry is closed (or its personal data erased): nothing more can be added."""


@dataclass(frozen=True)
class Submitted:
    public_id: str
    token: str  # the investor's private link token, shown once
    link: str
    matches: dict[str, Any]
    routed: list[dict[str, Any]]


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def email_hash(email: str) -> str:
    """The stable hash of an address (lower-cased), used for limits, lists and the erasure log."""
    return sha256(email.strip().lower())


def working_hours(settings: InquirySettings) -> WorkingHours:
    return WorkingHours(
        start=dt.time.fromisoformat(settings.work_day_start),
        end=dt.time.fromisoformat(settings.work_day_end),
        timezone=settings.work_timezone,
    )


def local_date(moment: dt.datetime, settings: InquirySettings) -> dt.date:
    """The calendar day where the kommuner are."""
    return moment.astimezone(ZoneInfo(settings.work_timezone)).date()


def new_investor_link(session: Session, inquiry_id: int, auth: AuthSettings, now: dt.datetime) -> str:
    """A fresh private link to the inquiry for an e-mail to the investor (only its hash is stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.insert_token(session, inquiry_id, sha256(token), at=now)
    return investor_link(auth, token)


def _url(auth: AuthSettings, path: str) -> str:
    return auth.public_url.rstrip("/") + path


def investor_link(auth: AuthSettings, token: str) -> str:
    return _url(auth, f"/i/{token}")


def thread_link(auth: AuthSettings, public_id: Any, kommune_nr: str) -> str:
    return _url(auth, f"/my/{kommune_nr}/inbox/{public_id}")


def desk_link(auth: AuthSettings, public_id: Any | None = None) -> str:
    return _url(auth, f"/desk/{public_id}" if public_id else "/desk")


# --- recipients -----------------------------------------------------------------------------------------


def kommune_recipients(session: Session, kommune_nr: str) -> list[str]:
    """The kommune's one-door-in contacts with an e-mail address; its editors when it has none."""
    found = [c["email"] for c in profiles_store.contacts(session, kommune_nr) if c["email"]]
    if not found:
        found = [u["email"] for u in accounts_store.grantees(session, kommune_nr)]
    return list(dict.fromkeys(a.lower() for a in found))


def secretariat_recipients(session: Session, settings: InquirySettings) -> list[str]:
    if settings.secretariat_email:
        return [settings.secretariat_email]
    return [a["email"] for a in accounts_store.admins(session)]


# --- submitting ------------------------------------------------------------------------------------------


def _check_places(session: Session, req: Requirements) -> list[FieldProblem]:
    problems = []
    known = set(store.kommune_names(session))
    unknown = [k for k in req.kommuner if k not in known]
    if unknown:
        problems.append(
            FieldProblem(
                "kommuner",
                f"Ukjent kommunenummer: {', '.join(unknown)}.",
                f"Unknown kommune number: {', '.join(unknown)}.",
            )
        )
    councils = set(store.regionraad_names(session))
    bad = [r for r in req.regionraad if r not in councils]
    if bad:
        problems.append(
            FieldProblem(
                "regionraad",
                f"Ukjent regionråd: {', '.join(bad)}. Velg blant {', '.join(sorted(councils))}.",
                f"Unknown regional council: {', '.join(bad)}. Choose from {', '.join(sorted(councils))}.",
            )
        )
    if req.site_ids:
        published = set(store.published_site_ids(session, req.site_ids))
        missing = [str(i) for i in req.site_ids if i not in published]
        if missing:
            problems.append(
                FieldProblem(
                    "site_ids",
                    f"Fant ikke publisert område {', '.join(missing)}.",
                    f"No published site {', '.join(missing)}.",
                )
            )
    return problems


def _spam_limits(
    session: Session, checked: CheckedInquiry, addr_hash: str, settings: InquirySettings, now: dt.datetime
) -> None:
    since = now - dt.timedelta(minutes=settings.rate_window_minutes)
    if store.count_from_address(session, addr_hash, since=since) >= settings.rate_limit_per_address:
        raise TooManyInquiriesError(
            "For mange henvendelser fra samme sted på kort tid; prøv igjen om en time.",
            "Too many inquiries from the same place in a short time; try again in an hour.",
        )
    if (
        store.count_open_for_email(session, email_hash(checked.requester.email))
        >= settings.max_open_per_email
    ):
        raise TooManyInquiriesError(
            f"Du har allerede {settings.max_open_per_email} åpne henvendelser. Avslutt en av dem (lenken i "
            "e-posten), eller be om lenken til alle dine henvendelser.",
            f"You already have {settings.max_open_per_email} open inquiries. Close one of them (the link in "
            "the e-mail), or ask for the link to all your inquiries.",
        )


def _routing(
    result: Mapping[Any, Any], req: Requirements
) -> tuple[dict[str, set[str]], list[dict[str, Any]]]:
    """Which kommuner get a thread and why, and the inquiry's sites [{site_id, kommune_nr, kind, rank}]."""
    reasons: dict[str, set[str]] = {}
    rows: list[dict[str, Any]] = []
    for kind, key in (("chosen", "chosen"), ("match", "matches"), ("near_miss", "near_misses")):
        for rank, item in enumerate(result.get(key) or [], start=1):
            rows.append(
                {"site_id": item["site_id"], "kommune_nr": item["kommune_nr"], "kind": kind, "rank": rank}
            )
    for row in rows:
        if row["kind"] == "match":
            reasons.setdefault(row["kommune_nr"], set()).add("sites")
        elif row["kind"] == "chosen":
            reasons.setdefault(row["kommune_nr"], set()).add("choice")
    for nr in req.kommuner:
        reasons.setdefault(nr, set()).add("choice")
    if not reasons:
        near = [r["kommune_nr"] for r in rows if r["kind"] == "near_miss"]
        for nr in list(dict.fromkeys(near))[:MAX_NEAR_MISS_KOMMUNER]:
            reasons.setdefault(nr, set()).add("sites")
    # A site both chosen and matched is stored once, as chosen.
    seen: set[int] = set()
    unique = []
    for row in rows:
        if row["site_id"] not in seen:
            seen.add(row["site_id"])
            unique.append(row)
    return reasons, unique


def submit(
    engine: Engine,
    data: Mapping[Any, Any],
    *,
    client_addr: str,
    settings: InquirySettings,
    auth: AuthSettings,
    mail: MailSettings,
    clock: Clock,
    is_demo: bool = False,
) -> Submitted:
    """File an inquiry: checked, matched, routed and e-mailed in one transaction (mail sent after commit).

    Raises `InquiryInvalidError` (field problems, the honeypot included) or `TooManyInquiriesError`.
    """
    if text_value(data.get(HONEYPOT)) is not None:
        raise InquiryInvalidError(
            [
                FieldProblem(
                    HONEYPOT,
                    "Dette feltet skal stå tomt.",
                    "This field must be left empty.",
                )
            ]
        )
    now = clock.now()
    wh = working_hours(settings)
    today = local_date(now, settings)
    checked, problems = validate_inquiry(data, today=today)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction(engine, actor=ACTOR_INVESTOR) as session:
        if checked is not None:
            problems += _check_places(session, checked.requirements)
        if problems or checked is None:
            raise InquiryInvalidError(problems)
        addr_hash = sha256(client_addr)
        _spam_limits(session, checked, addr_hash, settings, now)
        req = checked.requirements
        result = match_sites(
            session, req, today=today, limit=settings.match_limit, near_miss_limit=settings.near_miss_limit
        ).to_json()
        reasons, site_rows = _routing(result, req)
        who = checked.requester
        inserted = store.insert_inquiry(
            session,
            {
                "created_at": now,
                "is_demo": is_demo,
                "requester_kind": who.kind,
                "organisation": who.organisation,
                "name": who.name,
                "email": who.email,
                "phone": who.phone,
                "client": who.client,
                "message": checked.message,
                "email_hash": email_hash(who.email),
                "client_addr_hash": addr_hash,
                "country": who.country,
                "sector": who.sector,
                "requirements": req.to_json(),
                "matches": result,
                "confidentiality": checked.confidentiality,
                "last_activity_at": now,
            },
        )
        inquiry_id, public_id = inserted["id"], inserted["public_id"]
        store.insert_token(session, inquiry_id, sha256(token), at=now)
        store.insert_sites(session, inquiry_id, site_rows)
        names = store.kommune_names(session)
        routed: list[dict[str, Any]] = []
        for nr in sorted(reasons, key=lambda n: names.get(n, n)):
            profile = profiles_store.get(session, nr)
            promised = (profile["response_hours"] if profile else None) or settings.default_response_hours
            due_at = wh.add(now, promised)
            remind_at = wh.add(now, promised * settings.reminder_share)
            store.insert_thread(
                session,
                {
                    "inquiry_id": inquiry_id,
                    "kommune_nr": nr,
                    "routed_for_sites": "sites" in reasons[nr],
                    "routed_by_choice": "choice" in reasons[nr],
                    "promised_hours": promised,
                    "notified_at": now,
                    "remind_at": remind_at,
                    "due_at": due_at,
                },
            )
            own_sites = [
                s["name"]
                for s in result.get("chosen", []) + result.get("matches", [])
                if s["kommune_nr"] == nr
            ]
            for address in kommune_recipients(session, nr):
                mail_service.queue(
                    session,
                    compose.to_kommune(
                        to=address,
                        kommune_name=names.get(nr, nr),
                        req=req,
                        sector=who.sector,
                        site_names=list(dict.fromkeys(own_sites)),
                        due_at=due_at,
                        promised=response_promise(promised) or {"no": "—", "en": "—"},
                        link=thread_link(auth, public_id, nr),
                    ),
                    clock=clock,
                )
            routed.append(
                {
                    "kommune_nr": nr,
                    "kommune_name": names.get(nr, nr),
                    "due_at": due_at,
                    "promised_hours": promised,
                }
            )
        for address in secretariat_recipients(session, settings):
            mail_service.queue(
                session,
                compose.to_secretariat(
                    to=address,
                    req=req,
                    kommuner=[r["kommune_name"] for r in routed],
                    matches=len(result.get("matches", [])),
                    link=desk_link(auth, public_id),
                ),
                clock=clock,
            )
        link = investor_link(auth, token)
        mail_service.queue(
            session,
            compose.to_investor(
                to=who.email,
                name=who.name,
                matches=len(result.get("matches", [])),
                near=len(result.get("near_misses", [])),
                kommuner=[r["kommune_name"] for r in routed],
                link=link,
            ),
            clock=clock,
        )
    mail_service.deliver(engine, mail, clock)
    return Submitted(public_id=str(public_id), token=token, link=link, matches=result, routed=routed)


# --- views -----------------------------------------------------------------------------------------------


def _state(thread: Mapping[Any, Any], now: dt.datetime) -> dict[str, Any]:
    """A thread's status words and flags."""
    waiting = thread["first_response_at"] is None and thread["inquiry_status"] == "open"
    return {
        "status": thread["status"],
        "status_no": THREAD_STATUS.label(thread["status"], "no"),
        "status_en": THREAD_STATUS.label(thread["status"], "en"),
        "waiting": waiting,
        "overdue": waiting and thread["due_at"] < now,
        "answered_late": thread["first_response_at"] is not None
        and thread["first_response_at"] > thread["due_at"],
    }


def _thread(thread: Mapping[Any, Any], now: dt.datetime) -> dict[str, Any]:
    return {
        "kommune_nr": thread["kommune_nr"],
        "kommune_name": thread["kommune_name"],
        "regionraad": thread["regionraad"],
        "routed_for_sites": thread["routed_for_sites"],
        "routed_by_choice": thread["routed_by_choice"],
        "promised_hours": thread["promised_hours"],
        "promise": response_promise(thread["promised_hours"]),
        "notified_at": thread["notified_at"],
        "remind_at": thread["remind_at"],
        "due_at": thread["due_at"],
        "first_response_at": thread["first_response_at"],
        "first_response_hours": thread["first_response_hours"],
        "answered_at": thread["answered_at"],
        "reminded_at": thread["reminded_at"],
        "escalated_at": thread["escalated_at"],
        "identity_shared": thread["identity_shared"],
        "useful": thread["useful"],
        "coordination": [
            {
                "step": code,
                "label_no": COORDINATION_STEP.label(code, "no"),
                "label_en": COORDINATION_STEP.label(code, "en"),
                "date": thread["coordination"][code],
            }
            for code in COORDINATION_STEP.codes
            if code in thread["coordination"]
        ],
        **_state(thread, now),
    }


def _message(m: Mapping[Any, Any], *, show_author: bool) -> dict[str, Any]:
    return {
        "id": m["id"],
        "kommune_nr": m["kommune_nr"],
        "at": m["at"],
        "author_kind": m["author_kind"],
        "author": m["author"] if show_author else None,
        "kind": m["kind"],
        "body": m["body"],
        "site_facts": m["site_facts"],
        "coordination": m["coordination"],
    }


def _requester(inquiry: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "kind": inquiry["requester_kind"],
        "organisation": inquiry["organisation"],
        "name": inquiry["name"],
        "email": inquiry["email"],
        "phone": inquiry["phone"],
        "country": inquiry["country"],
        "client": inquiry["client"],
        "sector": inquiry["sector"],
    }


def _base(inquiry: Mapping[Any, Any]) -> dict[str, Any]:
    code = inquiry["confidentiality"]
    return {
        "id": str(inquiry["public_id"]),
        "created_at": inquiry["created_at"],
        "is_demo": inquiry["is_demo"],
        "status": inquiry["status"],
        "closed_at": inquiry["closed_at"],
        "erased": inquiry["erased_at"] is not None,
        "confidentiality": {
            "code": code,
            "label_no": CONFIDENTIALITY.label(code, "no"),
            "label_en": CONFIDENTIALITY.label(code, "en"),
        },
        "sector": inquiry["sector"],
        "country": inquiry["country"],
        "requirements": inquiry["requirements"],
        "summary": dict(
            zip(
                ("no", "en"),
                compose.needs_summary(Requirements.from_json(inquiry["requirements"])),
                strict=True,
            )
        ),
    }


def _sites(
    session: Session, inquiry: Mapping[Any, Any], *, kommune_nr: str | None = None
) -> list[dict[str, Any]]:
    """The inquiry's sites with their verdicts as matched (the instant answer) and whether shortlisted."""
    verdicts: dict[int, dict[str, Any]] = {}
    for key in ("chosen", "matches", "near_misses"):
        for item in (inquiry["matches"] or {}).get(key) or []:
            verdicts.setdefault(item["site_id"], item)
    out = []
    for row in store.sites(session, inquiry["id"], kommune_nr=kommune_nr):
        item = dict(verdicts.get(row["site_id"], {}))
        item.update(
            site_id=row["site_id"],
            name=row["name"],
            kommune_nr=row["kommune_nr"],
            kommune_name=row["kommune_name"],
            kind=row["kind"],
            rank=row["rank"],
            shortlisted=row["shortlisted"],
            published=row["site_status"] == "published",
            is_demo=row["is_demo"],
        )
        out.append(item)
    return out


def _full(
    session: Session, inquiry: Mapping[Any, Any], now: dt.datetime, *, with_requester: bool
) -> dict[str, Any]:
    view = _base(inquiry)
    threads = store.threads(session, inquiry["id"])
    messages = store.messages(session, inquiry["id"])
    view["threads"] = [
        {
            **_thread(t, now),
            "messages": [_message(m, show_author=True) for m in messages if m["thread_id"] == t["id"]],
        }
        for t in threads
    ]
    view["sites"] = _sites(session, inquiry)
    view["message"] = inquiry["message"]
    view["requester"] = _requester(inquiry) if with_requester else None
    return view


def _inquiry_by_token(session: Session, token: str, *, lock: bool = False) -> Mapping[Any, Any]:
    found = store.inquiry_by_token(session, sha256(token), lock=lock) if token else None
    if found is None:
        raise NotVisibleError("Not found. / Ikke funnet.")
    return found


def investor_view(session: Session, token: str, *, clock: Clock) -> dict[str, Any]:
    """The investor's private page: everything about its inquiry (unknown token: NotVisibleError)."""
    inquiry = _inquiry_by_token(session, token)
    return _full(session, inquiry, clock.now(), with_requester=True)


def identity_visible(inquiry: Mapping[Any, Any], thread: Mapping[Any, Any]) -> bool:
    """May this kommune see who is asking? (the investor's confidentiality choice)"""
    code = inquiry["confidentiality"]
    return code == "open" or (code == "on_accept" and bool(thread["identity_shared"]))


# A UUID as PostgreSQL reads it: 32 hex digits, hyphens only between the groups. (uuid.UUID is laxer: it
# drops every hyphen, so "0…0-" passed here and failed in the query with a 500.)
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


def _uuid_ok(value: str) -> bool:
    return _UUID.fullmatch(str(value)) is not None


def _inquiry(session: Session, public_id: str, *, lock: bool = False) -> Mapping[Any, Any] | None:
    """The inquiry with this public id, or None (for anything that is not a UUID too)."""
    return store.inquiry_by_public_id(session, public_id, lock=lock) if _uuid_ok(public_id) else None


def _inquiry_and_thread(
    session: Session, public_id: str, kommune_nr: str, *, lock: bool = False
) -> tuple[Mapping[Any, Any], Mapping[Any, Any]]:
    """The inquiry and the kommune's thread of it; NotVisibleError (404) when either is missing."""
    inquiry = _inquiry(session, public_id, lock=lock)
    thread = store.thread(session, inquiry["id"], kommune_nr, lock=lock) if inquiry else None
    if inquiry is None or thread is None:
        raise NotVisibleError("Not found. / Ikke funnet.")
    return inquiry, thread


def kommune_thread(
    session: Session, principal: Principal, public_id: str, kommune_nr: str, *, clock: Clock
) -> dict[str, Any]:
    """A kommune's view of its thread: the requirements, its own sites, its messages and — if the
    investor allows it — who is asking. Another kommune's thread is NotVisibleError (404)."""
    require_editor_of(principal, kommune_nr, hidden=True)
    inquiry, thread = _inquiry_and_thread(session, public_id, kommune_nr)
    now = clock.now()
    view = _base(inquiry)
    view["thread"] = _thread(thread, now)
    view["messages"] = [
        _message(m, show_author=True) for m in store.messages(session, inquiry["id"], thread_id=thread["id"])
    ]
    view["sites"] = _sites(session, inquiry, kommune_nr=kommune_nr)
    shown = identity_visible(inquiry, thread)
    view["identity_visible"] = shown
    view["requester"] = _requester(inquiry) if shown else None
    # The free text is part of the need: every kommune reads it (the form says so, so an investor who asks
    # to stay unknown keeps names out of it).
    view["message"] = inquiry["message"]
    return view


def inquiry_for(
    session: Session, principal: Principal, public_id: str, *, token: str | None, clock: Clock
) -> dict[str, Any]:
    """GET /api/v1/inquiries/{id}: the investor (its token), the secretariat (everything), or a kommune
    editor (its own thread only); anyone else NotVisibleError (404)."""
    now = clock.now()
    if token:
        own = store.inquiry_by_token(session, sha256(token))
        if own is not None and str(own["public_id"]) == str(public_id):
            return _full(session, own, now, with_requester=True)
        raise NotVisibleError("Not found. / Ikke funnet.")
    inquiry = _inquiry(session, public_id)
    if inquiry is None or principal.is_anonymous:
        raise NotVisibleError("Not found. / Ikke funnet.")
    if principal.is_admin:
        return _full(session, inquiry, now, with_requester=True)
    mine = [t for t in store.threads(session, inquiry["id"]) if t["kommune_nr"] in principal.kommuner]
    if not mine:
        raise NotVisibleError("Not found. / Ikke funnet.")
    return kommune_thread(session, principal, public_id, mine[0]["kommune_nr"], clock=clock)


def _inbox_places(principal: Principal, kommune_nr: str | None) -> list[str]:
    require_signed_in(principal)
    if kommune_nr is not None:
        require_editor_of(principal, kommune_nr)
        return [kommune_nr]
    return sorted(principal.kommuner)


def inbox_counts(session: Session, principal: Principal, kommune_nr: str, *, clock: Clock) -> dict[str, int]:
    """How many threads a kommune has in all, unread, waiting for a first response and overdue."""
    counts = store.inbox_counts(session, _inbox_places(principal, kommune_nr), now=clock.now())
    return {k: int(v) for k, v in counts.items()}


def inbox(
    session: Session,
    principal: Principal,
    *,
    kommune_nr: str | None = None,
    clock: Clock,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A kommune editor's threads (one kommune, or all it has a grant for) with counts."""
    places = _inbox_places(principal, kommune_nr)
    now = clock.now()
    rows = store.inbox(session, places, limit=limit, offset=offset)
    counts = store.inbox_counts(session, places, now=now)
    items = []
    for t in rows:
        unread = t["kommune_read_at"] is None or (
            t["last_incoming_at"] is not None and t["last_incoming_at"] > t["kommune_read_at"]
        )
        items.append(
            {
                "id": str(t["public_id"]),
                "created_at": t["inquiry_created_at"],
                "is_demo": t["is_demo"],
                "inquiry_status": t["inquiry_status"],
                "sector": t["sector"],
                "country": t["country"],
                "site_count": t["site_count"],
                "unread": unread,
                "summary": dict(
                    zip(
                        ("no", "en"),
                        compose.needs_summary(Requirements.from_json(t["requirements"])),
                        strict=True,
                    )
                ),
                **_thread(t, now),
            }
        )
    return {"kommuner": places, "threads": items, **{k: int(v) for k, v in counts.items()}}


# --- the kommune responds --------------------------------------------------------------------------------


def _coordination(
    values: Mapping[Any, Any] | None, today: dt.date
) -> tuple[dict[str, str], list[FieldProblem]]:
    out, problems = {}, []
    for code, raw in (values or {}).items():
        if code not in COORDINATION_STEP:
            problems.append(
                FieldProblem(
                    f"coordination.{code}",
                    f"Ukjent steg; bruk {', '.join(COORDINATION_STEP.codes)}.",
                    f"Unknown step; use {', '.join(COORDINATION_STEP.codes)}.",
                )
            )
            continue
        value = text_value(raw)
        if value is None:
            continue
        if value in ("true", "on", "1", "yes"):
            out[code] = today.isoformat()
            continue
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            problems.append(
                FieldProblem(
                    f"coordination.{code}", "Skriv en dato (ÅÅÅÅ-MM-DD).", "Write a date (YYYY-MM-DD)."
                )
            )
            continue
        if code != "meeting" and day > today:
            problems.append(
                FieldProblem(
                    f"coordination.{code}",
                    "Kontakt som er tatt, har en dato som ikke er i framtiden.",
                    "Contact already made has a date that is not in the future.",
                )
            )
            continue
        out[code] = day.isoformat()
    return out, problems


def respond(
    engine: Engine,
    principal: Principal,
    public_id: str,
    kommune_nr: str,
    *,
    body: str | None = None,
    confirm: Mapping[int, Sequence[str]] | None = None,
    corrections: Mapping[int, Mapping[Any, Any]] | None = None,
    coordination: Mapping[Any, Any] | None = None,
    settings: InquirySettings,
    auth: AuthSettings,
    mail: MailSettings,
    clock: Clock,
) -> dict[str, Any]:
    """A kommune editor acknowledges (the first response, when nothing else is given) or answers: a
    message, per site facts confirmed ("still correct", by axis) or corrected (the normal validated site
    edit, with its history), and the coordination steps taken. One transaction: a refused correction
    writes nothing. Returns the thread as the kommune sees it."""
    require_editor_of(principal, kommune_nr, hidden=True)
    now = clock.now()
    wh = working_hours(settings)
    today = local_date(now, settings)
    body = text_value(body)
    problems: list[FieldProblem] = []
    if body is not None and len(body) > MAX_BODY_CHARS:
        problems.append(
            FieldProblem("body", f"Høyst {MAX_BODY_CHARS} tegn.", f"At most {MAX_BODY_CHARS} characters.")
        )
    steps, step_problems = _coordination(coordination, today)
    problems += step_problems
    if problems:
        raise InquiryInvalidError(problems)
    with transaction(engine, actor=principal.actor) as session:
        inquiry, thread = _inquiry_and_thread(session, public_id, kommune_nr, lock=True)
        if inquiry["status"] != "open":
            raise InquiryClosedError("The inquiry is closed. / Henvendelsen er avsluttet.")
        own_sites = {s["site_id"] for s in store.sites(session, inquiry["id"], kommune_nr=kommune_nr)}
        facts: list[dict[str, Any]] = []
        for site_id in sorted(set(confirm or {}) | set(corrections or {})):
            if site_id not in own_sites:
                raise InquiryInvalidError(
                    [
                        FieldProblem(
                            f"sites.{site_id}",
                            "Området hører ikke til denne henvendelsen.",
                            "The site is not part of this inquiry.",
                        )
                    ]
                )
            confirmed = []
            for axis in (confirm or {}).get(site_id, ()):
                confirm_axis_in(session, principal, site_id, axis, clock=clock)
                confirmed.append(axis)
            changed: tuple[str, ...] = ()
            correction = (corrections or {}).get(site_id)
            if correction:
                try:
                    changed = update_site_in(session, principal, site_id, correction, clock=clock).changed
                except SiteInvalidError as exc:
                    raise InquiryInvalidError(
                        [
                            FieldProblem(f"sites.{site_id}.{i.field}", i.message_no, i.message_en)
                            for i in exc.errors
                        ]
                    ) from exc
            facts.append({"site_id": site_id, "confirmed": confirmed, "corrected": list(changed)})
        answered = body is not None or bool(facts) or bool(steps)
        kind = "answer" if answered else "acknowledge"
        store.insert_message(
            session,
            {
                "inquiry_id": inquiry["id"],
                "thread_id": thread["id"],
                "at": now,
                "author_kind": "kommune",
                "author": principal.actor,
                "kind": kind,
                "body": body,
                "site_facts": facts,
                "coordination": steps,
            },
        )
        update: dict[str, Any] = {"kommune_read_at": now}
        if thread["first_response_at"] is None:
            update.update(
                first_response_at=now,
                first_response_by=principal.actor,
                first_response_hours=round(wh.between(thread["notified_at"], now), 4),
            )
        if answered:
            update["answered_at"] = thread["answered_at"] or now
            update["status"] = "answered"
        elif thread["status"] == "new":
            update["status"] = "acknowledged"
        if steps:
            update["coordination"] = {**thread["coordination"], **steps}
        store.update_thread(session, thread["id"], update)
        store.update_inquiry(session, inquiry["id"], {"last_activity_at": now})
        if inquiry["email"]:
            mail_service.queue(
                session,
                compose.reply_to_investor(
                    to=inquiry["email"],
                    kommune_name=thread["kommune_name"],
                    kind=kind,
                    link=new_investor_link(session, inquiry["id"], auth, now),
                ),
                clock=clock,
            )
    mail_service.deliver(engine, mail, clock)
    with transaction(engine, actor=principal.actor) as session:
        return kommune_thread(session, principal, public_id, kommune_nr, clock=clock)


def mark_read(engine: Engine, principal: Principal, public_id: str, kommune_nr: str, *, clock: Clock) -> None:
    require_editor_of(principal, kommune_nr, hidden=True)
    with transaction(engine, actor=principal.actor) as session:
        _, thread = _inquiry_and_thread(session, public_id, kommune_nr)
        store.update_thread(session, thread["id"], {"kommune_read_at": clock.now()})


# --- the investor acts -----------------------------------------------------------------------------------


def _investor_thread(session: Session, inquiry: Mapping[Any, Any], kommune_nr: str) -> Mapping[Any, Any]:
    thread = store.thread(session, inquiry["id"], kommune_nr, lock=True)
    if thread is None:
        raise InquiryInvalidError(
            [
                FieldProblem(
                    "kommune_nr",
                    "Henvendelsen gikk ikke til denne kommunen.",
                    "The inquiry did not go to this kommune.",
                )
            ]
        )
    return thread


def _investor_message(
    session: Session, thread: Mapping[Any, Any], *, kind: str, body: str | None, at: dt.datetime
) -> None:
    store.insert_message(
        session,
        {
            "inquiry_id": thread["inquiry_id"],
            "thread_id": thread["id"],
            "at": at,
            "author_kind": "investor",
            "author": ACTOR_INVESTOR,
            "kind": kind,
            "body": body,
        },
    )


def investor_act(
    engine: Engine,
    token: str,
    action: str,
    *,
    kommune_nr: str | None = None,
    site_id: int | None = None,
    body: str | None = None,
    value: bool = True,
    auth: AuthSettings,
    mail: MailSettings,
    clock: Clock,
) -> None:
    """What the investor does on its private page: `reply` (to one kommune), `accept` (that kommune may
    now see who asks, when the choice was "on_accept"), `useful` (mark a kommune's answer), `shortlist`
    (a site, on or off) and `close` (the whole inquiry)."""
    now = clock.now()
    body = text_value(body)
    with transaction(engine, actor=ACTOR_INVESTOR) as session:
        inquiry = _inquiry_by_token(session, token, lock=True)
        if inquiry["status"] != "open" and action != "shortlist":
            raise InquiryClosedError("The inquiry is closed. / Henvendelsen er avsluttet.")
        if action == "close":
            store.update_inquiry(
                session, inquiry["id"], {"status": "closed", "closed_at": now, "last_activity_at": now}
            )
            # A thread that never got its first response keeps "new": it was not answered (the desk counts
            # it so).
            for t in store.threads(session, inquiry["id"]):
                if t["first_response_at"] is not None:
                    store.update_thread(session, t["id"], {"status": "closed"})
            return
        if action == "shortlist":
            if site_id is None or not store.set_shortlisted(session, inquiry["id"], site_id, value):
                raise InquiryInvalidError(
                    [
                        FieldProblem(
                            "site_id",
                            "Området hører ikke til henvendelsen.",
                            "The site is not part of the inquiry.",
                        )
                    ]
                )
            return
        if kommune_nr is None:
            raise InquiryInvalidError([FieldProblem("kommune_nr", "Velg kommune.", "Choose a kommune.")])
        thread = _investor_thread(session, inquiry, kommune_nr)
        if action == "reply":
            if body is None or len(body) > MAX_BODY_CHARS:
                raise InquiryInvalidError(
                    [
                        FieldProblem(
                            "body",
                            f"Skriv en melding (høyst {MAX_BODY_CHARS} tegn).",
                            f"Write a message (at most {MAX_BODY_CHARS} characters).",
                        )
                    ]
                )
            _investor_message(session, thread, kind="message", body=body, at=now)
            for address in kommune_recipients(session, kommune_nr):
                mail_service.queue(
                    session,
                    compose.investor_message_to_kommune(
                        to=address,
                        kommune_name=thread["kommune_name"],
                        link=thread_link(auth, inquiry["public_id"], kommune_nr),
                    ),
                    clock=clock,
                )
        elif action == "accept":
            store.update_thread(session, thread["id"], {"identity_shared": True})
            _investor_message(session, thread, kind="accept", body=None, at=now)
        elif action == "useful":
            store.update_thread(session, thread["id"], {"useful": value})
        else:
            raise ValueError(f"unknown action {action!r}")
        store.update_inquiry(session, inquiry["id"], {"last_activity_at": now})
    mail_service.deliver(engine, mail, clock)


def request_requester_link(
    engine: Engine,
    email: str,
    *,
    settings: InquirySettings,
    auth: AuthSettings,
    mail: MailSettings,
    clock: Clock,
) -> None:
    """E-mail a private link listing every inquiry sent from `email` (if any). The answer is the same
    whether or not there are any, so nobody learns who has asked."""
    address = (text_value(email) or "").lower()
    if not address:
        raise InquiryInvalidError([FieldProblem("email", "Fyll inn e-post.", "Fill in e-mail.")])
    hashed = email_hash(address)
    now = clock.now()
    with transaction(engine, actor=ACTOR_INVESTOR) as session:
        found = store.inquiries_for_email_hash(session, hashed)
        since = now - dt.timedelta(hours=1)
        if not found or store.count_requester_links(session, hashed, since=since) >= MAX_LIST_LINKS_PER_HOUR:
            return  # the same answer: nobody learns whether the address has asked, or floods it
        token = secrets.token_urlsafe(TOKEN_BYTES)
        store.insert_requester_link(
            session,
            token_hash=sha256(token),
            email_hash=hashed,
            at=now,
            expires_at=now + dt.timedelta(days=settings.requester_link_days),
        )
        mail_service.queue(
            session,
            compose.requester_link(
                to=address,
                count=len(found),
                link=_url(auth, f"/i/all/{token}"),
                days=settings.requester_link_days,
            ),
            clock=clock,
        )
    mail_service.deliver(engine, mail, clock)


def requester_inquiries(session: Session, token: str, *, clock: Clock) -> list[dict[str, Any]]:
    """Every inquiry of the address a requester link was made for (unknown or expired: NotVisibleError)."""
    hashed = store.requester_link(session, sha256(token), at=clock.now()) if token else None
    if hashed is None:
        raise NotVisibleError("Not found. / Ikke funnet.")
    now = clock.now()
    return [
        _full(session, i, now, with_requester=True) for i in store.inquiries_for_email_hash(session, hashed)
    ]
