"""The secretariat's desk (docs/desk.md): response-time figures per kommune and regionråd over a period,
the readiness of the member kommuner, the workbook, the list of inquiries, and who may see them.

Inquiries and threads are written straight into the tables with known times and first-response hours
(not through the submit use case), so every figure below is worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Connection, Engine, text

from registry.clock import FixedClock
from registry.db import session_factory
from registry.services import desk
from registry.services.access import CLI, ForbiddenError, NotSignedInError, Principal
from registry.store import inquiries as inquiries_store
from tests.accounts import make_app, make_user, reset_accounts, sign_in, token_for
from tests.sites_factory import anchor_25833

ASKER, BAERUM, DRAMMEN, OSLO = "3203", "3201", "3301", "0301"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)
NOV_1, DEC_1 = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
ADMIN, EDITOR = "sekretariat@osloregionen.test", "redaktor@asker.test"
INQUIRY_TABLES = "inquiry_message, inquiry_site, inquiry_token, inquiry_thread, inquiry"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def _inquiry(
    conn: Connection, created_at: dt.datetime, *, demo: bool = False, closed_at: dt.datetime | None = None
) -> int:
    row = inquiries_store.insert_inquiry(
        conn,
        {
            "created_at": created_at,
            "is_demo": demo,
            "requester_kind": "direct",
            "organisation": "Batterifabrikken AS",
            "name": "Kari Nordmann",
            "email": "kari@example.test",
            "email_hash": "0" * 64,
            "sector": "battery",
            "requirements": {"area_min_m2": 50000},
            "confidentiality": "open",
            "status": "closed" if closed_at else "open",
            "closed_at": closed_at,
            "last_activity_at": closed_at or created_at,
        },
    )
    return int(row["id"])


def _thread(
    conn: Connection,
    inquiry_id: int,
    kommune_nr: str,
    notified_at: dt.datetime,
    *,
    due_days: int = 2,
    hours: float | None = None,
    late: bool = False,
    coordination: dict[str, str] | None = None,
    answered: bool = False,
) -> None:
    """A thread due `due_days` after it was notified; with `hours`, it responded (after the deadline when
    `late`). The response hours are given, never computed: the figures read them as stored."""
    due_at = notified_at + dt.timedelta(days=due_days)
    responded_at = None
    if hours is not None:
        responded_at = due_at + dt.timedelta(hours=1) if late else notified_at + dt.timedelta(hours=hours)
    inquiries_store.insert_thread(
        conn,
        {
            "inquiry_id": inquiry_id,
            "kommune_nr": kommune_nr,
            "routed_for_sites": True,
            "routed_by_choice": False,
            "status": ("answered" if answered else "acknowledged") if hours is not None else "new",
            "promised_hours": 16,
            "notified_at": notified_at,
            "remind_at": notified_at + dt.timedelta(days=1),
            "due_at": due_at,
            "first_response_at": responded_at,
            "first_response_by": "kontakt@kommune.test" if hours is not None else None,
            "first_response_hours": hours,
            "answered_at": responded_at if answered else None,
        },
    )
    if coordination:
        thread = inquiries_store.thread(conn, inquiry_id, kommune_nr)
        assert thread is not None
        inquiries_store.update_thread(conn, thread["id"], {"coordination": coordination})


@dataclass(frozen=True)
class World:
    engine: Engine
    outside_kommune: str  # a kommune without a regionråd
    public_ids: dict[str, str]


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {INQUIRY_TABLES} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def world(ref_engine: Engine) -> Iterator[World]:
    """November 2026 (Oslo days) as worked out in the module's tests; see each test for the figures."""
    engine = ref_engine
    _empty(engine)
    with engine.begin() as conn:
        # A kommune outside the membership, for the moment without a regionråd (restored afterwards).
        outside, outside_council = conn.execute(
            text("SELECT nr, regionraad FROM kommune WHERE NOT is_member ORDER BY nr LIMIT 1")
        ).one()
        conn.execute(text("UPDATE kommune SET regionraad = NULL WHERE nr = :k"), {"k": outside})
        # Asker: 1, 2, 3 and 10 hours (10 late), one overdue now.
        a = _inquiry(conn, utc(2026, 11, 2, 8))
        steps = {"planning": "2026-11-02", "meeting": "2026-11-20"}
        _thread(conn, a, ASKER, utc(2026, 11, 2, 8), hours=1, coordination=steps)
        _thread(conn, a, BAERUM, utc(2026, 11, 2, 8), hours=4)
        b = _inquiry(conn, utc(2026, 11, 3, 8))
        _thread(conn, b, ASKER, utc(2026, 11, 3, 8), hours=2, coordination={"grid_company": "2026-11-04"})
        _thread(conn, b, DRAMMEN, utc(2026, 11, 3, 8), hours=8)
        c3 = _inquiry(conn, utc(2026, 11, 4, 8))
        _thread(conn, c3, ASKER, utc(2026, 11, 4, 8), hours=3, answered=True)
        c4 = _inquiry(conn, utc(2026, 11, 5, 8))
        _thread(conn, c4, ASKER, utc(2026, 11, 5, 8), hours=10, late=True)
        c = _inquiry(conn, utc(2026, 11, 20, 8))
        _thread(conn, c, ASKER, utc(2026, 11, 20, 8), due_days=4)  # due 24 Nov: overdue on 1 Dec
        _thread(conn, c, DRAMMEN, utc(2026, 11, 20, 8), due_days=15)  # due 5 Dec: waiting, not overdue
        # Bærum at the period's edges: 00:30 on 1 Nov in Oslo is in, 23:30 on 31 Oct and 00:30 on 1 Dec out.
        f = _inquiry(conn, utc(2026, 10, 31, 23, 30))
        _thread(conn, f, BAERUM, utc(2026, 10, 31, 23, 30), hours=6)
        e = _inquiry(conn, utc(2026, 10, 31, 22, 30))
        _thread(conn, e, BAERUM, utc(2026, 10, 31, 22, 30), hours=50)
        g = _inquiry(conn, utc(2026, 11, 30, 23, 30))
        _thread(conn, g, BAERUM, utc(2026, 11, 30, 23, 30), hours=60, late=True)
        # Oslo: closed before its deadline (not decided), and closed after it (missed).
        h1 = _inquiry(conn, utc(2026, 11, 5, 8), closed_at=utc(2026, 11, 6, 8))
        _thread(conn, h1, OSLO, utc(2026, 11, 5, 8), due_days=4)
        h2 = _inquiry(conn, utc(2026, 11, 10, 8), closed_at=utc(2026, 11, 20, 8))
        _thread(conn, h2, OSLO, utc(2026, 11, 10, 8), due_days=2)
        # A kommune with no regionråd.
        n = _inquiry(conn, utc(2026, 11, 12, 8))
        _thread(conn, n, outside, utc(2026, 11, 12, 8), hours=5)
        # Demo: Asker, 100 hours and late.
        x = _inquiry(conn, utc(2026, 11, 15, 8), demo=True)
        _thread(conn, x, ASKER, utc(2026, 11, 15, 8), hours=100, late=True)
        ids: dict[int, str] = dict(conn.execute(text("SELECT id, public_id::text FROM inquiry")).all())
    yield World(engine, outside, {"c": ids[c], "h1": ids[h1], "h2": ids[h2], "x": ids[x]})
    _empty(engine)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE kommune SET regionraad = :r WHERE nr = :k"), {"k": outside, "r": outside_council}
        )


