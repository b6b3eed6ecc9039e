"""Use case: scheduled work, `naering jobs run` — idempotent, safe to run twice at once, every few minutes.

    reminders        a thread past `reminder_share` of its promise with no first response → its contacts
    escalations      a thread past its deadline with no first response → the secretariat
    auto_close       an inquiry without activity for `auto_close_days` is closed
    retention        contact details of inquiries closed `retention_months` ago are erased (privacy)
    address_hashes   the client-address hashes of the rate limit are dropped after `address_hash_hours`
    stale_reminders  every `stale_reminder_days`, each kommune's contacts get its stale and unverified sites
    mail             the outbox is delivered
    dump             the nightly `pg_dump -Fc` into NAERING_BACKUP_DUMP_PATH (registry.services.backups)

A PostgreSQL advisory lock keeps two runs apart (the second returns at once, doing nothing); each job
marks what it did in the same transaction that queues its e-mail, so a run that dies half-way is finished
by the next one and nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

import registry.services.inquiry_mail as compose
import registry.services.mail as mail_service
from registry.clock import Clock
from registry.db import transaction
from registry.services.access import CLI
from registry.services.backups import nightly_dump
from registry.services.inquiries import (
    desk_link,
    kommune_recipients,
    local_date,
    secretariat_recipients,
    thread_link,
)
from registry.services.mail import Mail
from registry.services.privacy import apply_retention
from registry.services.site_edit import kommune_sites
from registry.settings import AuthSettings, BackupSettings, InquirySettings, MailSettings
from registry.store import inquiries as store
from registry.store import jobs as jobs_store

ACTOR = "jobs"
JOBS = (
    "reminders",
    "escalations",
    "auto_close",
    "retention",
    "address_hashes",
    "stale_reminders",
    "mail",
    "dump",
)


@dataclass
class JobReport:
    """What one run did, job by job (counts), or `busy` when another run held the lock."""

    busy: bool = False
    done: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class JobContext:
    engine: Engine
    settings: InquirySettings
    auth: AuthSettings
    mail: MailSettings
    clock: Clock
    backup: BackupSettings


def _follow_up(
    ctx: JobContext,
    due: Callable[..., Sequence[Mapping[Any, Any]]],
    mark: str,
    mails: Callable[[Session, Mapping[Any, Any]], list[Mail]],
) -> int:
    """Queue `mails` for every thread `due` returns and set its `mark` column, in one transaction."""
    now = ctx.clock.now()
    with transaction(ctx.engine, actor=ACTOR) as session:
        threads = due(session, now=now)
        for thread in threads:
            for message in mails(session, thread):
                mail_service.queue(session, message, clock=ctx.clock)
            store.update_thread(session, thread["id"], {mark: now})
    return len(threads)


def _reminders(ctx: JobContext) -> int:
    """Half the promise has passed with no first response: the kommune's contacts are reminded."""
    return _follow_up(
        ctx,
        store.threads_to_remind,
        "reminded_at",
        lambda session, t: [
            compose.reminder(
                to=address,
                kommune_name=t["kommune_name"],
                due_at=t["due_at"],
                link=thread_link(ctx.auth, t["public_id"], t["kommune_nr"]),
            )
            for address in kommune_recipients(session, t["kommune_nr"])
        ],
    )


def _escalations(ctx: JobContext) -> int:
    """The deadline has passed with no first response: the secretariat is told."""
    return _follow_up(
        ctx,
        store.threads_to_escalate,
        "escalated_at",
        lambda session, t: [
            compose.escalation(
                to=address,
                kommune_name=t["kommune_name"],
                due_at=t["due_at"],
                link=desk_link(ctx.auth, t["public_id"]),
            )
            for address in secretariat_recipients(session, ctx.settings)
        ],
    )


def _auto_close(ctx: JobContext) -> int:
    now = ctx.clock.now()
    with transaction(ctx.engine, actor=ACTOR) as session:
        ids = store.inquiries_to_auto_close(
            session, before=now - dt.timedelta(days=ctx.settings.auto_close_days)
        )
        for inquiry_id in ids:
            store.update_inquiry(session, inquiry_id, {"status": "closed", "closed_at": now})
    return len(ids)


