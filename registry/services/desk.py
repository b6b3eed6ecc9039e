"""Use cases of the secretariat's desk for the one-door-in promise (admins only; docs/desk.md):

    response_stats   how fast the kommuner (or regionråd) gave a first response, over a period
    readiness        per member kommune: published land by maturity and power, how current its facts are,
                     whether its one-door-in profile is complete and what it promises
    desk_workbook    both as an Excel workbook
    inquiry_list     every inquiry with the kommuner it went to, its age and what is overdue

Read only: no transaction of its own beyond the request's session. Times: `now` and `today` are given by
the caller (from its clock); the period is in days of `TIMEZONE`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from registry.attribution import attribution_lines
from registry.services.access import Principal, require_admin
from registry.store import desk as store
from registry.store import inquiries as inquiries_store
from schemas.profile import is_complete, response_promise
from schemas.site import AXES, site_verification
from schemas.taxonomy import COORDINATION_STEP, INQUIRY_STATUS, MATURITY, POWER, THREAD_STATUS

Group = Literal["kommune", "regionraad"]
GROUPS: tuple[Group, ...] = ("kommune", "regionraad")
# The inquiry list's filter: the inquiry's status, or "overdue" (open with a thread past its deadline).
LIST_FILTERS = ("open", "closed", "overdue")
TIMEZONE = "Europe/Oslo"
VERIFIED_WITHIN_DAYS = 365
M2_PER_DAA = 1000.0
NO_REGIONRAAD = ("Uten regionråd", "No regionråd")


class DeskParameterError(ValueError):
    """A period or grouping the desk cannot use; the message is bilingual ("English / norsk")."""


# --- the period -------------------------------------------------------------------------------------------


def day_start(day: dt.date, tz: str = TIMEZONE) -> dt.datetime:
    """Midnight at the start of `day` where the kommuner are (an aware datetime)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(tz))


def local_today(now: dt.datetime, tz: str = TIMEZONE) -> dt.date:
    return now.astimezone(ZoneInfo(tz)).date()


def _check_period(since: dt.date | None, until: dt.date | None, group: str) -> None:
    if group not in GROUPS:
        raise DeskParameterError(
            "group must be kommune or regionraad / group må være kommune eller regionraad"
        )
    if since is not None and until is not None and until <= since:
        raise DeskParameterError("to must be after from / to må være etter from")


# --- response times ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRow:
    """One kommune's (or regionråd's, or the region's) figures over the period (docs/desk.md)."""

    key: str | None  # kommune number or regionråd name; None: the total, or kommuner without a regionråd
    name_no: str
    name_en: str
    is_total: bool
    inquiries: int  # distinct inquiries with a thread here
    threads: int  # threads (one per inquiry and kommune)
    responded: int  # a first response given
    answered: int  # a full answer given
    waiting: int  # no first response, the inquiry still open
    overdue: int  # waiting and past its deadline now
    closed_unanswered: int  # no first response, the inquiry closed
    median_hours: float | None  # working hours to the first response, over the threads that responded
    p90_hours: float | None
    within: int  # first response by the deadline
    decided: int  # responded, or the deadline passed without a response while the inquiry was open
    coordination: dict[str, int]  # threads reporting each coordination step

    @property
    def share_within(self) -> float | None:
        """Of the threads whose promise is decided, the share kept (None when none is decided)."""
        return self.within / self.decided if self.decided else None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_no": self.name_no,
            "name_en": self.name_en,
            "is_total": self.is_total,
            "inquiries": self.inquiries,
            "threads": self.threads,
            "responded": self.responded,
            "answered": self.answered,
            "waiting": self.waiting,
            "overdue": self.overdue,
            "closed_unanswered": self.closed_unanswered,
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
            "within_promise": self.within,
            "promise_decided": self.decided,
            "share_within_promise": self.share_within,
            "coordination": dict(self.coordination),
        }


