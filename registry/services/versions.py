"""Optimistic concurrency: a resource's version, and the check a write makes against the one it was read at.

A version is an opaque digest of the stored resource (a site's whole row; a profile's fields), so any
change to it changes the version. The API hands it out as a strong ETag and a write names the version it
was read at (If-Match); the check is made inside the write's transaction, after the row is locked, so of
two writes that read the same version exactly one succeeds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

ANY = "*"


class StaleVersionError(Exception):
    """The resource changed since the version the caller read (message bilingual, English / norsk)."""

    def __init__(self) -> None:
        super().__init__(
            "The resource has changed since you read it; read it again and repeat your change. / "
            "Ressursen er endret siden du leste den; les den på nytt og gjør endringen igjen."
        )


def check(current: str, expected: Sequence[str] | None) -> None:
    """Raise StaleVersionError unless `current` is among `expected` (None: no check; "*": any version)."""
    if expected is None or ANY in expected:
        return
    if current not in expected:
        raise StaleVersionError()


def digest(value: Any) -> str:
    """A version for a JSON-able value: the SHA-256 of its canonical JSON (keys sorted), first 32 hex."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
