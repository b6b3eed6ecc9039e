"""Use cases: read a kommune's one-door-in profile, and let the kommune edit it ("Min kommune").

Every edit is checked field by field (`validate_profile`, bilingual messages), written in one
transaction with its audit event (who, when, the profile before and after), and sets the profile's
verification date to the day of the edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from registry.clock import Clock
from registry.db import transaction
from registry.services.access import Principal, require_editor_of
from registry.services.versions import check as check_version
from registry.services.versions import digest
from registry.store import audit as audit_store
from registry.store import profiles as store
from schemas.problems import (
    EMAIL,
    FieldProblem,
    integer_value,
    number_value,
    phone_ok,
    text_value,
    too_long,
)
from schemas.profile import (
    FIGURE_YEAR_MIN,
    MAX_CLUSTERS,
    MAX_CONTACTS,
    MAX_EMAIL_CHARS,
    MAX_FIGURES,
    MAX_LONG_TEXT_CHARS,
    MAX_RESPONSE_HOURS,
    MAX_SHORT_TEXT_CHARS,
    MAX_UNIT_CHARS,
    PHONE_DIGITS_MAX,
    PHONE_DIGITS_MIN,
    WORKING_DAY_HOURS,
    is_complete,
    response_promise,
)

__all__ = [
    "AUDIT_ACTION",
    "ContactInput",
    "FieldProblem",
    "KommuneNotFoundError",
    "LabourFigureInput",
    "ProfileInput",
    "ProfileInvalidError",
    "audit_target",
    "get_profile",
    "profile_changes",
    "update_profile",
    "validate_profile",
]

AUDIT_ACTION = "profile.update"
# The profile's verification date is the day of the edit where the kommuner are.
LOCAL_TIMEZONE = ZoneInfo("Europe/Oslo")

_LONG_TEXTS = ("pitch_no", "pitch_en", "competence_no", "competence_en")
_LONG_TEXT_NAMES = {
    "pitch_no": ("Hva kan vi tilby? (norsk)", "What can we offer? (Norwegian)"),
    "pitch_en": ("Hva kan vi tilby? (engelsk)", "What can we offer? (English)"),
    "competence_no": ("Kompetanse og arbeidskraft (norsk)", "Competence and labour (Norwegian)"),
    "competence_en": ("Kompetanse og arbeidskraft (engelsk)", "Competence and labour (English)"),
}


class KommuneNotFoundError(LookupError):
    """No kommune with that number."""


class ProfileInvalidError(ValueError):
    """The edit was refused; `problems` says what to fix, field by field."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message_en}" for p in self.problems))


@dataclass
class ContactInput:
    name: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class LabourFigureInput:
    """A figure as given: the value and year may be text from a form ("12 500", "3,5", "2024")."""

    label_no: str | None = None
    label_en: str | None = None
    value: float | int | str | None = None
    unit: str | None = None
    source: str | None = None
    year: int | str | None = None


@dataclass
class ProfileInput:
    """A whole profile as the kommune submits it (every field; what is left out is emptied)."""

    contacts: list[ContactInput] = field(default_factory=list)
    response_hours: int | str | None = None
    pitch_no: str | None = None
    pitch_en: str | None = None
    competence_no: str | None = None
    competence_en: str | None = None
    labour_figures: list[LabourFigureInput] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ProfileInput:
        """Read a profile from JSON-like data (unknown keys are ignored)."""

        def pick(item: Any, keys: Sequence[str]) -> dict[str, Any]:
            return {k: item.get(k) for k in keys} if isinstance(item, Mapping) else {}

        return cls(
            contacts=[
                ContactInput(**pick(c, ("name", "role", "email", "phone")))
                for c in data.get("contacts") or []
            ],
            response_hours=data.get("response_hours"),
            **{k: data.get(k) for k in _LONG_TEXTS},
            labour_figures=[
                LabourFigureInput(**pick(f, ("label_no", "label_en", "value", "unit", "source", "year")))
                for f in data.get("labour_figures") or []
            ],
            clusters=[str(c) if c is not None else "" for c in data.get("clusters") or []],
        )


# --- checking an edit --------------------------------------------------------------------------------------