def _stats(world: World, **kw: Any) -> desk.ResponseStats:
    args: dict[str, Any] = {"since": NOV_1, "until": DEC_1, "group": "kommune", "now": NOW, **kw}
    with session_factory(world.engine)() as session:
        return desk.response_stats(session, CLI, **args)


def _row(stats: desk.ResponseStats, key: str | None) -> desk.ResponseRow:
    return next(r for r in stats.rows if r.key == key)


# --- response times ------------------------------------------------------------------------------------


def test_per_kommune_counts_median_p90_and_promise(world: World) -> None:
    stats = _stats(world, include_demo=False)
    asker = _row(stats, ASKER)
    assert (asker.threads, asker.inquiries, asker.responded, asker.answered) == (5, 5, 4, 1)
    assert (asker.waiting, asker.overdue, asker.closed_unanswered) == (1, 1, 0)
    # 1, 2, 3, 10 hours: percentile_cont's median 2.5; 90th: rank 0.9 × 3 = 2.7 → 3 + 0.7 × (10 − 3) = 7.9
    assert asker.median_hours == pytest.approx(2.5)
    assert asker.p90_hours == pytest.approx(7.9)
    # within: 1, 2, 3 h; decided: those plus the late one and the overdue one (not within)
    assert (asker.within, asker.decided) == (3, 5)
    assert asker.share_within == pytest.approx(0.6)
    assert asker.coordination == {"planning": 1, "building": 0, "grid_company": 1, "meeting": 1}
    drammen = _row(stats, DRAMMEN)
    # the waiting thread is not yet decided, and not in the median
    assert (drammen.threads, drammen.responded, drammen.waiting, drammen.overdue) == (2, 1, 1, 0)
    assert (drammen.median_hours, drammen.p90_hours, drammen.within, drammen.decided) == (8.0, 8.0, 1, 1)
    oslo = _row(stats, OSLO)
    # closed unanswered: before the deadline not decided, after it missed
    assert (oslo.threads, oslo.responded, oslo.waiting, oslo.closed_unanswered) == (2, 0, 0, 2)
    assert (oslo.median_hours, oslo.within, oslo.decided, oslo.share_within) == (None, 0, 1, 0.0)
    assert oslo.name_no == "Oslo"


