"""What the terminal shows of a submission: a summary, the issues, and the command-line hints.

The core's messages speak of fields and values ("choose the layer to read"); here each issue type that
a command-line option resolves gets that option named.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from registry.services.submissions import SubmissionResult, issues_in_order, report_dict

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

# issue type → (Norwegian, English) hint naming the option that resolves it
CLI_HINTS: dict[str, tuple[str, str]] = {
    "layer-choice": ("Bruk --layer LAG.", "Use --layer LAYER."),
    "layer-unknown": ("Bruk --layer LAG.", "Use --layer LAYER."),
    "layer-chosen": ("Bruk --layer LAG for et annet lag.", "Use --layer LAYER for another layer."),
    "column-unknown": ("Bruk --mapping mapping.yaml.", "Use --mapping mapping.yaml."),
    "column-missing": (
        "Bruk --mapping mapping.yaml med en linje «kolonnens navn: feltnavn».",
        "Use --mapping mapping.yaml with a line 'column name: field name'.",
    ),
    "missing-kommune": ("Bruk --kommune NR.", "Use --kommune NR."),
    "sites-not-in-file": ("Bruk --replace for å arkivere dem.", "Use --replace to archive them."),
    "replace-would-archive": (
        "naering submit --replace arkiverer dem.",
        "naering submit --replace archives them.",
    ),
    "kommune-unknown": ("Bruk --kommune med et 2024-nummer.", "Use --kommune with a 2024 number."),
}


def hint(issue_type: str, lang: str) -> str | None:
    found = CLI_HINTS.get(issue_type)
    if found is None:
        return None
    return found[0] if lang == "no" else found[1]


def print_summary(
    result: SubmissionResult, *, console: Console, lang: str = "no", max_lines: int = 30
) -> None:
    """Print what happened, the counts per issue type, and the first errors and warnings."""
    data = report_dict(result)
    outcome = data["outcome_no"] if lang == "no" else data["outcome_en"]
    console.print(f"[bold]{result.filename}[/bold] → kommune {result.kommune_nr}: {outcome}")
    if result.dry_run:
        console.print(f"rows read {result.rows_read}, would load {result.rows_to_load}")
    else:
        console.print(
            f"rows read {result.rows_read}, loaded {result.rows_loaded} (new {result.rows_inserted}, "
            f"changed {result.rows_updated}), archived {result.rows_archived}"
        )
    counts = result.counts()
    if counts:
        table = Table("severity", "issue type", "count")
        for (sev, slug), n in sorted(counts.items(), key=lambda kv: (SEVERITY_ORDER[kv[0][0]], kv[0][1])):
            table.add_row(sev, slug, str(n))
        console.print(table)
    shown = [i for i in issues_in_order(result) if i.severity != "info"][:max_lines]
    for issue in shown:
        issue.file = issue.file or result.filename
        line = issue.one_line(lang)
        if extra := hint(issue.issue_type, lang):
            line += f" ({extra})"
        console.print(line, markup=False, highlight=False)
    # Notes an option acts on are shown whole, with the option that acts on them.
    for issue in issues_in_order(result):
        if issue.severity == "info" and (extra := hint(issue.issue_type, lang)):
            issue.file = issue.file or result.filename
            console.print(f"{issue.one_line(lang)} ({extra})", markup=False, highlight=False)