def _retention(ctx: JobContext) -> int:
    return apply_retention(ctx.engine, ctx.settings, clock=ctx.clock)


def _address_hashes(ctx: JobContext) -> int:
    before = ctx.clock.now() - dt.timedelta(hours=ctx.settings.address_hash_hours)
    with transaction(ctx.engine, actor=ACTOR) as session:
        return store.clear_address_hashes(session, before=before)


def _stale_reminders(ctx: JobContext) -> int:
    now = ctx.clock.now()
    today = local_date(now, ctx.settings)
    every = dt.timedelta(days=ctx.settings.stale_reminder_days)
    sent = 0
    with transaction(ctx.engine, actor=ACTOR) as session:
        names = store.kommune_names(session)
        for nr in jobs_store.kommuner_with_live_sites(session):
            last = jobs_store.last_stale_reminder(session, nr)
            if last is not None and now - last < every:
                continue
            flagged = [
                {
                    "name": s["name"],
                    "state_no": "utdatert" if s["stale"] else "ikke bekreftet",
                    "state_en": "stale" if s["stale"] else "unverified",
                }
                for s in kommune_sites(session, CLI, nr, today=today)
                if s["status"] != "archived" and (s["stale"] or s["unverified"])
            ]
            recipients = kommune_recipients(session, nr)
            if not flagged or not recipients:
                continue
            if not jobs_store.record_stale_reminder(
                session, nr, period=today.isoformat(), at=now, sites=len(flagged)
            ):
                continue
            for address in recipients:
                mail_service.queue(
                    session,
                    compose.stale_facts(
                        to=address,
                        kommune_name=names.get(nr, nr),
                        sites=flagged,
                        link=ctx.auth.public_url.rstrip("/") + f"/my/{nr}/sites?flag=stale",
                    ),
                    clock=ctx.clock,
                )
            sent += 1
    return sent


def _dump(ctx: JobContext) -> int:
    return nightly_dump(ctx.engine, ctx.backup, ctx.settings, clock=ctx.clock)


def _mail(ctx: JobContext) -> int:
    report = mail_service.deliver(ctx.engine, ctx.mail, ctx.clock)
    return len(report.sent) + len(report.kept)


_RUNNERS: dict[str, Callable[[JobContext], int]] = {
    "reminders": _reminders,
    "escalations": _escalations,
    "auto_close": _auto_close,
    "retention": _retention,
    "address_hashes": _address_hashes,
    "stale_reminders": _stale_reminders,
    "mail": _mail,
    "dump": _dump,
}


def run_jobs(
    engine: Engine,
    *,
    settings: InquirySettings,
    auth: AuthSettings,
    mail: MailSettings,
    clock: Clock,
    only: tuple[str, ...] = (),
    backup: BackupSettings | None = None,
) -> JobReport:
    """Run every job (or `only` these) once, in order, under the jobs lock."""
    unknown = [j for j in only if j not in _RUNNERS]
    if unknown:
        raise ValueError(f"unknown job {', '.join(unknown)}; use {', '.join(JOBS)}")
    ctx = JobContext(engine, settings, auth, mail, clock, backup or BackupSettings())
    with engine.connect() as lock_conn:
        if not jobs_store.try_lock(lock_conn):
            return JobReport(busy=True)
        try:
            with transaction(engine, actor=ACTOR) as session:
                run_id = jobs_store.start_run(session, at=clock.now())
            report = JobReport()
            for name in JOBS:
                if not only or name in only:
                    report.done[name] = _RUNNERS[name](ctx)
            with transaction(engine, actor=ACTOR) as session:
                jobs_store.finish_run(session, run_id, at=clock.now(), summary=dict(report.done))
            return report
        finally:
            jobs_store.unlock(lock_conn)
            lock_conn.commit()


def last_runs(engine: Engine) -> list[dict[str, Any]]:
    with transaction(engine, actor=ACTOR) as session:
        return [dict(r) for r in jobs_store.last_runs(session)]