def test_period_bounds_are_oslo_days_from_inclusive_to_exclusive(world: World) -> None:
    baerum = _row(_stats(world), BAERUM)
    # 4 h (2 Nov) and 6 h (00:30 on 1 Nov in Oslo); not 50 h (23:30 on 31 Oct) nor 60 h (00:30 on 1 Dec)
    assert (baerum.threads, baerum.responded) == (2, 2)
    assert baerum.median_hours == pytest.approx(5.0)
    assert baerum.p90_hours == pytest.approx(5.8)
    everything = _row(_stats(world, since=None, until=None), BAERUM)
    assert everything.threads == 4
    assert everything.median_hours == pytest.approx(28.0)  # 4, 6, 50, 60
    only_december = _stats(world, since=DEC_1, until=None)
    assert [(r.key, r.threads) for r in only_december.rows] == [(BAERUM, 1)]
    nothing = _stats(world, since=dt.date(2027, 1, 1), until=dt.date(2027, 2, 1))
    assert nothing.rows == [] and nothing.total.threads == 0 and nothing.total.share_within is None


def test_region_total_and_demo(world: World) -> None:
    total = _stats(world, include_demo=False).total
    assert total.is_total and total.key is None
    assert (total.threads, total.inquiries, total.responded, total.waiting, total.overdue) == (12, 9, 8, 2, 1)
    # 1, 2, 3, 4, 5, 6, 8, 10 hours: median 4.5; 90th: rank 6.3 → 8 + 0.3 × 2 = 8.6
    assert total.median_hours == pytest.approx(4.5)
    assert total.p90_hours == pytest.approx(8.6)
    assert (total.within, total.decided, total.share_within) == (7, 10, pytest.approx(0.7))
    with_demo = _stats(world, include_demo=True)
    asker = _row(with_demo, ASKER)
    assert (asker.threads, asker.responded) == (6, 5)
    # 1, 2, 3, 10, 100: median 3; 90th: rank 3.6 → 10 + 0.6 × 90 = 64
    assert asker.median_hours == pytest.approx(3.0)
    assert asker.p90_hours == pytest.approx(64.0)
    assert with_demo.total.threads == 13
    assert _stats(world).total.threads == 13  # demo data is counted unless left out