def _check_contact(i: int, c: ContactInput) -> list[FieldProblem]:
    at = f"contacts[{i}]"
    problems = []
    name, role = text_value(c.name), text_value(c.role)
    email, phone = text_value(c.email), text_value(c.phone)
    if name is None:
        problems.append(FieldProblem(f"{at}.name", "Kontakten trenger et navn.", "The contact needs a name."))
    elif len(name) > MAX_SHORT_TEXT_CHARS:
        problems.append(too_long(f"{at}.name", MAX_SHORT_TEXT_CHARS, ("Navnet", "The name")))
    if role is not None and len(role) > MAX_SHORT_TEXT_CHARS:
        problems.append(too_long(f"{at}.role", MAX_SHORT_TEXT_CHARS, ("Rollen", "The role")))
    if email is None and phone is None:
        problems.append(
            FieldProblem(
                f"{at}.email",
                "Oppgi e-post eller telefon, så investorer kan nå kontakten.",
                "Give an e-mail address or a phone number, so investors can reach the contact.",
            )
        )
    if email is not None:
        if len(email) > MAX_EMAIL_CHARS:
            problems.append(
                too_long(f"{at}.email", MAX_EMAIL_CHARS, ("E-postadressen", "The e-mail address"))
            )
        elif not EMAIL.fullmatch(email):
            problems.append(
                FieldProblem(
                    f"{at}.email",
                    f"«{email}» ser ikke ut som en e-postadresse (navn@kommune.no).",
                    f"“{email}” does not look like an e-mail address (name@kommune.no).",
                )
            )
    if phone is not None and not phone_ok(phone):
        problems.append(
            FieldProblem(
                f"{at}.phone",
                f"Telefonnummeret skal ha {PHONE_DIGITS_MIN}–{PHONE_DIGITS_MAX} sifre, gjerne med + og "
                "mellomrom (f.eks. +47 22 00 00 00).",
                f"The phone number needs {PHONE_DIGITS_MIN}–{PHONE_DIGITS_MAX} digits, + and spaces "
                "allowed (e.g. +47 22 00 00 00).",
            )
        )
    return problems


def _check_figure(i: int, f: LabourFigureInput, today: dt.date) -> list[FieldProblem]:
    at = f"labour_figures[{i}]"
    problems = []
    label_no, label_en = text_value(f.label_no), text_value(f.label_en)
    if label_no is None and label_en is None:
        problems.append(
            FieldProblem(
                f"{at}.label_no",
                "Tallet trenger en betegnelse (hva tallet viser).",
                "The figure needs a label (what it counts).",
            )
        )
    for key, value in (("label_no", label_no), ("label_en", label_en)):
        if value is not None and len(value) > MAX_SHORT_TEXT_CHARS:
            problems.append(too_long(f"{at}.{key}", MAX_SHORT_TEXT_CHARS, ("Betegnelsen", "The label")))
    if number_value(f.value) is None:
        problems.append(
            FieldProblem(
                f"{at}.value",
                "Verdien må være et tall (f.eks. 12 500 eller 3,5).",
                "The value must be a number (e.g. 12500 or 3.5).",
            )
        )
    unit = text_value(f.unit)
    if unit is not None and len(unit) > MAX_UNIT_CHARS:
        problems.append(too_long(f"{at}.unit", MAX_UNIT_CHARS, ("Enheten", "The unit")))
    source = text_value(f.source)
    if source is None:
        problems.append(
            FieldProblem(
                f"{at}.source",
                "Oppgi kilden til tallet (f.eks. SSB, tabell 07984).",
                "Give the figure's source (e.g. Statistics Norway, table 07984).",
            )
        )
    elif len(source) > MAX_SHORT_TEXT_CHARS:
        problems.append(too_long(f"{at}.source", MAX_SHORT_TEXT_CHARS, ("Kilden", "The source")))
    year, last = integer_value(f.year), today.year + 1
    if year is None or not FIGURE_YEAR_MIN <= year <= last:
        problems.append(
            FieldProblem(
                f"{at}.year",
                f"Oppgi årstallet tallet gjelder, mellom {FIGURE_YEAR_MIN} og {last}.",
                f"Give the year the figure is for, between {FIGURE_YEAR_MIN} and {last}.",
            )
        )
    return problems


