"""The documentation stands alone: nothing points outside the repository, and the paths it names exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "data").rglob("README.md")])
# `path/like/this.ext` or `folder/` in backticks, relative to the repository root
# Paths the product creates when it runs (the private cluster, the venv …): git-ignored, never committed.
IGNORED = {
    line.strip().strip("/")
    for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
}
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.*<>-]*)`")


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_no_reference_outside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert re.findall(r"\.\./[\w./-]+", text) == [], f"{doc.name} points outside the checkout"


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_named_paths_exist(doc: Path) -> None:
    missing = []
    for path in PATH.findall(doc.read_text(encoding="utf-8")):
        if any(c in path for c in "*<>") or path.startswith(("http", "/")):
            continue
        if path.split("/")[0] in IGNORED:
            continue
        candidates = [ROOT / path, doc.parent / path]
        if not any(c.exists() for c in candidates):
            missing.append(path)
    assert missing == []


def test_the_brief_covers_users_data_model_and_the_one_door_in_loop() -> None:
    brief = (ROOT / "docs" / "brief.md").read_text(encoding="utf-8")
    for heading in (
        "## Why it exists",
        "## Users and their jobs",
        "## What a site is",
        "## The one-door-in loop",
    ):
        assert heading in brief
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/brief.md" in readme and "docs/architecture.md" in readme