def test_per_regionraad_counts_an_inquiry_once(world: World) -> None:
    stats = _stats(world, group="regionraad", include_demo=False)
    ab = _row(stats, "Asker og Bærum regionråd")
    # Inquiry A went to both Asker and Bærum: two threads, one inquiry.
    assert (ab.threads, ab.inquiries, ab.responded) == (7, 6, 6)
    assert ab.median_hours == pytest.approx(3.5)  # 1, 2, 3, 4, 6, 10
    assert ab.p90_hours == pytest.approx(8.0)  # rank 4.5 → 6 + 0.5 × 4
    assert (ab.within, ab.decided) == (5, 7)
    assert _row(stats, "Drammensregionen").threads == 2
    none = _row(stats, None)
    assert (none.threads, none.name_no, none.name_en) == (1, "Uten regionråd", "No regionråd")
    assert stats.total.threads == 12
    assert [r.key for r in stats.rows][-1] is None  # kommuner without a regionråd last


def test_bad_period_and_group_are_refused(world: World) -> None:
    with pytest.raises(desk.DeskParameterError):
        _stats(world, since=DEC_1, until=NOV_1)
    with pytest.raises(desk.DeskParameterError):
        _stats(world, since=DEC_1, until=DEC_1)
    with pytest.raises(desk.DeskParameterError):
        _stats(world, group="fylke")


def test_only_admins(world: World) -> None:
    editor = Principal(user_id=7, email=EDITOR, role="editor", kommuner=frozenset({ASKER}), via="session")
    with session_factory(world.engine)() as session:
        with pytest.raises(NotSignedInError):
            desk.response_stats(session, Principal(), since=None, until=None, now=NOW)
        for call in (
            lambda: desk.response_stats(session, editor, since=None, until=None, now=NOW),
            lambda: desk.readiness(session, editor, today=TODAY),
            lambda: desk.inquiry_list(session, editor, now=NOW),
            lambda: desk.desk_workbook(session, editor, since=None, until=None, today=TODAY, now=NOW),
        ):
            with pytest.raises(ForbiddenError):
                call()


# --- the inquiry list ------------------------------------------------------------------------------------


def test_inquiry_list(world: World) -> None:
    with session_factory(world.engine)() as session:
        every = desk.inquiry_list(session, CLI, now=NOW)
        overdue = desk.inquiry_list(session, CLI, now=NOW, status="overdue")
        closed = desk.inquiry_list(session, CLI, now=NOW, status="closed")
        with pytest.raises(desk.DeskParameterError):
            desk.inquiry_list(session, CLI, now=NOW, status="lost")
    assert len(every) == 12
    assert every[0]["id"] == next(i["id"] for i in every if i["created_at"] == utc(2026, 11, 30, 23, 30))
    c = next(i for i in every if i["id"] == world.public_ids["c"])
    assert [(t["kommune_nr"], t["overdue"], t["waiting"]) for t in c["threads"]] == [
        (ASKER, True, True),
        (DRAMMEN, False, True),
    ]
    assert (c["overdue"], c["waiting"], c["responded"]) == (1, 2, 0)
    assert c["age_hours"] == pytest.approx(11 * 24 + 1)
    assert c["age"] == {"no": "11 d 1 t", "en": "11 d 1 h"}
    assert [i["id"] for i in overdue] == [world.public_ids["c"]]
    assert {i["id"] for i in closed} == {world.public_ids["h1"], world.public_ids["h2"]}
    assert all(i["status"] == "closed" for i in closed)
    late = next(i for i in every if i["id"] == world.public_ids["x"])
    assert late["is_demo"] and late["threads"][0]["answered_late"]


# --- readiness -------------------------------------------------------------------------------------------


