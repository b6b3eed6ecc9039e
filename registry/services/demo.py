"""Use case: load the demo data — one-door-in profiles and the generated demo submissions in data/demo/."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from etl.result import SubmissionResult
from registry.clock import Clock
from registry.db import transaction
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import PROJECT_ROOT
from registry.store import profiles as profile_store

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
DEMO_ACTOR = "demo-loader"


def _demo_contacts(row: dict[str, str]) -> list[dict[str, str | None]]:
    """The one contact of a row of profiles.csv (columns contact_name, contact_role, email, phone)."""
    contact = {
        "name": row.get("contact_name") or None,
        "role": row.get("contact_role") or None,
        "email": row.get("email") or None,
        "phone": row.get("phone") or None,
    }
    return [contact] if any(contact.values()) else []


def load_profiles(engine: Engine, path: Path) -> int:
    """Upsert the one-door-in profiles of `path` (CSV, one contact a row); return how many."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with transaction(engine, actor=DEMO_ACTOR) as session:
        for r in rows:
            profile_store.upsert_demo(
                session,
                {
                    **r,
                    "response_hours": int(r["response_hours"]) if r.get("response_hours") else None,
                    "verified_at": dt.date.fromisoformat(r["verified_at"]) if r.get("verified_at") else None,
                    "is_demo": str(r.get("is_demo", "true")).lower() in {"true", "1", "yes", "ja"},
                },
            )
            contacts = _demo_contacts(r)
            if [dict(c) for c in profile_store.contacts(session, r["kommune_nr"])] != contacts:
                profile_store.replace_contacts(session, r["kommune_nr"], contacts)
    return len(rows)


def load_demo(
    engine: Engine, *, demo_dir: Path = DEMO_DIR, progress: Callable[[str], None] | None = None
) -> list[SubmissionResult]:
    """Load profiles and submit every demo file (published, marked demo). Re-running is a no-op."""
    load_profiles(engine, demo_dir / "profiles.csv")
    results = []
    for path in sorted(demo_dir.glob("sites_*.geojson")):
        kommune_nr = path.stem.split("_", 1)[1]
        if progress:
            progress(path.name)
        results.append(
            run_submission(
                engine,
                path,
                SubmitOptions(kommune_nr=kommune_nr, is_demo=True, actor=DEMO_ACTOR, replace=True),
            )
        )
    return results


DEMO_EDITOR = "demo-redaktor@demo.invalid"
DEMO_ADMIN = "demo-sekretariat@demo.invalid"
DEMO_EDITOR_KOMMUNER = ("3205", "3201")  # Lillestrøm and Bærum: both have demo sites


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    kommuner: tuple[str, ...]
    password: str


def ensure_demo_accounts(engine: Engine, *, clock: Clock) -> list[DemoAccount]:
    """A demo editor and a demo admin (marked demo; refused in production), with fresh passwords."""
    from registry.services import accounts
    from registry.settings import AuthSettings

    settings = AuthSettings()
    out = []
    for email, role, kommuner in (
        (DEMO_EDITOR, "editor", DEMO_EDITOR_KOMMUNER),
        (DEMO_ADMIN, "admin", ()),
    ):
        password = "demo-" + secrets.token_urlsafe(9)
        accounts.ensure_demo_user(
            engine,
            email=email,
            role=role,
            kommuner=kommuner,
            password=password,
            settings=settings,
            clock=clock,
        )
        out.append(DemoAccount(email, role, kommuner, password))
    return out


# --- demo inquiries: three, in different states ------------------------------------------------------------

