"""The outcome of checking or loading one kommune file: counts, issues and what the report needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.issues import Issue

EXIT_CLEAN = 0
EXIT_WARNINGS = 3  # loaded, with warnings or with rows refused
EXIT_REJECTED = 4  # nothing loaded


@dataclass(frozen=True)
class SiteRow:
    """One row of the file as it will be stored (or refused), for the report's table of sites."""

    row: int
    reference: str | None
    name: str | None
    area_m2: float | None  # of the outline as stored (a point site: its circle); else as submitted
    maturity: str | None
    power_status: str | None
    power_mw_now: float | None
    availability: str | None
    loaded: bool


@dataclass
class SubmissionResult:
    filename: str
    kommune_nr: str
    file_hash: str
    dry_run: bool
    rows_read: int = 0
    rows_loaded: int = 0
    rows_to_load: int = 0  # the rows a load writes (in a check: would write)
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_archived: int = 0
    submission_id: int | None = None
    public_id: str | None = None  # the unguessable id a report is found by (links, the API)
    noop: bool = False
    rejected: bool = False
    issues: list[Issue] = field(default_factory=list)
    columns_used: dict[str, str] = field(default_factory=dict)
    # For the report map: row number → WKT (EPSG:25833), every row with an outline (bounded).
    row_geoms: dict[int, str] = field(default_factory=dict)
    # For the report's table: the rows as they will be stored (bounded), and how many rows there are.
    sites: list[SiteRow] = field(default_factory=list)
    # The kommune's published sites the file does not have (kept: the load does not replace).
    sites_not_in_file: int = 0
    # A check with replace: "reference name" of each live site the load would archive.
    would_archive: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.rejected:
            return EXIT_REJECTED
        if any(i.severity in {"error", "warning"} for i in self.issues):
            return EXIT_WARNINGS
        return EXIT_CLEAN

    def counts(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for i in self.issues:
            out[(i.severity, i.issue_type)] = out.get((i.severity, i.issue_type), 0) + 1
        return out
