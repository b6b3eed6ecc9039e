"""The registry's own figures for the operations metrics: submissions by outcome, inquiries by state and
overdue first responses, read at scrape time and kept for a short while, so that many scrapes at once
(several Prometheus servers, a dashboard refreshing) cost the database one query round per `ttl_s`."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from registry.clock import Clock
from registry.models import SUBMISSION_STATUSES
from registry.store import metrics as store
from schemas.taxonomy import INQUIRY_STATUS

DEFAULT_TTL_S = 15.0


@dataclass(frozen=True)
class BusinessCounts:
    submissions: dict[str, int]  # every submission status, zero included
    inquiries: dict[str, int]  # every inquiry status, zero included
    overdue_first_responses: int
    read_at: dt.datetime


def business_counts(engine: Engine, *, clock: Clock) -> BusinessCounts:
    """Count now, in one read-only snapshot."""
    now = clock.now()
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        submissions = store.submissions_by_status(conn)
        inquiries = store.inquiries_by_status(conn)
        overdue = store.overdue_first_responses(conn, now=now)
    return BusinessCounts(
        submissions={s: submissions.get(s, 0) for s in SUBMISSION_STATUSES},
        inquiries={s: inquiries.get(s, 0) for s in INQUIRY_STATUS.codes},
        overdue_first_responses=overdue,
        read_at=now,
    )


class CachedBusinessCounts:
    """`business_counts`, read again only when the last reading is older than `ttl_s` by `clock`."""

    def __init__(self, engine: Engine, *, clock: Clock, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.engine, self.clock, self.ttl = engine, clock, dt.timedelta(seconds=ttl_s)
        self._last: BusinessCounts | None = None
        self._lock = threading.Lock()

    def get(self) -> BusinessCounts | None:
        """The counts, or None when the database does not answer (the scrape then says so)."""
        with self._lock:  # one reading at a time: a scrape storm waits for it rather than repeating it
            last = self._last
            if last is not None and self.clock.now() - last.read_at < self.ttl:
                return last
            try:
                self._last = business_counts(self.engine, clock=self.clock)
            except SQLAlchemyError:
                return None
            return self._last
