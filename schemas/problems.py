"""What people type, read the same way everywhere: a problem with one field, and the value readers.

Every form and API write that is not a site file (a profile, an inquiry, a reply) reads its values with
these functions and answers with `FieldProblem`s; sites go through `etl.validate`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MAX_EMAIL_CHARS = 254
MAX_PHONE_CHARS = 30
PHONE_DIGITS_MIN = 8
PHONE_DIGITS_MAX = 15

# A pragmatic address check: one @, no spaces, a dotted domain with a top-level part of two letters or more.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
PHONE = re.compile(r"\+?[0-9 ]+")


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field, e.g. field "contacts[1].email", in both languages."""

    field: str
    message_no: str
    message_en: str


def text_value(value: Any) -> str | None:
    """Trimmed text, None when empty."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def integer_value(value: Any) -> int | None:
    """An integer from an int or from digits (surrounding spaces allowed); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def number_value(value: Any) -> float | int | None:
    """A finite number from a number or from text ("12 500", "3,5", "-2.25"); else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        cleaned = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def phone_ok(phone: str) -> bool:
    """A phone number: digits and spaces with an optional leading +, 8–15 digits."""
    digits = sum(ch.isdigit() for ch in phone)
    return (
        len(phone) <= MAX_PHONE_CHARS
        and PHONE.fullmatch(phone) is not None
        and PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX
    )


def too_long(field_name: str, limit: int, what: tuple[str, str]) -> FieldProblem:
    return FieldProblem(
        field_name,
        f"{what[0]} kan ha høyst {limit} tegn.",
        f"{what[1]} may have at most {limit} characters.",
    )