@pytest.fixture
def sites(clean_engine: Engine, world: World) -> Iterator[Engine]:
    """Asker: two published sites and a demo one, a draft; Bærum's profile has no contact to reach."""
    engine = clean_engine
    x, y = anchor_25833(engine, ASKER)
    rows = [
        # 10 daa, M3/E2: maturity current; power verified 334 days ago (within a year, stale after 180);
        # availability unverified; no land control (not a fact).
        dict(
            w=100,
            h=100,
            maturity="M3",
            power="E2",
            m="2026-06-01",
            p="2026-01-01",
            a=None,
            lc=None,
            lcv=None,
            status="published",
            demo=False,
        ),
        # 20 daa, M5/E4: four facts, all verified a month ago.
        dict(
            w=200,
            h=100,
            maturity="M5",
            power="E4",
            m="2026-11-01",
            p="2026-11-01",
            a="2026-11-01",
            lc="kommune",
            lcv="2026-11-01",
            status="published",
            demo=False,
        ),
        # 5 daa demo, M0/E0: maturity verified exactly 365 days ago (within a year, not stale); power 366
        # days ago (not within, stale); availability unverified.
        dict(
            w=50,
            h=100,
            maturity="M0",
            power="E0",
            m="2025-12-01",
            p="2025-11-30",
            a=None,
            lc=None,
            lcv=None,
            status="published",
            demo=True,
        ),
        dict(
            w=300,
            h=100,
            maturity="M4",
            power="E3",
            m="2026-11-01",
            p="2026-11-01",
            a="2026-11-01",
            lc=None,
            lcv=None,
            status="draft",
            demo=False,
        ),
    ]
    with engine.begin() as conn:
        for i, r in enumerate(rows):
            conn.execute(
                text("""
                    INSERT INTO site (kommune_nr, name, geom_25833, maturity, maturity_verified_at,
                                      power_status, power_verified_at, availability_verified_at, land_control,
                                      land_control_verified_at, status, is_demo)
                    VALUES (:k, :name, ST_Multi(ST_MakeEnvelope(:x, :y, :x + :w, :y + :h, 25833)), :maturity,
                            CAST(:m AS date), :power, CAST(:p AS date), CAST(:a AS date), :lc,
                            CAST(:lcv AS date), :status, :demo)
                """),
                {"k": ASKER, "name": f"Område {i}", "x": x + i * 400, "y": y, **r},
            )
        conn.execute(
            text("INSERT INTO kommune_profile (kommune_nr, response_hours) VALUES (:k, 16)"), {"k": ASKER}
        )
        conn.execute(
            text(
                "INSERT INTO kommune_contact (kommune_nr, position, name, email)"
                " VALUES (:k, 0, 'Næring', 'n@asker.test')"
            ),
            {"k": ASKER},
        )
        conn.execute(text("INSERT INTO kommune_profile (kommune_nr) VALUES (:k)"), {"k": BAERUM})
        conn.execute(
            text("INSERT INTO kommune_contact (kommune_nr, position, name) VALUES (:k, 0, 'Uten adresse')"),
            {"k": BAERUM},
        )
    yield engine


def _ready(engine: Engine, **kw: Any) -> dict[str, desk.Readiness]:
    with session_factory(engine)() as session:
        return {r.kommune_nr: r for r in desk.readiness(session, CLI, today=TODAY, **kw)}


def test_readiness(sites: Engine, world: World) -> None:
    ready = _ready(sites)
    asker = ready[ASKER]
    assert (asker.sites, asker.demo_sites) == (3, 1)
    assert asker.area_daa == pytest.approx(35.0)
    assert asker.maturity_daa == pytest.approx({"M0": 5.0, "M1": 0, "M2": 0, "M3": 10.0, "M4": 0, "M5": 20.0})
    assert asker.power_daa == pytest.approx({"E0": 5.0, "E1": 0, "E2": 10.0, "E3": 0, "E4": 20.0})
    assert asker.maturity_sites["M4"] == 0  # the draft is not counted
    # facts: 3 + 4 + 3; verified within a year: 2 + 4 + 1
    assert (asker.facts, asker.facts_verified_within_year) == (10, 7)
    assert asker.share_verified_within_year == pytest.approx(0.7)
    assert (asker.sites_current, asker.sites_unverified, asker.sites_stale) == (1, 2, 2)
    assert (asker.profile_complete, asker.response_hours) == (True, 16)
    assert asker.promise == {"no": "2 arbeidsdager", "en": "2 working days"}
    assert (ready[BAERUM].profile_complete, ready[BAERUM].response_hours, ready[BAERUM].sites) == (
        False,
        None,
        0,
    )
    assert ready[BAERUM].share_verified_within_year is None
    assert ready[DRAMMEN].profile_complete is False
    assert world.outside_kommune not in ready  # members only
    no_demo = _ready(sites, include_demo=False)[ASKER]
    assert (no_demo.sites, no_demo.facts, no_demo.facts_verified_within_year) == (2, 7, 6)
    assert (no_demo.sites_unverified, no_demo.sites_stale, no_demo.area_daa) == (1, 1, pytest.approx(30.0))


