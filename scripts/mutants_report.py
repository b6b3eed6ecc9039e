"""Helpers of scripts/mutants.sh (mutation testing with mutmut); run from the checkout's root.

  mutants_report.py                   the score per module and overall, and every mutant not killed
                                      (with full diffs in mutants/survivors.txt)
  mutants_report.py --patterns        the mutant name patterns of [tool.naering.mutants], one a line
  mutants_report.py --sample N SEED   N mutant names drawn at random (seeded) from those the patterns
                                      match, from the mutants mutmut generated in mutants/
  mutants_report.py --make-template   (re)create the database NAERING_TEST_TEMPLATE that each mutant's
                                      test session copies: migrated, reference data loaded
  mutants_report.py --drop-databases  drop that template and any copies left behind (a timed-out mutant)
  mutants_report.py --filter          pass mutmut's output through, without its spinner and with one
                                      progress line in 100

The score counts killed and timed-out mutants as detected, over every mutant matched by the patterns,
including those that no selected test runs ("no tests"). A second score leaves out the surviving
mutants that only change the letter case of SQL text (keywords, function names and unquoted
identifiers: PostgreSQL does not see the difference); they are listed, so the claim can be checked.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

DETECTED = ("killed", "timeout")
# SQL keywords as this code writes them (upper case), so that English text is not taken for SQL.
SQL_WORD = re.compile(r"\b(SELECT|FROM|WHERE|AND|ANY|ORDER BY|LIMIT|OFFSET|COUNT|JOIN|ST_\w+)\b")
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def patterns() -> list[str]:
    with open("pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["tool"]["naering"]["mutants"]["functions"])


def _admin_and_template() -> tuple[object, str, str]:
    from sqlalchemy import make_url

    from registry import db

    url = make_url(os.environ["NAERING_DATABASE_URL"])
    template = os.environ["NAERING_TEST_TEMPLATE"]
    admin = db.get_engine(url.set(database="postgres").render_as_string(hide_password=False))
    return (
        admin.execution_options(isolation_level="AUTOCOMMIT"),
        template,
        url.set(database=template).render_as_string(hide_password=False),
    )


def drop_databases() -> None:
    from sqlalchemy import text

    admin, template, _ = _admin_and_template()
    with admin.connect() as conn:  # type: ignore[attr-defined]
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = :t OR datname LIKE :copies"),
            {"t": template, "copies": template.replace("_", r"\_") + r"\_%"},
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_template() -> None:
    from sqlalchemy import text

    from registry import db
    from registry.services.reference import load_reference

    drop_databases()
    admin, template, url = _admin_and_template()
    with admin.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    db.upgrade(url)
    load_reference(engine)
    engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it without connections
    print(f"template database {template}: migrated, reference data loaded")


def filter_output() -> None:
    """mutmut redraws one status line with carriage returns: keep every 100th of them."""
    buf, n = "", 0
    while chunk := sys.stdin.read(1):
        if chunk not in "\r\n":
            buf += chunk
            continue
        line, buf = buf.strip(), ""
        if not line:
            continue
        progress = re.match(r"^\W*(\d+)/(\d+)\s", line)
        if progress:
            n += 1
            done, total = int(progress.group(1)), int(progress.group(2))
            if n % 100 and done != total:
                continue
        elif re.match(
            r"^\W*(Generating mutants|Running stats|Running clean tests|Running forced)", line
        ) or re.match(r"^\S+ [\w.ǁ]+__mutmut_\d+$", line):
            continue
        print(line, flush=True)
    if buf.strip():
        print(buf.strip(), flush=True)


def _changed_lines(diff: str) -> tuple[list[str], list[str]]:
    minus = [x[1:] for x in diff.splitlines() if x.startswith("-") and not x.startswith("---")]
    plus = [x[1:] for x in diff.splitlines() if x.startswith("+") and not x.startswith("+++")]
    return minus, plus


def sql_case_only(diff: str) -> bool:
    """True when the mutant only changes the letter case of one SQL string: lower-cased without
    upper-case bind parameters, or upper-cased without bind parameters; never with quoted text."""
    minus, plus = _changed_lines(diff)
    if len(minus) != 1 or len(plus) != 1:
        return False
    for m in LITERAL.finditer(minus[0]):
        lit = m.group(1)
        if not SQL_WORD.search(lit) or "'" in lit or "\\" in lit:
            continue
        for changed, safe in (
            (lit.lower(), not re.search(r":\w*[A-Z]", lit)),
            (lit.upper(), ":" not in lit),
        ):
            if safe and changed != lit and minus[0].replace(f'"{lit}"', f'"{changed}"', 1) == plus[0]:
                return True
    return False


def report() -> int:
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    if not Path("mutants").is_dir():
        print("No mutants/ folder: run `make mutants` first.")
        return 1
    wanted = patterns()
    rows: list[tuple[str, Counter[str]]] = []
    undetected: list[tuple[str, str, str]] = []  # (status, mutant, compact change)
    out_of_scope = 0
    survivors_file = Path("mutants") / "survivors.txt"
    with survivors_file.open("w", encoding="utf-8") as out:
        for path in walk_mutatable_files():
            data = SourceFileMutationData(path=path)
            data.load()
            counts: Counter[str] = Counter()
            for key, code in sorted(data.exit_code_by_key.items(), key=lambda kv: _natural(kv[0])):
                if not any(fnmatch.fnmatchcase(key, p) for p in wanted):
                    out_of_scope += 1
                    continue
                status = status_by_exit_code[code]
                if status not in (*DETECTED, "not checked"):
                    try:
                        diff = get_diff_for_mutant(key, path=path)
                    except Exception as exc:  # a diff we cannot show must not hide the rest
                        diff = f"(no diff: {exc})"
                    if status == "survived" and sql_case_only(diff):
                        status = "equivalent"
                    minus, plus = _changed_lines(diff)
                    change = " | ".join(x.strip() for x in [*minus, "=>", *plus])
                    undetected.append((status, key, change))
                    out.write(f"# {key}: {status}\n{diff}\n")
                counts[status] += 1
            if counts:
                rows.append((str(path), counts))

    equivalent = [u for u in undetected if u[0] == "equivalent"]
    others = [u for u in undetected if u[0] != "equivalent"]
    print(f"\nMutants not killed ({len(others)}; diffs in {survivors_file}):")
    for status, key, change in others:
        print(f"  {status:10s} {key}\n               {change}")
    print(
        "\nSurvivors that only change the letter case of SQL text, counted as equivalent "
        f"({len(equivalent)}):"
    )
    for _status, key, change in equivalent:
        print(f"  {key}: {change}")

    def line(name: str, c: Counter[str]) -> str:
        total = sum(c.values()) - c["not checked"]
        detected = sum(c[s] for s in DETECTED)
        raw = f"{100 * detected / total:5.1f} %" if total else "   -   "
        adj_total = total - c["equivalent"]
        adj = f"{100 * detected / adj_total:5.1f} %" if adj_total else "   -   "
        return (
            f"{name:28s} {detected:5d}/{total:<5d} {raw}  (without SQL case: {adj})   killed {c['killed']}"
            f", timeout {c['timeout']}, survived {c['survived']}, SQL case {c['equivalent']}"
            f", no tests {c['no tests']}, suspicious {c['suspicious']}"
            + "".join(f", {k} {v}" for k, v in c.items() if k not in (*DETECTED, *_LISTED))
        )

    totals: Counter[str] = Counter()
    for _name, counts in rows:
        totals += counts
    print("\nMutation score = (killed + timeout) / mutants:")
    for name, counts in rows:
        print("  " + line(name, counts))
    print("  " + line("ALL", totals))
    print(f"  ({out_of_scope} mutants of these files are outside [tool.naering.mutants] and not counted)")
    if totals["not checked"]:
        print(f"  ({totals['not checked']} mutants were not checked: the run was interrupted or partial)")
    return 0


_LISTED = ("survived", "equivalent", "no tests", "suspicious", "not checked")


def sample(n: int, seed: int) -> list[str]:
    """`n` names drawn with `seed` from the generated mutants that the patterns match."""
    import fnmatch
    import json
    import random

    keys = sorted(
        key
        for meta in Path("mutants").rglob("*.meta")
        for key in json.loads(meta.read_text()).get("exit_code_by_key", {})
        if any(fnmatch.fnmatch(key, p) for p in patterns())
    )
    return sorted(random.Random(seed).sample(keys, min(n, len(keys))))


def _natural(key: str) -> tuple[str, int]:
    name, _, number = key.rpartition("__mutmut_")
    return name, int(number) if number.isdigit() else 0


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) > 1 else ""
    if arg == "--make-template":
        make_template()
    elif arg == "--drop-databases":
        drop_databases()
    elif arg == "--patterns":
        print("\n".join(patterns()))
    elif arg == "--sample":
        print("\n".join(sample(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1129)))
    elif arg == "--filter":
        filter_output()
    elif arg == "":
        sys.exit(report())
    else:
        sys.exit(__doc__)