DEMO_INQUIRY_ADDRESS = "demo"  # the "client address" of the demo inquiries (spam limits count it)
DEMO_INQUIRIES: tuple[dict[str, object], ...] = (
    {  # answered by Bærum with coordination; filed five days ago
        "requester_kind": "direct",
        "organisation": "Demo Battery Cells AS",
        "name": "Demo Investor",
        "email": "investor.demo@demo.invalid",
        "country": "Germany",
        "sector": "Battery cell production / Battericelleproduksjon",
        "area_min": 15,
        "area_max": 150,
        "area_unit": "daa",
        "power_mw_now": 5,
        "maturity_min": "M3",
        "max_km_main_road": 15,
        "confidentiality": "open",
        "message": "DEMO: A pilot line in 2028, a full plant later. / "
        "DEMO: En pilotlinje i 2028, en full fabrikk senere.",
    },
    {  # routed to Bærum and Lillestrøm and not answered: overdue once the jobs have run
        "requester_kind": "direct",
        "organisation": "Demo Data Centre Ltd",
        "name": "Demo Site Scout",
        "email": "scout.demo@demo.invalid",
        "country": "United Kingdom",
        "sector": "Data centre / Datasenter",
        "area_min": 20,
        "area_unit": "daa",
        "power_mw_now": 10,
        "kommuner": ["3201", "3205"],
        "confidentiality": "on_accept",
    },
    {  # just filed, by Innovation Norway for a client who stays unknown to the kommuner
        "requester_kind": "innovasjon_norge",
        "organisation": "Innovasjon Norge (demo)",
        "name": "Demo Rådgiver",
        "email": "radgiver.demo@demo.invalid",
        "client": "Demo Logistics Group",
        "country": "Sweden",
        "sector": "Logistics / Logistikk",
        "area_min": 30,
        "area_max": 250,
        "area_unit": "daa",
        "use_codes": ["1350", "1826"],
        "max_km_main_road": 5,
        "confidentiality": "registry_only",
    },
)


def load_demo_inquiries(engine: Engine, *, clock: Clock) -> int:
    """File the demo inquiries (marked demo) in three states — answered, overdue, new — unless there are
    demo inquiries already; how many were filed. The mails they cause stay in the outbox without SMTP."""
    from registry.clock import FixedClock
    from registry.services import inquiries
    from registry.services.access import Principal
    from registry.settings import AuthSettings, InquirySettings, MailSettings
    from registry.store import inquiries as inquiry_store

    with transaction(engine, actor=DEMO_ACTOR) as session:
        if inquiry_store.count_demo(session):
            return 0
    settings, auth, mail = InquirySettings(), AuthSettings(), MailSettings()
    hours = inquiries.working_hours(settings)
    now = clock.now()

    def working_morning(days_ago: int) -> dt.datetime:
        """09:30 on the working day at or before `days_ago` calendar days ago, in the kommuner's time."""
        day = inquiries.local_date(now, settings) - dt.timedelta(days=days_ago)
        while not hours.is_working_day(day):
            day -= dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(9, 30), tzinfo=ZoneInfo(settings.work_timezone))
        return local.astimezone(dt.UTC)

    moments = (working_morning(7), working_morning(6), now)
    filed = [
        inquiries.submit(
            engine,
            data,
            client_addr=DEMO_INQUIRY_ADDRESS,
            settings=settings,
            auth=auth,
            mail=mail,
            clock=FixedClock(moment),
            is_demo=True,
        )
        for data, moment in zip(DEMO_INQUIRIES, moments, strict=True)
    ]
    editor = Principal(email=DEMO_EDITOR, role="editor", kommuner=frozenset(DEMO_EDITOR_KOMMUNER), via="cli")
    answered = filed[0]
    # Bærum answers within three working hours, Lillestrøm on the next working day.
    for nr, after in (("3201", 3), ("3205", 10)):
        if nr not in {r["kommune_nr"] for r in answered.routed}:
            continue
        at = hours.add(moments[0], after)
        inquiries.respond(
            engine,
            editor,
            answered.public_id,
            nr,
            body=(
                "DEMO: Velkommen! Området er regulert og nettselskapet har bekreftet 8 MW. "
                "Vi foreslår et møte med plan, byggesak og nettselskapet. / DEMO: Welcome! The site is "
                "zoned and the grid company has confirmed 8 MW. We propose a meeting with planning, "
                "building and the grid company."
            ),
            coordination={"planning": at.date().isoformat(), "grid_company": at.date().isoformat()},
            settings=settings,
            auth=auth,
            mail=mail,
            clock=FixedClock(at),
        )
    return len(filed)