# --- the workbook ----------------------------------------------------------------------------------------


def _sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _header_index(rows: list[tuple[Any, ...]], first: str) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0] == first)


def test_workbook_numbers_are_numbers(sites: Engine, world: World) -> None:
    with session_factory(sites)() as session:
        body = desk.desk_workbook(
            session, CLI, since=NOV_1, until=DEC_1, group="kommune", today=TODAY, now=NOW, include_demo=False
        )
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames == ["Svartider", "Beredskap", "Kilder"]
    rows = _sheet_rows(wb["Svartider"])
    head = _header_index(rows, "Kommune eller regionråd / Kommune or regionråd")
    headers = rows[head]
    asker = next(r for r in rows[head + 1 :] if r[1] == ASKER)
    cell = dict(zip(headers, asker, strict=True))
    assert cell["Forespørsler / Inquiries"] == 5 and isinstance(cell["Forespørsler / Inquiries"], int)
    median = cell["Median til første svar (arbeidstimer) / Median to first response (working hours)"]
    assert isinstance(median, float) and median == pytest.approx(2.5)
    assert cell["Andel innenfor løftet / Share within the promise"] == pytest.approx(0.6)
    assert cell["På overtid nå / Overdue now"] == 1
    assert cell["Plan kontaktet / Planning contacted"] == 1
    total = rows[-1]
    assert total[0] == "Hele regionen / The whole region" and total[3] == 12
    ws = wb["Svartider"]
    share_col = headers.index("Andel innenfor løftet / Share within the promise") + 1
    assert ws.cell(row=head + 2, column=share_col).number_format == "0%"

    ready = _sheet_rows(wb["Beredskap"])
    rhead = _header_index(ready, "Kommune / Municipality")
    r = dict(zip(ready[rhead], next(x for x in ready[rhead + 1 :] if x[1] == ASKER), strict=True))
    assert r["Areal (daa) / Area (daa)"] == pytest.approx(30.0)
    assert r["Publiserte arealer / Published sites"] == 2
    assert r["Andel verifisert siste år / Share verified within a year"] == pytest.approx(6 / 7)
    assert r["Lovet første svar (arbeidstimer) / Promised first response (working hours)"] == 16
    assert r["M5 Byggeklar (daa) / M5 Ready to build (daa)"] == pytest.approx(20.0)
    sources = [c for (c,) in wb["Kilder"].iter_rows(values_only=True, max_col=1)]
    assert any("osloregionen.no" in str(c) for c in sources)
    assert any("Kartverket" in str(c) for c in sources)


# --- over HTTP -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clients(ref_engine: Engine, world: World) -> Iterator[dict[str, TestClient]]:
    reset_accounts(ref_engine)
    make_user(ref_engine, ADMIN, role="admin")
    make_user(ref_engine, EDITOR, kommuner=[ASKER])
    app = make_app(ref_engine, clock=FixedClock(NOW))
    out = {"anonymous": TestClient(app, follow_redirects=False)}
    for name, email in (("admin", ADMIN), ("editor", EDITOR)):
        client = TestClient(app, follow_redirects=False)
        sign_in(client, email)
        out[name] = client
    for name, email in (("admin_token", ADMIN), ("editor_token", EDITOR)):
        client = TestClient(app, follow_redirects=False)
        client.headers["Authorization"] = f"Bearer {token_for(ref_engine, email)}"
        out[name] = client
    yield out
    reset_accounts(ref_engine)


API = "/api/v1/stats/response-times"
DETAIL_LINK = re.compile(r'href="/desk/([0-9a-f-]{36})"')