@dataclass(frozen=True)
class ResponseStats:
    group: Group
    since: dt.date | None
    until: dt.date | None  # exclusive
    now: dt.datetime
    include_demo: bool
    rows: list[ResponseRow]  # per group, by name
    total: ResponseRow

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "to_is_exclusive": True,
            "timezone": TIMEZONE,
            "at": self.now.isoformat(),
            "include_demo": self.include_demo,
            "percentile": "percentile_cont (linear interpolation between closest ranks)",
            "rows": [r.as_json() for r in self.rows],
            "total": self.total.as_json(),
        }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _response_row(row: Mapping[Any, Any], group: Group) -> ResponseRow:
    if row["is_total"]:
        no, en = "Hele regionen", "The whole region"
    elif group == "kommune":
        no = en = str(row["name"])
    elif row["key"] is None:
        no, en = NO_REGIONRAAD
    else:
        no = en = str(row["key"])
    return ResponseRow(
        key=None if row["is_total"] else row["key"],
        name_no=no,
        name_en=en,
        is_total=bool(row["is_total"]),
        inquiries=int(row["inquiries"]),
        threads=int(row["threads"]),
        responded=int(row["responded"]),
        answered=int(row["answered"]),
        waiting=int(row["waiting"]),
        overdue=int(row["overdue"]),
        closed_unanswered=int(row["closed_unanswered"]),
        median_hours=_float(row["median_hours"]),
        p90_hours=_float(row["p90_hours"]),
        within=int(row["within"]),
        decided=int(row["decided"]),
        coordination={c: int(row[f"coordination_{c}"]) for c in COORDINATION_STEP.codes},
    )


def _empty_total(group: Group) -> ResponseRow:
    return _response_row(
        {
            "is_total": True,
            "key": None,
            "name": None,
            **dict.fromkeys(
                ("inquiries", "threads", "responded", "answered", "waiting", "overdue", "closed_unanswered"),
                0,
            ),
            "median_hours": None,
            "p90_hours": None,
            "within": 0,
            "decided": 0,
            **{f"coordination_{c}": 0 for c in COORDINATION_STEP.codes},
        },
        group,
    )


def response_stats(
    session: Session,
    principal: Principal,
    *,
    since: dt.date | None,
    until: dt.date | None,
    group: Group = "kommune",
    now: dt.datetime,
    include_demo: bool = True,
) -> ResponseStats:
    """First-response figures per kommune or regionråd over the threads notified in [since, until)
    (days in `TIMEZONE`; either bound may be open), with a total row for the region."""
    require_admin(principal)
    _check_period(since, until, group)
    rows = store.response_stats(
        session,
        group=group,
        since=day_start(since) if since else None,
        until=day_start(until) if until else None,
        now=now,
        include_demo=include_demo,
    )
    parsed = [_response_row(r, group) for r in rows]
    totals = [r for r in parsed if r.is_total]
    return ResponseStats(
        group=group,
        since=since,
        until=until,
        now=now,
        include_demo=include_demo,
        rows=[r for r in parsed if not r.is_total],
        total=totals[0] if totals else _empty_total(group),
    )


# --- readiness --------------------------------------------------------------------------------------------


@dataclass
class Readiness:
    """One member kommune's published land and how current its facts are (docs/desk.md)."""

    kommune_nr: str
    kommune_name: str
    regionraad: str | None
    sites: int = 0
    area_daa: float = 0.0
    maturity_sites: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MATURITY.codes, 0))
    maturity_daa: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MATURITY.codes, 0.0))
    power_sites: dict[str, int] = field(default_factory=lambda: dict.fromkeys(POWER.codes, 0))
    power_daa: dict[str, float] = field(default_factory=lambda: dict.fromkeys(POWER.codes, 0.0))
    facts: int = 0  # facts that count for a site and have a value
    facts_verified_within_year: int = 0
    sites_current: int = 0  # every fact verified within its axis's maximum age
    sites_unverified: int = 0  # at least one fact never verified
    sites_stale: int = 0  # at least one fact verified longer ago than its axis's maximum age
    demo_sites: int = 0
    profile_complete: bool = False
    response_hours: int | None = None

    @property
    def share_verified_within_year(self) -> float | None:
        return self.facts_verified_within_year / self.facts if self.facts else None

    @property
    def promise(self) -> dict[str, str] | None:
        return response_promise(self.response_hours)

    def as_json(self) -> dict[str, Any]:
        return {
            "kommune_nr": self.kommune_nr,
            "kommune_name": self.kommune_name,
            "regionraad": self.regionraad,
            "sites": self.sites,
            "demo_sites": self.demo_sites,
            "area_daa": self.area_daa,
            "maturity": {
                c: {"sites": self.maturity_sites[c], "area_daa": self.maturity_daa[c]} for c in MATURITY.codes
            },
            "power": {c: {"sites": self.power_sites[c], "area_daa": self.power_daa[c]} for c in POWER.codes},
            "facts": self.facts,
            "facts_verified_within_year": self.facts_verified_within_year,
            "share_verified_within_year": self.share_verified_within_year,
            "sites_current": self.sites_current,
            "sites_unverified": self.sites_unverified,
            "sites_stale": self.sites_stale,
            "profile_complete": self.profile_complete,
            "response_hours": self.response_hours,
        }


