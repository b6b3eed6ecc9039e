"""The vendored map JavaScript and CSS are exactly what the manifest says (maps/static/vendor/SHA256SUMS,
written by scripts/vendor-js.sh from the npm registry), and nothing unlisted hides beside them."""

from __future__ import annotations

import hashlib

import pytest

from maps import assets

VENDOR = assets.STATIC_DIR / "vendor"
MANIFEST = VENDOR / "SHA256SUMS"
NOT_LISTED = {"README.md", "SHA256SUMS"}  # written by hand / by the script itself


def _manifest() -> dict[str, str]:
    entries = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        assert len(digest) == 64 and name not in entries, line
        entries[name] = digest
    return entries


def test_the_manifest_covers_leaflet_and_vectorgrid() -> None:
    names = set(_manifest())
    for needed in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/LICENSE",
        "vectorgrid/Leaflet.VectorGrid.bundled.js",
        "vectorgrid/LICENSE",
    ):
        assert needed in names, needed


@pytest.mark.parametrize("name", sorted(_manifest()))
def test_every_listed_file_matches_its_digest(name: str) -> None:
    path = VENDOR / name
    assert path.is_file(), f"{name} is listed but missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == _manifest()[name], f"{name} was changed"


def test_every_vendored_file_is_listed() -> None:
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert present - NOT_LISTED == set(_manifest())


def test_the_map_links_only_to_listed_or_our_own_files() -> None:
    listed = {f"vendor/{name}" for name in _manifest()}
    for path in assets.vendored_paths():
        rel = path.relative_to(assets.STATIC_DIR).as_posix()
        assert rel in listed or rel.startswith("maps/"), rel


def test_the_fix_is_one_small_documented_file() -> None:
    fix = assets.STATIC_DIR / "maps" / "vectorgrid-fix.js"
    text = fix.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 40 and "#274" in text and "L.DomEvent.fakeStop" in text
    # The vendored bundle still has the call the shim answers (else the shim is dead and can go).
    bundle = (VENDOR / "vectorgrid" / "Leaflet.VectorGrid.bundled.js").read_text(encoding="utf-8")
    assert "L.DomEvent.fakeStop(e)" in bundle


def test_a_changed_file_would_be_caught() -> None:
    """The check can fail: a one-byte change gives another digest."""
    original = (VENDOR / "leaflet" / "leaflet.css").read_bytes()
    assert hashlib.sha256(original + b" ").hexdigest() != _manifest()["leaflet/leaflet.css"]
