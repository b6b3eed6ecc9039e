"""The one-door-in profile's shared rules: its limits, when it is complete, the response promise in words.

The profile stores the first-response time the kommune promises in working hours; people read it in
working days of `WORKING_DAY_HOURS` hours and the hours left over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Re-exported: the profile's contacts follow the shared rules for addresses and phone numbers.
from schemas.problems import MAX_EMAIL_CHARS as MAX_EMAIL_CHARS
from schemas.problems import MAX_PHONE_CHARS as MAX_PHONE_CHARS
from schemas.problems import PHONE_DIGITS_MAX as PHONE_DIGITS_MAX
from schemas.problems import PHONE_DIGITS_MIN as PHONE_DIGITS_MIN

WORKING_DAY_HOURS = 8
# The longest promise a profile may make: 30 days around the clock (far more than any kommune means).
MAX_RESPONSE_HOURS = 24 * 30

MAX_CONTACTS = 10
MAX_FIGURES = 20
MAX_CLUSTERS = 20
MAX_LONG_TEXT_CHARS = 4000  # pitch and competence text, each language
MAX_SHORT_TEXT_CHARS = 200  # a name, a role, a figure's label or source, a cluster
MAX_UNIT_CHARS = 40
FIGURE_YEAR_MIN = 1990


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def response_promise(hours: int | None) -> dict[str, str] | None:
    """The promised first response in words: 16 h → "2 arbeidsdager" / "2 working days"; None: no promise.

    12 h → "1 arbeidsdag og 4 timer" / "1 working day and 4 hours"; 5 h → "5 timer" / "5 hours".
    """
    if hours is None or hours <= 0:
        return None
    days, rest = divmod(hours, WORKING_DAY_HOURS)
    no_parts, en_parts = [], []
    if days:
        no_parts.append(_plural(days, "arbeidsdag", "arbeidsdager"))
        en_parts.append(_plural(days, "working day", "working days"))
    if rest:
        no_parts.append(_plural(rest, "time", "timer"))
        en_parts.append(_plural(rest, "hour", "hours"))
    return {"no": " og ".join(no_parts), "en": " and ".join(en_parts)}


def contact_reachable(contact: Mapping[str, Any]) -> bool:
    """A contact can be reached when it has an e-mail address or a phone number."""
    return bool((contact.get("email") or "").strip() or (contact.get("phone") or "").strip())


def is_complete(contacts: Sequence[Mapping[str, Any]]) -> bool:
    """A profile is complete when at least one of its contacts can be reached; else it is shown as
    incomplete wherever it is used."""
    return any(contact_reachable(c) for c in contacts)


def first_contact(contacts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The contact shown where there is room for one (a site, a map popup): the first one given,
    every key None when the profile has none."""
    first = contacts[0] if contacts else {}
    return {k: first.get(k) for k in ("name", "role", "email", "phone")}
