"""Phase 2: normalise column names to the canonical field names of schemas.fields."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import yaml

from etl.issues import Issue, SubmissionRejected, make_issue
from schemas.fields import ALIASES, FIELDS_BY_NAME, normalise_header

# Columns the readers add themselves; never renamed.
RESERVED = {"geometry", "source_row"}
GEOMETRY_TARGETS = {"geometry", "wkt", "lat", "lon", "east", "north", "x", "y"}


def load_mapping(path: Path) -> dict[str, str]:
    """Read a mapping file (YAML: `columns: {their name: canonical name}`, or a flat mapping)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SubmissionRejected(
            [make_issue("file-unreadable", file=path.name, detail=f"mapping file: {exc.__class__.__name__}")]
        ) from exc
    columns = data.get("columns", data) if isinstance(data, dict) else None
    if not isinstance(columns, dict):
        raise SubmissionRejected(
            [
                make_issue(
                    "file-unreadable",
                    file=path.name,
                    detail="mapping file must map column names to field names",
                )
            ]
        )
    # Coordinate and WKT columns are found by the reader itself (before any mapping applies).
    columns = {k: v for k, v in columns.items() if str(v).lower() not in GEOMETRY_TARGETS}
    unknown = [v for v in columns.values() if v not in FIELDS_BY_NAME]
    if unknown:
        raise SubmissionRejected(
            [
                make_issue(
                    "unknown-code",
                    file=path.name,
                    field="columns",
                    value=unknown[0],
                    detail=": " + ", ".join(FIELDS_BY_NAME),
                )
            ]
        )
    return {str(k): str(v) for k, v in columns.items()}


def normalise_columns(
    frame: pd.DataFrame, *, mapping: Mapping[str, str] | None = None, keep: set[str] | None = None
) -> tuple[pd.DataFrame, dict[str, str], list[Issue]]:
    """Rename known columns to canonical names; return the frame, the mapping used and info issues.

    An explicit mapping wins over the built-in aliases. Unknown columns are kept (prefixed `extra:`) so
    nothing the kommune sent is lost, and reported once as info.
    """
    explicit = {normalise_header(k): v for k, v in (mapping or {}).items()}
    rename: dict[str, str] = {}
    used: dict[str, str] = {}
    issues: list[Issue] = []
    taken: set[str] = set()
    for col in frame.columns:
        if col in RESERVED or col in (keep or set()):
            continue
        key = normalise_header(str(col))
        target = explicit.get(key) or ALIASES.get(key)
        if target and target not in taken:
            rename[col] = target
            taken.add(target)
            used[str(col)] = target
        else:
            rename[col] = f"extra:{col}"
    out = frame.rename(columns=rename)
    extras = [c[6:] for c in out.columns if isinstance(c, str) and c.startswith("extra:")]
    if extras:
        issues.append(make_issue("column-unknown", detail=", ".join(extras)))
    return out, used, issues
