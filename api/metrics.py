"""Prometheus metrics (prometheus-client): requests and their latency per route template, the database
pool, and the registry's own figures (submissions, inquiries, overdue first responses).

Labels are route templates (`/api/v1/sites/{site_id}`), never raw URLs: one series per route, not per
id, and no private link token or other value from a URL ever becomes a label. Each app has its own
registry (tests build many apps in one process)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.clock import Clock
from registry.services.metrics import CachedBusinessCounts

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: from a cached tile (milliseconds) to a large upload being checked.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class AppMetrics:
    """The metrics of one app, in a registry of its own."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.registry = CollectorRegistry()
        labels = ("route", "method", "status")
        self.requests = Counter(
            "naering_http_requests", "HTTP requests answered", labels, registry=self.registry
        )
        self.latency = Histogram(
            "naering_http_request_duration_seconds",
            "Time to answer an HTTP request, until the last byte of the body was handed to the server",
            labels,
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(PoolCollector(engine))
        self.registry.register(BusinessCollector(CachedBusinessCounts(engine, clock=clock)))

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        labels = (route, method if method in METHODS else "other", f"{status // 100}xx")
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)


def route_template(scope: Scope) -> str:
    """The template of the route that matched (a mount's prefix with `{path}`), or `unmatched`."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) and template else UNMATCHED


class MetricsMiddleware:
    """ASGI middleware: count and time each HTTP request by route template, method and status class."""

    def __init__(self, app: ASGIApp, metrics: AppMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception that escapes is a 500 to the client

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed_s = time.perf_counter() - started
            self.metrics.observe(route_template(scope), scope["method"], status, elapsed_s)


class PoolCollector(Collector):
    """The SQLAlchemy pool at scrape time: connections lent out and the pool's size."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        pool = self.engine.pool
        for name, doc, method in (
            ("naering_db_pool_in_use", "Database connections lent out to requests and jobs", "checkedout"),
            ("naering_db_pool_size", "Database connections the pool keeps (without overflow)", "size"),
            ("naering_db_pool_overflow", "Connections opened beyond the pool's size", "overflow"),
        ):
            read = getattr(pool, method, None)
            if read is not None:
                yield GaugeMetricFamily(name, doc, value=max(0, int(read())))


class BusinessCollector(Collector):
    """The registry's figures, read through the service (cached there for a few seconds)."""

    def __init__(self, counts: CachedBusinessCounts) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self.counts.get()
        yield GaugeMetricFamily(
            "naering_business_metrics_up",
            "1 when the figures below could be read from the database at this scrape",
            value=0 if counts is None else 1,
        )
        if counts is None:
            return
        submissions = GaugeMetricFamily(
            "naering_submissions", "Submissions in the registry by outcome", labels=["outcome"]
        )
        for outcome, n in counts.submissions.items():
            submissions.add_metric([outcome], n)
        yield submissions
        inquiries = GaugeMetricFamily("naering_inquiries", "Inquiries by state", labels=["state"])
        for state, n in counts.inquiries.items():
            inquiries.add_metric([state], n)
        yield inquiries
        yield GaugeMetricFamily(
            "naering_inquiry_first_responses_overdue",
            "Kommune threads of open inquiries past their first-response deadline with no response",
            value=counts.overdue_first_responses,
        )