def validate_profile(data: ProfileInput | Mapping[str, Any], *, today: dt.date) -> list[FieldProblem]:
    """Everything wrong with a profile edit, field by field (empty: it may be saved).

    `today` bounds a figure's year (at most next year: budgets and plans give figures ahead).
    """
    profile = data if isinstance(data, ProfileInput) else ProfileInput.from_mapping(data)
    problems: list[FieldProblem] = []
    if len(profile.contacts) > MAX_CONTACTS:
        problems.append(
            FieldProblem("contacts", f"Høyst {MAX_CONTACTS} kontakter.", f"At most {MAX_CONTACTS} contacts.")
        )
    for i, contact in enumerate(profile.contacts):
        problems.extend(_check_contact(i, contact))

    if profile.response_hours is not None and text_value(str(profile.response_hours)) is not None:
        hours = integer_value(profile.response_hours)
        if hours is None or not 1 <= hours <= MAX_RESPONSE_HOURS:
            problems.append(
                FieldProblem(
                    "response_hours",
                    f"Svartiden oppgis i hele arbeidstimer, fra 1 til {MAX_RESPONSE_HOURS} "
                    f"(én arbeidsdag er {WORKING_DAY_HOURS} timer).",
                    f"The response time is given in whole working hours, from 1 to {MAX_RESPONSE_HOURS} "
                    f"(one working day is {WORKING_DAY_HOURS} hours).",
                )
            )

    for key in _LONG_TEXTS:
        value = text_value(getattr(profile, key))
        if value is not None and len(value) > MAX_LONG_TEXT_CHARS:
            problems.append(too_long(key, MAX_LONG_TEXT_CHARS, _LONG_TEXT_NAMES[key]))

    if len(profile.labour_figures) > MAX_FIGURES:
        problems.append(
            FieldProblem("labour_figures", f"Høyst {MAX_FIGURES} tall.", f"At most {MAX_FIGURES} figures.")
        )
    for i, figure in enumerate(profile.labour_figures):
        problems.extend(_check_figure(i, figure, today))

    if len(profile.clusters) > MAX_CLUSTERS:
        problems.append(
            FieldProblem("clusters", f"Høyst {MAX_CLUSTERS} klynger.", f"At most {MAX_CLUSTERS} clusters.")
        )
    seen: set[str] = set()
    for i, name in enumerate(profile.clusters):
        cluster = text_value(name)
        if cluster is None:
            problems.append(
                FieldProblem(f"clusters[{i}]", "Klyngen trenger et navn.", "The cluster needs a name.")
            )
        elif len(cluster) > MAX_SHORT_TEXT_CHARS:
            problems.append(
                too_long(f"clusters[{i}]", MAX_SHORT_TEXT_CHARS, ("Klyngenavnet", "The cluster name"))
            )
        elif cluster.casefold() in seen:
            problems.append(
                FieldProblem(
                    f"clusters[{i}]",
                    f"Klyngen «{cluster}» står der allerede.",
                    f"The cluster “{cluster}” is listed already.",
                )
            )
        else:
            seen.add(cluster.casefold())
    return problems


def _normalised(profile: ProfileInput) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The contacts and fields of a valid profile as stored: text trimmed, numbers as numbers."""
    contacts = [
        {k: text_value(getattr(c, k)) for k in ("name", "role", "email", "phone")} for c in profile.contacts
    ]
    hours = text_value(str(profile.response_hours)) if profile.response_hours is not None else None
    fields: dict[str, Any] = {
        "response_hours": integer_value(hours) if hours is not None else None,
        **{k: text_value(getattr(profile, k)) for k in _LONG_TEXTS},
        "labour_figures": [
            {
                "label_no": text_value(f.label_no),
                "label_en": text_value(f.label_en),
                "value": number_value(f.value),
                "unit": text_value(f.unit),
                "source": text_value(f.source),
                "year": integer_value(f.year),
            }
            for f in profile.labour_figures
        ],
        "clusters": [c for c in (text_value(n) for n in profile.clusters) if c is not None],
    }
    return contacts, fields


# --- reading -----------------------------------------------------------------------------------------------


def _read(conn: Session | Connection, kommune_nr: str, *, clusters: bool = True) -> dict[str, Any] | None:
    """The profile as people read it; `clusters` False leaves out the reference clusters (not part of
    what the kommune edits, so not of its version)."""
    row = store.get(conn, kommune_nr)
    if row is None:
        return None
    contacts = [dict(c) for c in store.contacts(conn, kommune_nr)]
    return {
        "kommune_nr": row["kommune_nr"],
        "kommune_name": row["kommune_name"],
        "contacts": contacts,
        "complete": is_complete(contacts),
        "response_hours": row["response_hours"],
        "response_promise": response_promise(row["response_hours"]),
        "working_day_hours": WORKING_DAY_HOURS,
        "pitch_no": row["pitch_no"],
        "pitch_en": row["pitch_en"],
        "competence_no": row["competence_no"],
        "competence_en": row["competence_en"],
        "labour_figures": list(row["labour_figures"] or []),
        "clusters": list(row["clusters"] or []),
        "reference_clusters": [
            {**dict(c), "source_date": c["source_date"].isoformat() if c["source_date"] else None}
            for c in (store.reference_clusters(conn, kommune_nr) if clusters else ())
        ],
        "verified_at": row["verified_at"].isoformat() if row["verified_at"] else None,
        "updated_at": row["updated_at"].isoformat() if row["updated_at"] else None,
        "is_demo": row["is_demo"],
    }


def get_profile(session: Session, kommune_nr: str) -> dict[str, Any] | None:
    """The kommune's profile as people read it (public); None when there is no such kommune.

    A kommune that never filled in its profile gets an empty one, `complete` False.
    """
    return _read(session, kommune_nr)


def audit_target(kommune_nr: str) -> str:
    return f"kommune:{kommune_nr}"


def _snapshot(profile: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a profile: every field the kommune edits, and the verification date."""
    keys = ("contacts", *store.PROFILE_FIELDS, "verified_at")
    return {k: profile[k] for k in keys}


