"""Use case: load the demo data — one-door-in profiles and the generated demo submissions in data/demo/."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
