"""Pure rules of a site's history: what each stored change was, and what it changed, field by field.

The database keeps every insert, update and archive of a site (`site_history`, written by triggers
whatever the path: file, form or API) as the whole row before and after, as JSON. People ask "who
changed what, and when"; these rules answer from those two rows:

- the action people name: `insert`, `archive` (as stored), and for an update `restore` (archived →
  live), `publish` (draft → published), `unpublish` (published → draft) or `update`;
- the fields whose value differs, each with its label in both languages and the value before and after
  (read back by the declared type: numbers, booleans, lists; `updated_at` is left out: it moves with
  every change and is the change's own time);
- for an insert, every field given a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.site import ARRAY_COLUMNS, FIELDS_BY_COLUMN

# Columns every change touches; their before/after says nothing of the change itself.
NOISE: frozenset[str] = frozenset({"updated_at"})
ACTIONS: tuple[str, ...] = ("insert", "update", "publish", "unpublish", "archive", "restore", "delete")


@dataclass(frozen=True)
class FieldChange:
    field: str
    label_no: str
    label_en: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label_no": self.label_no,
            "label_en": self.label_en,
            "before": self.before,
            "after": self.after,
        }


def action_of(stored: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """The action people name for a stored history row (`stored` is insert, update, archive or delete)."""
    if stored != "update":
        return stored
    was, now = (before or {}).get("status"), (after or {}).get("status")
    if was == "archived" and now != "archived":
        return "restore"
    if was == "draft" and now == "published":
        return "publish"
    if was == "published" and now == "draft":
        return "unpublish"
    return "update"


def array_value(text: str) -> list[str]:
    """A PostgreSQL array literal as the history keeps it ('{a,b,"c d"}') as a list of strings."""
    inner = text.strip()
    if len(inner) < 2 or inner[0] != "{" or inner[-1] != "}":
        return [text]
    body = inner[1:-1]
    if not body:
        return []
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in body:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return items


def value_of(column: str, value: Any) -> Any:
    """A stored history value as the API shows it, by the site record's declared type: the trigger keeps
    every value as text (migration 0008), so numbers, booleans and lists are read back; an older row's
    number in a text field (the loose JSON of migration 0001) is text again (a kommune number padded)."""
    if value is None:
        return None
    if column in ARRAY_COLUMNS and isinstance(value, str):
        return array_value(value)
    spec = FIELDS_BY_COLUMN.get(column)
    kind = spec.type if spec is not None else None
    if kind is bool and isinstance(value, str):
        return {"t": True, "true": True, "f": False, "false": False}.get(value, value)
    if kind in (int, float) and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if kind is int and number.is_integer() else number
    if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        return text.zfill(4) if column == "kommune_nr" else text
    return value


def _label(column: str) -> tuple[str, str]:
    spec = FIELDS_BY_COLUMN.get(column)
    return (spec.label_no, spec.label_en) if spec is not None else (column, column)


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[FieldChange]:
    """The fields whose value differs between two stored rows, in the site record's order (columns the
    record does not declare last, by name). An insert (`before` None) lists every field given a value."""
    old, new = dict(before or {}), dict(after or {})
    order = {name: i for i, name in enumerate(FIELDS_BY_COLUMN)}
    columns = sorted((set(old) | set(new)) - NOISE, key=lambda c: (order.get(c, len(order)), c))
    out = []
    for column in columns:
        was, now = value_of(column, old.get(column)), value_of(column, new.get(column))
        if was == now or (before is None and now in (None, [])):
            continue
        label_no, label_en = _label(column)
        out.append(FieldChange(column, label_no, label_en, was, now))
    return out
