"""Shared set-up for the one-door-in tests: two kommuner with published sites, profiles that promise
different response times, an editor each and a secretariat admin; inquiry tables emptied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.services.access import CLI
from registry.services.profiles import update_profile
from registry.services.submissions import SubmitOptions, run_submission
from tests.accounts import make_user, reset_accounts
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

A, B = "3201", "3203"  # Bærum, Asker
EDITOR_A, EDITOR_B, ADMIN = "plan@baerum.example", "plan@asker.example", "desk@osloregionen.example"
CONTACT_A, CONTACT_B = "naering@baerum.example", "naering@asker.example"
INQUIRY_TABLES = (
    "inquiry_message",
    "inquiry_site",
    "inquiry_thread",
    "inquiry_token",
    "inquiry",
    "inquiry_erasure",
    "requester_link",
    "stale_reminder",
    "job_run",
)
VERIFIED = "2026-12-01"


def reset_inquiries(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(INQUIRY_TABLES)} RESTART IDENTITY CASCADE"))


def load_sites(engine: Engine, tmp: Path, kommune_nr: str, sites: dict[int, dict[str, Any]]) -> None:
    """Published sites of 120 m × 120 m … squares (side from `side_m`, default 150 m = 22.5 daa)."""
    x, y = anchor_25833(engine, kommune_nr)
    feats = []
    for i, extra in sites.items():
        side = extra.pop("side_m", 150)
        props = site_props(
            i,
            kommune_nr,
            reference=f"{kommune_nr}-{i:03d}",
            name=extra.pop("name", f"Område {kommune_nr}-{i}"),
            maturity_verified_at=VERIFIED,
            power_verified_at=VERIFIED,
            availability_verified_at=VERIFIED,
            land_control_verified_at=VERIFIED,
            **extra,
        )
        feats.append((to_lonlat(square_25833(x, y, side, dx=400 * i)), props))
    path = write_geojson(tmp / f"sites_{kommune_nr}.geojson", feats)
    result = run_submission(engine, path, SubmitOptions(kommune_nr=kommune_nr, actor="file"))
    assert not result.rejected, [i.one_line() for i in result.issues]


def set_profile(engine: Engine, kommune_nr: str, *, contact: str, hours: int, clock: FixedClock) -> None:
    update_profile(
        engine,
        CLI,
        kommune_nr,
        {"contacts": [{"name": "Næringssjef", "email": contact}], "response_hours": hours},
        clock=clock,
    )


def two_kommuner(engine: Engine, tmp: Path, clock: FixedClock) -> None:
    """Bærum (A) promises 16 working hours, Asker (B) 8; both hold sites for a 20–80 daa, 5 MW need."""
    reset_inquiries(engine)
    reset_accounts(engine)
    load_sites(engine, tmp, A, {1: {"power_mw_now": 8}, 2: {"power_mw_now": 8, "side_m": 100}})
    load_sites(engine, tmp, B, {1: {"power_mw_now": 6}})
    set_profile(engine, A, contact=CONTACT_A, hours=16, clock=clock)
    set_profile(engine, B, contact=CONTACT_B, hours=8, clock=clock)
    make_user(engine, EDITOR_A, kommuner=[A], clock=clock)
    make_user(engine, EDITOR_B, kommuner=[B], clock=clock)
    make_user(engine, ADMIN, role="admin", clock=clock)


def oslo(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    """A wall-clock moment in Oslo (CEST in May: UTC+2) as UTC."""
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Europe/Oslo")).astimezone(dt.UTC)


NEED: dict[str, Any] = {
    "requester_kind": "direct",
    "organisation": "Nordic Battery AS",
    "name": "Kari Investor",
    "email": "kari@nordicbattery.example",
    "phone": "+47 22 00 00 00",
    "country": "Norway",
    "sector": "Battery cells",
    "area_min": 20,
    "area_max": 80,
    "area_unit": "daa",
    "power_mw_now": 5,
    "message": "We need a site for a pilot line.",
}