def test_api_json(clients: dict[str, TestClient]) -> None:
    res = clients["admin_token"].get(
        API, params={"from": "2026-11-01", "to": "2026-12-01", "group": "regionraad"}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["group"], body["from"], body["to"], body["to_is_exclusive"]) == (
        "regionraad",
        "2026-11-01",
        "2026-12-01",
        True,
    )
    ab = next(r for r in body["rows"] if r["key"] == "Asker og Bærum regionråd")
    # the demo thread (Asker, 100 h) is counted by default
    assert (ab["threads"], ab["inquiries"], ab["median_hours"]) == (8, 7, pytest.approx(4.0))
    assert body["total"]["threads"] == 13 and body["total"]["is_total"] is True
    res = clients["admin_token"].get(
        API, params={"from": "2026-11-01", "to": "2026-12-01", "include_demo": "false"}
    )
    asker = next(r for r in res.json()["rows"] if r["key"] == ASKER)
    assert (asker["median_hours"], asker["p90_hours"], asker["share_within_promise"]) == (
        pytest.approx(2.5),
        pytest.approx(7.9),
        pytest.approx(0.6),
    )
    assert asker["coordination"] == {"planning": 1, "building": 0, "grid_company": 1, "meeting": 1}


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"from": "2026-13-01"},
        {"group": "fylke"},
        {"since": "2026-11-01"},
    ],
)
def test_api_bad_parameters_are_400(clients: dict[str, TestClient], params: dict[str, str]) -> None:
    res = clients["admin_token"].get(API, params=params)
    assert res.status_code == 400, res.text
    assert res.headers["content-type"].startswith("application/problem+json")


def test_api_roles(clients: dict[str, TestClient]) -> None:
    anonymous = clients["anonymous"].get(API)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert clients["editor_token"].get(API).status_code == 403
    assert clients["editor"].get(API).status_code == 403
    assert clients["admin"].get(API).status_code == 200


@pytest.mark.parametrize("path", ["/desk", "/desk/stats", "/desk/stats.xlsx"])
def test_pages_roles(clients: dict[str, TestClient], path: str) -> None:
    anonymous = clients["anonymous"].get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/auth/sign-in")
    assert clients["editor"].get(path).status_code == 403
    assert clients["admin"].get(path).status_code == 200


def test_list_page(clients: dict[str, TestClient], world: World) -> None:
    res = clients["admin"].get("/desk")
    assert res.status_code == 200
    page = res.text
    assert len(set(DETAIL_LINK.findall(page))) == 12
    assert f'href="/desk/{world.public_ids["c"]}"' in page
    assert '<th scope="col">' in page and '<th scope="row">' in page
    assert "på overtid" in page and "DEMO" in page
    assert 'href="/desk"' in page  # the admin nav's new link
    english = clients["admin"].get("/desk?status=overdue&lang=en").text
    assert DETAIL_LINK.findall(english) == [world.public_ids["c"]] and "overdue" in english
    assert clients["admin"].get("/desk?status=lost").status_code == 400


def test_stats_page_and_download(clients: dict[str, TestClient]) -> None:
    res = clients["admin"].get(
        "/desk/stats?from=2026-11-01&to=2026-12-01&group=kommune&include_demo=false&lang=no"
    )
    assert res.status_code == 200
    page = res.text
    assert '<th scope="row">Asker</th>' in page
    assert "2.5" in page and "7.9" in page and "60 %" in page
    assert "Beredskap per medlemskommune" in page
    assert (
        'href="/desk/stats.xlsx?from=2026-11-01&amp;to=2026-12-01&amp;group=kommune&amp;include_demo=false"'
        in page
    )
    # an empty form (from=&to=) is every period
    assert clients["admin"].get("/desk/stats?from=&to=&group=regionraad").status_code == 200
    bad = clients["admin"].get("/desk/stats?from=2026-12-01&to=2026-11-01")
    assert bad.status_code == 400 and "to må være etter from" in bad.text
    xlsx = clients["admin"].get("/desk/stats.xlsx?from=2026-11-01&to=2026-12-01&group=regionraad")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert {"Svartider", "Beredskap"} <= set(wb.sheetnames)
