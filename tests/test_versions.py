"""Versions and If-Match (registry/services/versions.py, api/preconditions.py): which tags match."""

from __future__ import annotations

import pytest

from api.errors import PreconditionRequiredError
from api.preconditions import etag, required_if_match, versions_in
from registry.services.versions import StaleVersionError, check, digest


def test_check_accepts_the_current_version_any_and_none() -> None:
    check("abc", ["abc"])
    check("abc", ["x", "abc"])
    check("abc", ["*"])
    check("abc", None)


@pytest.mark.parametrize("expected", [["abd"], [], ["ABC"], ["abc "]])
def test_check_refuses_others(expected: list[str]) -> None:
    with pytest.raises(StaleVersionError) as raised:
        check("abc", expected)
    assert " / " in str(raised.value)  # English / norsk


def test_digest_is_stable_and_sensitive() -> None:
    a = digest({"b": 1, "a": [1, 2]})
    assert a == digest({"a": [1, 2], "b": 1})
    assert a != digest({"a": [2, 1], "b": 1})
    assert a != digest({"a": [1, 2], "b": 1.5})
    assert len(a) == 32


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        ('"abc"', ["abc"]),
        ('"abc", "def"', ["abc", "def"]),
        ("*", ["*"]),
        ('W/"abc"', ['\0W/"abc"']),
        ("abc", ["\0abc"]),
        ('"', ['\0"']),
        ("", []),
    ],
)
def test_if_match_is_read_strongly(header: str | None, versions: list[str] | None) -> None:
    assert versions_in(header) == versions


def test_weak_or_malformed_tags_never_match() -> None:
    for header in ('W/"abc"', "abc"):
        found = versions_in(header)
        assert found is not None
        with pytest.raises(StaleVersionError):
            check("abc", found)


def test_required_if_match() -> None:
    with pytest.raises(PreconditionRequiredError):
        required_if_match(None)
    with pytest.raises(PreconditionRequiredError):
        required_if_match(" , ")
    assert required_if_match(etag("v1")) == ["v1"]
    assert etag("v1") == '"v1"'


def test_digest_is_sha256_of_the_canonical_json() -> None:
    """Pinned: keys sorted, no spaces, dates as their ISO text, letters as themselves (UTF-8)."""
    import datetime as dt
    import hashlib

    value = {"b": "Bærum", "a": [1, 2], "d": dt.date(2026, 12, 1)}
    canonical = '{"a":[1,2],"b":"Bærum","d":"2026-12-01"}'
    assert digest(value) == hashlib.sha256(canonical.encode()).hexdigest()[:32]


def test_stale_version_message_says_what_to_do_in_both_languages() -> None:
    assert str(StaleVersionError()) == (
        "The resource has changed since you read it; read it again and repeat your change. / "
        "Ressursen er endret siden du leste den; les den på nytt og gjør endringen igjen."
    )