def verified_within_year(verified_at: dt.date | None, today: dt.date) -> bool:
    """A fact verified no more than `VERIFIED_WITHIN_DAYS` days before `today` (a later date counts too)."""
    return verified_at is not None and (today - verified_at).days <= VERIFIED_WITHIN_DAYS


def readiness(
    session: Session, principal: Principal, *, today: dt.date, include_demo: bool = True
) -> list[Readiness]:
    """Per member kommune (by name): its published sites by maturity and power (count and daa), the share
    of their facts verified within a year, unverified and stale sites (schemas.site's rules at `today`),
    whether its one-door-in profile is complete and the first response it promises."""
    require_admin(principal)
    contacts: dict[str, list[Mapping[Any, Any]]] = {}
    for c in store.member_contacts(session):
        contacts.setdefault(c["kommune_nr"], []).append(c)
    out: dict[str, Readiness] = {}
    for k in store.member_kommuner(session):
        out[k["nr"]] = Readiness(
            kommune_nr=k["nr"],
            kommune_name=k["name"],
            regionraad=k["regionraad"],
            profile_complete=is_complete(contacts.get(k["nr"], [])),
            response_hours=k["response_hours"],
        )
    counting = [a for a in AXES if a.counts_for_site]
    for s in store.member_published_sites(session, include_demo=include_demo):
        r = out[s["kommune_nr"]]
        daa = float(s["area_m2"]) / M2_PER_DAA
        r.sites += 1
        r.demo_sites += bool(s["is_demo"])
        r.area_daa += daa
        r.maturity_sites[s["maturity"]] += 1
        r.maturity_daa[s["maturity"]] += daa
        r.power_sites[s["power_status"]] += 1
        r.power_daa[s["power_status"]] += daa
        for axis in counting:
            if s[axis.column] is None:
                continue
            r.facts += 1
            r.facts_verified_within_year += verified_within_year(s[axis.verified_at], today)
        states = site_verification(s, today=today)
        r.sites_unverified += bool(states["unverified"])
        r.sites_stale += bool(states["stale"])
        r.sites_current += not states["unverified"] and not states["stale"]
    return list(out.values())


# --- the inquiry list -------------------------------------------------------------------------------------


def _thread_item(t: Mapping[Any, Any], now: dt.datetime) -> dict[str, Any]:
    waiting = t["first_response_at"] is None and t["inquiry_status"] == "open"
    return {
        "kommune_nr": t["kommune_nr"],
        "kommune_name": t["kommune_name"],
        "regionraad": t["regionraad"],
        "status": t["status"],
        "status_no": THREAD_STATUS.label(t["status"], "no"),
        "status_en": THREAD_STATUS.label(t["status"], "en"),
        "notified_at": t["notified_at"],
        "due_at": t["due_at"],
        "promised_hours": t["promised_hours"],
        "first_response_at": t["first_response_at"],
        "first_response_hours": t["first_response_hours"],
        "answered_at": t["answered_at"],
        "escalated_at": t["escalated_at"],
        "waiting": waiting,
        "overdue": waiting and t["due_at"] < now,
        "answered_late": t["first_response_at"] is not None and t["first_response_at"] > t["due_at"],
    }


