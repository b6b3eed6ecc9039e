"""Phase 2: normalise column names to the canonical field names of schemas.fields."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd

from etl.issues import Issue, SubmissionRejected, make_issue
from etl.values import VALUE_RECOGNISED, recognise_field
from schemas.fields import ALIASES, FIELDS, FIELDS_BY_NAME, normalise_header

# Columns the readers add themselves; never renamed.
RESERVED = {"geometry", "source_row"}
GEOMETRY_TARGETS = {"geometry", "wkt", "lat", "lon", "east", "north", "x", "y"}


def load_mapping(path: Path) -> dict[str, str]:
    """Read a mapping file (YAML: `columns: {their name: canonical name}`, or a flat mapping)."""
    import yaml  # imported here: only a submit with --mapping reads YAML

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
    frame: pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    keep: set[str] | None = None,
    kommune_numbers: Collection[str] = (),
) -> tuple[pd.DataFrame, dict[str, str], list[Issue]]:
    """Rename known columns to canonical names; return the frame, the mapping used and the issues.

    An explicit mapping wins over the built-in aliases; a column no header names is recognised by its
    values when they all fit one field (`etl.values.recognise_field`). Unknown columns are kept (prefixed
    `extra:`) so nothing the kommune sent is lost, and reported once as info. A required field with no
    column at all is one file-level error, not a missing value on every row.
    """
    explicit = {normalise_header(k): v for k, v in (mapping or {}).items()}
    rename: dict[str, str] = {}
    used: dict[str, str] = {}
    taken: set[str] = set()
    unnamed: list[str] = []
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
            unnamed.append(col)
    issues: list[Issue] = []
    for col in unnamed:
        target = recognise_field(
            frame[col], candidates=set(VALUE_RECOGNISED) - taken, kommune_numbers=kommune_numbers
        )
        if target is None:
            rename[col] = f"extra:{col}"
            continue
        rename[col] = target
        taken.add(target)
        used[str(col)] = target
        spec = FIELDS_BY_NAME[target]
        issues.append(
            make_issue(
                "column-recognised",
                field=target,
                value=col,
                detail=f"«{target}» ({spec.label_no})",
                detail_en=f"'{target}' ({spec.label_en})",
            )
        )
    out = frame.rename(columns=rename)
    extras = [str(c) for c in unnamed if rename[c].startswith("extra:")]
    if extras:
        issues.append(make_issue("column-unknown", detail=", ".join(extras)))
    issues += missing_required_columns(taken, extras)
    return out, used, issues


# The reference is derived when its column is missing (etl.validate.derive_references), so only these
# required fields make a file unusable without a column.
NO_COLUMN_FATAL = tuple(f.name for f in FIELDS if f.required and f.name != "reference")


def missing_required_columns(taken: Collection[str], extras: list[str]) -> list[Issue]:
    """One file-level error per required field no column holds, naming the columns left unrecognised."""
    listed_no = ", ".join(f"«{c}»" for c in extras) or "ingen"
    listed_en = ", ".join(f"'{c}'" for c in extras) or "none"
    issues = []
    for name in NO_COLUMN_FATAL:
        if name in taken:
            continue
        spec = FIELDS_BY_NAME[name]
        issues.append(
            make_issue(
                "column-missing",
                field=name,
                value=name,
                detail=f"«{name}» ({spec.label_no}). Kolonner som ikke ble gjenkjent: {listed_no}",
                detail_en=f"'{name}' ({spec.label_en}). Columns not recognised: {listed_en}",
            )
        )
    return issues
