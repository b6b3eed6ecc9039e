"""Where does `naering submit` spend its time? Phase and step timings of one in-process submission.

    .venv/bin/python bench/phases.py [--size 100000] [--variant 0]

Runs against the bench database (run bench/run.py once first; it creates and fills `naering_bench`),
after emptying the site tables, like one timed run of bench/run.py. Times the imports the CLI pays
before any work, then every phase of the submission service (via its progress callback) and, inside
the phases, the step functions the pipeline calls (wrapped here by name, nothing in the project is
changed). Prints a table and writes bench/out/phases_<size>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import time
from collections import defaultdict
from typing import Any

T_START = time.perf_counter()
import registry.services.submissions as service  # noqa: E402  (timed: the CLI pays these imports)
from registry.db import get_engine  # noqa: E402

T_IMPORTS = time.perf_counter() - T_START

import make_data  # noqa: E402
import psycopg  # noqa: E402
import run as bench_run  # noqa: E402

from etl import pipeline  # noqa: E402
from etl import validate as validate_mod  # noqa: E402
from registry.store import reference as reference_store  # noqa: E402
from registry.store import site_load as load_mod  # noqa: E402
from registry.store import submissions as submissions_store  # noqa: E402

STEPS: dict[str, float] = defaultdict(float)
SQL: dict[str, float] = defaultdict(float)  # statement (first words) → seconds


def time_sql(engine: Any) -> None:
    """Time every statement SQLAlchemy sends (COPY through the raw driver connection is not seen)."""
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        SQL[" ".join(statement.split())[:90]] += time.perf_counter() - conn.info.pop("bench_t0")


def _wrap(module: Any, name: str, label: str) -> None:
    original = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            STEPS[label] += time.perf_counter() - t0

    setattr(module, name, timed)


def instrument() -> None:
    """Wrap the step functions the pipeline and the submission service call, by module attribute."""
    _wrap(reference_store, "kommune_names", "kommune index (SQL)")
    _wrap(reference_store, "kommune_outline", "kommune outline (SQL)")
    _wrap(pipeline.readers, "read_submission", "read: read_submission")
    _wrap(pipeline, "normalise_columns", "normalise: normalise_columns")
    _wrap(pipeline, "parse_values", "parse: parse_values")
    _wrap(pipeline, "process_geometries", "geometry: process_geometries")
    _wrap(pipeline, "validate_frame", "validate: validate_frame (attributes)")
    _wrap(validate_mod, "check_required", "  validate_frame: check_required")
    _wrap(validate_mod, "check_dates", "  validate_frame: check_dates")
    _wrap(validate_mod, "check_contradictions", "  validate_frame: check_contradictions")
    _wrap(validate_mod, "check_duplicate_references", "  validate_frame: check_duplicate_references")
    _wrap(pipeline, "check_kommune", "validate: check_kommune")
    _wrap(pipeline, "check_area", "validate: check_area")
    _wrap(pipeline, "check_within_kommune", "validate: check_within_kommune")
    _wrap(service, "nearest_to", "enrich: nearest_to (on a thread, beside validate)")
    _wrap(load_mod, "stage", "load: stage (COPY + indexes)")
    _wrap(load_mod, "overlaps", "load: overlaps (SQL)")
    _wrap(submissions_store, "insert_submission", "load: insert_submission (issues COPY)")
    _wrap(load_mod, "write_sites", "load: write_sites (UPDATE/INSERT/archive)")
    _wrap(pipeline, "row_geometries", "after: row_geometries (report)")
    _wrap(pipeline, "site_rows", "after: site_rows (report)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--variant", type=int, default=0)
    args = parser.parse_args()

    url = os.environ.get("NAERING_DATABASE_URL") or bench_run.bench_url()
    paths, _manifest = make_data.ensure_files(args.size, args.variant + 1)
    path = paths[args.variant]
    with psycopg.connect(**bench_run._psycopg_args(bench_run.make_url(url)), autocommit=True) as conn:
        bench_run.reset_sites(conn)
    instrument()
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    engine = get_engine(url)
    time_sql(engine)
    result = service.run_submission(
        engine,
        path,
        service.SubmitOptions(kommune_nr=make_data.KOMMUNE_NR, replace=True, actor="bench"),
        progress=lambda phase: marks.append((phase, time.perf_counter())),
    )
    t_end = time.perf_counter()
    marks.append(("(end)", t_end))
    phases = {
        "imports (submission service, registry.db)": T_IMPORTS,
        "before read (engine, kommune index)": marks[0][1] - t0,
    }
    for (name, start), (_, stop) in itertools.pairwise(marks):
        phases[name] = stop - start
    total = T_IMPORTS + (t_end - t0)
    print(
        f"{args.size} sites from {path.name}: loaded {result.rows_loaded}, {len(result.issues)} issues, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(f"{'phase':<48}{'s':>8}{'share':>8}")
    for name, secs in phases.items():
        print(f"{name:<48}{secs:8.2f}{secs / total:8.0%}")
    print(f"{'total (imports + run_submission)':<48}{total:8.2f}")
    print(f"\n{'step (wrapped function)':<48}{'s':>8}")
    for name, secs in STEPS.items():
        print(f"{name:<48}{secs:8.2f}")
    print(f"\n{'SQL statement (slowest first)':<92}{'s':>8}")
    for stmt, secs in sorted(SQL.items(), key=lambda kv: -kv[1])[:12]:
        print(f"{stmt:<92}{secs:8.2f}")
    out = make_data.OUT / f"phases_{args.size}.json"
    out.write_text(
        json.dumps(
            {
                "size": args.size,
                "file": path.name,
                "rows_loaded": result.rows_loaded,
                "phases_s": {k: round(v, 3) for k, v in phases.items()},
                "steps_s": {k.strip(): round(v, 3) for k, v in STEPS.items()},
                "sql_s": {k: round(v, 3) for k, v in sorted(SQL.items(), key=lambda kv: -kv[1])[:20]},
                "total_s": round(total, 3),
            },
            indent=2,
        )
    )
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