def age_words(delta: dt.timedelta) -> dict[str, str]:
    """An age in days and hours: "3 d 4 t" / "3 d 4 h"; under a day in hours only."""
    hours = max(int(delta.total_seconds() // 3600), 0)
    days, rest = divmod(hours, 24)
    if not days:
        return {"no": f"{rest} t", "en": f"{rest} h"}
    return {"no": f"{days} d {rest} t", "en": f"{days} d {rest} h"}


def inquiry_list(
    session: Session, principal: Principal, *, now: dt.datetime, status: str | None = None
) -> list[dict[str, Any]]:
    """Every inquiry, newest first, with its threads (the kommuner it went to), age and overdue flags.
    `status`: "open", "closed", or "overdue" (open with at least one thread past its deadline)."""
    require_admin(principal)
    if status is not None and status not in LIST_FILTERS:
        names = ", ".join(LIST_FILTERS)
        raise DeskParameterError(f"status must be one of {names} / status må være en av {names}")
    threads: dict[int, list[dict[str, Any]]] = {}
    for t in inquiries_store.all_threads(session):
        threads.setdefault(t["inquiry_id"], []).append(_thread_item(t, now))
    out = []
    for i in store.inquiries(session, status="open" if status == "overdue" else status):
        mine = sorted(threads.get(i["id"], []), key=lambda t: t["kommune_name"])
        overdue = sum(t["overdue"] for t in mine)
        if status == "overdue" and not overdue:
            continue
        out.append(
            {
                "id": str(i["public_id"]),
                "created_at": i["created_at"],
                "is_demo": i["is_demo"],
                "status": i["status"],
                "status_no": INQUIRY_STATUS.label(i["status"], "no"),
                "status_en": INQUIRY_STATUS.label(i["status"], "en"),
                "closed_at": i["closed_at"],
                "erased": i["erased_at"] is not None,
                "organisation": i["organisation"],
                "sector": i["sector"],
                "country": i["country"],
                "age_hours": (now - i["created_at"]).total_seconds() / 3600,
                "age": age_words(now - i["created_at"]),
                "threads": mine,
                "waiting": sum(t["waiting"] for t in mine),
                "overdue": overdue,
                "responded": sum(t["first_response_at"] is not None for t in mine),
            }
        )
    return out


def source_lines(lang: str) -> list[str]:
    """Sources and licences of the reference data the desk shows (kommune names, membership, regionråd)."""
    return attribution_lines(lang, tables=("kommune",))


def coordination_steps() -> list[tuple[str, str, str]]:
    """The coordination steps as (code, Norwegian, English), in order."""
    return [
        (c, COORDINATION_STEP.label(c, "no"), COORDINATION_STEP.label(c, "en"))
        for c in COORDINATION_STEP.codes
    ]


# --- the workbook -----------------------------------------------------------------------------------------

SHARE_FORMAT = "0%"
HOURS_FORMAT = "0.0"
DAA_FORMAT = "#,##0.0"


def _bold_row(ws: Worksheet) -> None:
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def _formats(ws: Worksheet, first_row: int, formats: Mapping[int, str]) -> None:
    for column, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=first_row, min_col=column, max_col=column):
            cell.number_format = fmt


RESPONSE_HEADERS: tuple[tuple[str, str | None], ...] = (
    ("Kommune eller regionråd / Kommune or regionråd", None),
    ("Kommunenummer / Municipality number", None),
    ("Forespørsler / Inquiries", None),
    ("Tråder (forespørsel × kommune) / Threads (inquiry × kommune)", None),
    ("Første svar gitt / First response given", None),
    ("Fullstendig svar / Full answer", None),
    ("Venter på første svar / Waiting for a first response", None),
    ("På overtid nå / Overdue now", None),
    ("Avsluttet uten svar / Closed unanswered", None),
    ("Median til første svar (arbeidstimer) / Median to first response (working hours)", HOURS_FORMAT),
    ("90-persentil (arbeidstimer) / 90th percentile (working hours)", HOURS_FORMAT),
    ("Innenfor løftet / Within the promise", None),
    ("Avgjort mot løftet / Decided against the promise", None),
    ("Andel innenfor løftet / Share within the promise", SHARE_FORMAT),
    *(
        (f"{COORDINATION_STEP.label(c, 'no')} / {COORDINATION_STEP.label(c, 'en')}", None)
        for c in COORDINATION_STEP.codes
    ),
)


def _response_cells(r: ResponseRow, group: Group) -> list[Any]:
    return [
        r.name_no if r.name_no == r.name_en else f"{r.name_no} / {r.name_en}",
        r.key if group == "kommune" and not r.is_total else None,
        r.inquiries,
        r.threads,
        r.responded,
        r.answered,
        r.waiting,
        r.overdue,
        r.closed_unanswered,
        r.median_hours,
        r.p90_hours,
        r.within,
        r.decided,
        r.share_within,
        *(r.coordination[c] for c in COORDINATION_STEP.codes),
    ]


def _readiness_headers() -> list[tuple[str, str | None]]:
    return [
        ("Kommune / Municipality", None),
        ("Kommunenummer / Municipality number", None),
        ("Regionråd / Regional council", None),
        ("Publiserte arealer / Published sites", None),
        ("Areal (daa) / Area (daa)", DAA_FORMAT),
        *(
            (f"{c} {MATURITY.label(c, 'no')} (daa) / {c} {MATURITY.label(c, 'en')} (daa)", DAA_FORMAT)
            for c in MATURITY.codes
        ),
        *(
            (f"{c} {POWER.label(c, 'no')} (daa) / {c} {POWER.label(c, 'en')} (daa)", DAA_FORMAT)
            for c in POWER.codes
        ),
        ("Fakta / Facts", None),
        ("Fakta verifisert siste år / Facts verified within a year", None),
        ("Andel verifisert siste år / Share verified within a year", SHARE_FORMAT),
        ("Aktuelle arealer / Current sites", None),
        ("Arealer med uverifiserte fakta / Sites with unverified facts", None),
        ("Arealer med utdaterte fakta / Sites with stale facts", None),
        ("Herav demo / Of which demo", None),
        ("Én dør inn-profil komplett / One-door-in profile complete", None),
        ("Lovet første svar (arbeidstimer) / Promised first response (working hours)", None),
    ]


def _readiness_cells(r: Readiness) -> list[Any]:
    return [
        r.kommune_name,
        r.kommune_nr,
        r.regionraad,
        r.sites,
        r.area_daa,
        *(r.maturity_daa[c] for c in MATURITY.codes),
        *(r.power_daa[c] for c in POWER.codes),
        r.facts,
        r.facts_verified_within_year,
        r.share_verified_within_year,
        r.sites_current,
        r.sites_unverified,
        r.sites_stale,
        r.demo_sites,
        "ja / yes" if r.profile_complete else "nei / no",
        r.response_hours,
    ]


def _table(
    ws: Worksheet,
    title: str,
    notes: Sequence[str],
    headers: Sequence[tuple[str, str | None]],
    rows: list[list[Any]],
) -> None:
    ws.append([title])
    _bold_row(ws)
    for note in notes:
        ws.append([note])
    ws.append([])
    ws.append([h for h, _ in headers])
    _bold_row(ws)
    header_row = ws.max_row
    for row in rows:
        ws.append(row)
    _formats(ws, header_row + 1, {i: fmt for i, (_, fmt) in enumerate(headers, start=1) if fmt})
    for i, (h, _) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(12, len(h) // 2 + 4), 40)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def _period_words(since: dt.date | None, until: dt.date | None) -> str:
    start = since.isoformat() if since else "…"
    end = (until - dt.timedelta(days=1)).isoformat() if until else "…"
    return f"Periode / Period: {start} – {end} (varslet / notified, {TIMEZONE})"


def desk_workbook(
    session: Session,
    principal: Principal,
    *,
    since: dt.date | None,
    until: dt.date | None,
    group: Group = "kommune",
    today: dt.date,
    now: dt.datetime,
    include_demo: bool = True,
) -> bytes:
    """The response figures and the readiness overview as an Excel workbook (numbers as numbers)."""
    stats = response_stats(
        session, principal, since=since, until=until, group=group, now=now, include_demo=include_demo
    )
    ready = readiness(session, principal, today=today, include_demo=include_demo)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Svartider"
    stamp = now.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    _table(
        ws,
        "Svartider for «én dør inn» / One-door-in response times",
        [
            _period_words(since, until),
            f"Beregnet / Computed: {stamp} UTC",
            "Median og 90-persentil: percentile_cont (lineær interpolasjon), bare tråder med svar / "
            "Median and 90th percentile: percentile_cont (linear interpolation), responded threads only",
            "Andel innenfor løftet = innenfor / avgjort / Share within the promise = within / decided",
            "Med demodata / Demo data included" if include_demo else "Uten demodata / Demo data excluded",
        ],
        RESPONSE_HEADERS,
        [_response_cells(r, group) for r in [*stats.rows, stats.total]],
    )
    _bold_row(ws)  # the total
    rs = wb.create_sheet("Beredskap")
    _table(
        rs,
        "Beredskap per medlemskommune / Readiness per member kommune",
        [
            f"Dato / Date: {today.isoformat()}",
            f"Verifisert siste år = verifisert for høyst {VERIFIED_WITHIN_DAYS} dager siden / "
            f"Verified within a year = verified at most {VERIFIED_WITHIN_DAYS} days ago",
        ],
        _readiness_headers(),
        [_readiness_cells(r) for r in ready],
    )
    meta = wb.create_sheet("Kilder")
    meta.append(["Kilder og lisenser / Sources and licences"])
    _bold_row(meta)
    for lang in ("no", "en"):
        for line in source_lines(lang):
            meta.append([line])
    meta.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