def profile_version(profile: Mapping[str, Any]) -> str:
    """The profile's version (the API's ETag for the kommune): a digest of every field the kommune edits
    and its verification date. Content, not the save time: a kommune that never saved has no save time
    until its first edit locks a new row, and a write read at a state equal to the current one loses
    nothing when it goes through."""
    return digest(_snapshot(profile))


def current_version(session: Session, kommune_nr: str) -> str | None:
    """The version of the kommune's profile now (None: no such kommune)."""
    profile = _read(session, kommune_nr, clusters=False)
    return None if profile is None else profile_version(profile)


# --- editing -----------------------------------------------------------------------------------------------


def update_profile(
    engine: Engine,
    principal: Principal,
    kommune_nr: str,
    data: ProfileInput | Mapping[str, Any],
    *,
    clock: Clock,
    expected_version: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Replace the kommune's profile with `data` (an editor of the kommune, or the secretariat).

    Raises NotSignedInError / ForbiddenError, KommuneNotFoundError, or ProfileInvalidError with the
    problems (then nothing is written); StaleVersionError when `expected_version` is given and the
    profile changed since (checked under the lock). Returns the profile as saved.
    """
    require_editor_of(principal, kommune_nr)
    profile = data if isinstance(data, ProfileInput) else ProfileInput.from_mapping(data)
    now = clock.now()
    problems = validate_profile(profile, today=now.astimezone(LOCAL_TIMEZONE).date())
    if problems:
        raise ProfileInvalidError(problems)
    contacts, fields = _normalised(profile)
    with transaction(engine, actor=principal.actor) as session:
        if store.get(session, kommune_nr) is None:
            raise KommuneNotFoundError(f"No kommune {kommune_nr} / Fant ikke kommune {kommune_nr}")
        store.ensure_locked(session, kommune_nr)
        before = _read(session, kommune_nr, clusters=False)  # under the lock: no edit can come between
        assert before is not None
        check_version(profile_version(before), expected_version)
        store.replace_contacts(session, kommune_nr, contacts)
        store.update(
            session,
            kommune_nr,
            fields,
            verified_at=now.astimezone(LOCAL_TIMEZONE).date(),
            updated_at=now,
        )
        after = _read(session, kommune_nr)
        assert after is not None
        audit_store.record(
            session,
            at=now,
            actor=principal.actor,
            action=AUDIT_ACTION,
            target=audit_target(kommune_nr),
            details={"before": _snapshot(before), "after": _snapshot(after)},
        )
    return after


def profile_changes(
    session: Session, principal: Principal, kommune_nr: str, *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """The latest audit events on the kommune (profile edits: who, when, before/after), for its editors."""
    require_editor_of(principal, kommune_nr)
    rows = audit_store.recent(session, limit=limit, offset=offset, target_prefix=audit_target(kommune_nr))
    return [{**dict(r), "at": r["at"].isoformat()} for r in rows]
