"""Conditional requests (RFC 9110 §13): a resource's version as a strong ETag, and If-Match on writes.

Every write to a site or a profile must name the version it was read at: without If-Match → 428; with a
version that is no longer current → 412 (decided by the service under the row's lock,
`registry.services.versions`). `*` matches any current version. Weak tags (W/"…") never match: If-Match
compares strongly.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from api.errors import PreconditionRequiredError


def etag(version: str) -> str:
    """The ETag header value for a version."""
    return f'"{version}"'


def versions_in(if_match: str | None) -> list[str] | None:
    """The versions an If-Match header names (None when absent); weak tags are kept as never-matching."""
    if if_match is None:
        return None
    out = []
    for part in if_match.split(","):
        tag = part.strip()
        if tag == "*":
            out.append("*")
        elif len(tag) >= 2 and tag.startswith('"') and tag.endswith('"'):
            out.append(tag[1:-1])
        elif tag:
            out.append("\0" + tag)  # weak or malformed: matches no version
    return out


def required_if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag you read the resource at (e.g. "3f2a…"); required (428 without, '
            "412 when the resource has changed since)",
        ),
    ] = None,
) -> list[str]:
    """A write's If-Match, required: the versions it names."""
    found = versions_in(if_match)
    if not found:
        raise PreconditionRequiredError()
    return found
