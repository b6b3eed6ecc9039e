"""The `naering` command: a thin shell over the services (registry.services), imported by nothing.

Command-line words (--kommune, --layer, --mapping) live here: the core's messages speak of fields and
values, and this module adds the hints a terminal user needs.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Næringsarealregisteret — the Oslo region's business-land registry.",
    no_args_is_help=True,
    # A kommune officer should never see a stack trace; unexpected errors print one line (see main()).
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database: start the local PostGIS, migrate, print the URL.", no_args_is_help=True)
reference_app = typer.Typer(
    help="Reference data (kommuner, grid, logistics, clusters).", no_args_is_help=True
)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
export_app = typer.Typer(help="Exports for the secretariat.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(reference_app, name="reference")
app.add_typer(demo_app, name="demo")
app.add_typer(export_app, name="export")
users_app = typer.Typer(
    help="Users, grants and API tokens (the server's command line acts as admin).", no_args_is_help=True
)
app.add_typer(users_app, name="users")
jobs_app = typer.Typer(
    help="Scheduled work: reminders, escalations, retention, stale-data e-mails.", no_args_is_help=True
)
app.add_typer(jobs_app, name="jobs")
inquiries_app = typer.Typer(help="Investors' inquiries: personal data.", no_args_is_help=True)
app.add_typer(inquiries_app, name="inquiries")
backup_app = typer.Typer(
    help="Backups with pgBackRest: continuous WAL archiving, base backups, checks (docs/operations.md).",
    no_args_is_help=True,
)
app.add_typer(backup_app, name="backup")

console = Console(stderr=True)


def _url(*, start: bool = True) -> str:
    """The database URL in use; starts the private local cluster when no URL is configured."""
    from registry import localdb
    from registry.db import database_url
    from registry.settings import DatabaseSettings  # imported here, like all else: `--help` needs none

    settings = DatabaseSettings()
    if settings.database_url is None and start:
        try:
            localdb.ensure(port=settings.pg_port, database=settings.pg_database)
        except localdb.LocalDbError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    return database_url(settings)


def _engine(*, require_reference: bool = True):  # type: ignore[no-untyped-def]
    """The engine for the configured database; says what to run when it is not ready."""
    from registry.db import get_engine
    from registry.services.database import Readiness, readiness

    engine = get_engine(_url())
    state, error = readiness(engine, require_reference=require_reference)
    if state is Readiness.NO_ANSWER:
        console.print(
            "[red]Databasen svarer ikke / The database does not answer "
            f"({error}). Check NAERING_DATABASE_URL or run `naering db start`.[/red]"
        )
        raise typer.Exit(1)
    if state is Readiness.NOT_MIGRATED:
        console.print(
            "[red]Databasen er ikke klar / The database is not ready: run `naering db upgrade` and "
            "`naering reference load` (or `make db`).[/red]"
        )
        raise typer.Exit(1)
    return engine


@db_app.command("url")
def db_url() -> None:
    """Print the connection URL in use (for psql, ogr2ogr, QGIS: drop the '+psycopg')."""
    typer.echo(_url(start=False))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply migrations (starting the local PostGIS when needed)."""
    from registry.services.database import migrate

    console.print(f"database at revision {migrate(_url(), revision)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, 'base' for empty")] = "-1",
) -> None:
    """Revert migrations."""
    from registry.services.database import revert

    console.print(f"database at revision {revert(_url(), revision)}")


@db_app.command("start")
def db_start() -> None:
    """Start the private local PostGIS cluster (no-op when NAERING_DATABASE_URL is set)."""
    typer.echo(_url())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the private local PostGIS cluster."""
    from registry import localdb

    localdb.stop()


@reference_app.command("load")
def reference_load() -> None:
    """Load the reference data shipped in data/reference (idempotent: a second run changes nothing)."""
    from registry.services.reference import load_reference

    with console.status("loading reference data …") as status:
        counts = load_reference(_engine(require_reference=False), progress=lambda msg: status.update(msg))
    table = Table("table", "rows")
    for name, n in counts.items():
        table.add_row(name, str(n))
    console.print(table)


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo profiles and demo submissions (data/demo), marked as demo data."""
    from registry.services.demo import load_demo

    with console.status("loading demo data …") as status:
        results = load_demo(_engine(), progress=lambda msg: status.update(f"demo: {msg}"))
    loaded = sum(r.rows_loaded for r in results)
    noop = sum(1 for r in results if r.noop)
    console.print(f"demo: {len(results)} files, {loaded} sites loaded, {noop} unchanged")
    bad = [r for r in results if r.rejected]
    if bad:
        for r in bad:
            for issue in r.issues[:5]:
                console.print(issue.one_line())
        raise typer.Exit(1)
    from registry.clock import SystemClock
    from registry.services.demo import ensure_demo_accounts
    from registry.settings import ServerSettings

    settings = ServerSettings()
    where = f"http://{settings.host}:{settings.port}/auth/sign-in"
    # soft_wrap: a password must never be broken over two lines, whatever the terminal's width
    console.print(
        f"[bold yellow]DEMO sign-in (local only, never in production)[/bold yellow] at {where}:",
        soft_wrap=True,
    )
    for account in ensure_demo_accounts(_engine(), clock=SystemClock()):
        what = (
            "admin (secretariat)" if account.role == "admin" else f"editor of {', '.join(account.kommuner)}"
        )
        console.print(f"  DEMO {what}: {account.email}  password: {account.password}", soft_wrap=True)
    from registry.services.demo import load_demo_inquiries

    filed = load_demo_inquiries(_engine(), clock=SystemClock())
    console.print(f"demo: {filed} inquiries filed" if filed else "demo: inquiries already there")


def _submit(
    file: Path,
    kommune: str,
    *,
    dry_run: bool,
    replace: bool,
    strict: bool,
    draft: bool,
    mapping: Path | None,
    layer: str | None,
    report: Path | None,
    lang: str,
) -> None:
    # These imports make most of the process's objects (pandas, SQLAlchemy …), none of them garbage: the
    # collector, which would walk them again and again while they are made, waits until they are all made.
    collecting = gc.isenabled()
    gc.disable()
    try:
        from cli.output import print_summary
        from registry.services.submissions import SubmitOptions, run_submission, write_report
    finally:
        if collecting:
            gc.enable()
    if not file.exists():
        console.print(f"[red]{file}: no such file / finnes ikke[/red]")
        raise typer.Exit(4)
    options = SubmitOptions(
        kommune_nr=kommune,
        dry_run=dry_run,
        replace=replace,
        strict=strict,
        draft=draft,
        mapping_file=mapping,
        layer=layer,
        actor=f"cli:{kommune}",
    )
    with console.status("checking …" if dry_run else "submitting …") as status:
        result = run_submission(_engine(), file, options, progress=lambda phase: status.update(phase))
    print_summary(result, console=console, lang=lang)
    if report is not None:
        write_report(result, report)
        console.print(f"report: {report}")
    raise typer.Exit(result.exit_code)


# Options shared by `submit` and `check`, declared once.
FileArg = Annotated[Path, typer.Argument(help="The kommune's file")]
KommuneOpt = Annotated[str, typer.Option("--kommune", "-k", help="2024 kommune number, e.g. 3203")]
MappingOpt = Annotated[Path | None, typer.Option(help="YAML column mapping (stored for next time)")]
LayerOpt = Annotated[str | None, typer.Option(help="Layer of a multi-layer file")]
ReportOpt = Annotated[Path | None, typer.Option(help="Write a report: .html, .json or .csv")]
LangOpt = Annotated[str, typer.Option(help="Message language: no or en")]

_EXIT_HELP = (
    "Exit codes: 0 clean; 3 loaded with warnings or with some rows refused; 4 rejected, nothing loaded."
)


@app.command(
    help="Load a kommune's file of sites (GeoPackage, Shapefile zip, GeoJSON, KML, FlatGeobuf, "
    "Excel, CSV). Rows with errors are left out unless --strict rejects the file. " + _EXIT_HELP
)
def submit(
    file: FileArg,
    kommune: KommuneOpt,
    replace: Annotated[bool, typer.Option(help="Archive the kommune's sites missing from this file")] = False,
    strict: Annotated[bool, typer.Option(help="Reject the whole file on any error")] = False,
    draft: Annotated[bool, typer.Option(help="Load as drafts, not published")] = False,
    mapping: MappingOpt = None,
    layer: LayerOpt = None,
    report: ReportOpt = None,
    lang: LangOpt = "no",
) -> None:
    _submit(
        file,
        kommune,
        dry_run=False,
        replace=replace,
        strict=strict,
        draft=draft,
        mapping=mapping,
        layer=layer,
        report=report,
        lang=lang,
    )


@app.command(help="Check a kommune's file without writing anything. " + _EXIT_HELP)
def check(
    file: FileArg,
    kommune: KommuneOpt,
    replace: Annotated[
        bool, typer.Option(help="Preview a submit --replace: list the sites it would archive")
    ] = False,
    mapping: MappingOpt = None,
    layer: LayerOpt = None,
    report: ReportOpt = None,
    lang: LangOpt = "no",
) -> None:
    _submit(
        file,
        kommune,
        dry_run=True,
        replace=replace,
        strict=False,
        draft=False,
        mapping=mapping,
        layer=layer,
        report=report,
        lang=lang,
    )


@app.command()
def template(
    kind: Annotated[
        str, typer.Argument(help="xlsx (Excel with dropdowns and a guide) or gpkg (empty GeoPackage)")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write")],
    lang: Annotated[str, typer.Option(help="Language first in bilingual text: no or en")] = "no",
) -> None:
    """Write the submission template kommuner fill in."""
    from registry.services.submissions import template_bytes

    if kind not in ("xlsx", "gpkg"):
        console.print("[red]kind must be xlsx or gpkg / type må være xlsx eller gpkg[/red]")
        raise typer.Exit(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(template_bytes(kind, lang=lang))
    console.print(f"template → {out}")


@export_app.command("xlsx")
def export_xlsx(out: Annotated[Path, typer.Option("--out", "-o", help="Excel file to write")]) -> None:
    """Export published sites with a metadata sheet (sources, licences, export time)."""
    from registry.db import session_factory
    from registry.services.exports import write_sites_xlsx

    with session_factory(_engine())() as session:
        n = write_sites_xlsx(session, out)
    console.print(f"{n} sites → {out}")


def _account_call(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run an accounts use case as the server's command line; print refusals as one clear line."""
    from registry.services.accounts import AccountError

    try:
        return fn(*args, **kwargs)
    except AccountError as exc:
        console.print(f"[red]{exc.message_no} / {exc.message_en}[/red]")
        raise typer.Exit(2) from exc


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Option("--email", help="The person's e-mail address (their user name)")],
    role: Annotated[str, typer.Option("--role", help="editor (a kommune's) or admin (the secretariat)")],
    kommune: Annotated[
        list[str] | None,
        typer.Option("--kommune", help="A kommune number the editor may edit; repeat for more"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Full name")] = None,
) -> None:
    """Create a user with grants and print an API token (alone on the last line; shown once)."""
    from registry.clock import SystemClock
    from registry.services import accounts
    from registry.services.access import CLI
    from registry.settings import AuthSettings

    engine, clock, settings = _engine(), SystemClock(), AuthSettings()
    user = _account_call(
        accounts.create_user,
        engine,
        CLI,
        email=email,
        role=role,
        kommuner=kommune or [],
        name=name,
        settings=settings,
        clock=clock,
    )
    token = _account_call(accounts.issue_token, engine, CLI, user.email, settings=settings, clock=clock)
    console.print(f"user {user.email}: {user.role}, kommuner {', '.join(user.kommuner) or '(all: admin)'}")
    console.print(
        f"API token (shown once; valid {settings.token_days} days; send as `Authorization: Bearer …`):"
    )
    typer.echo(token)


@users_app.command("token")
def users_token(
    email: Annotated[str, typer.Option("--email", help="Whose token")],
    label: Annotated[str | None, typer.Option("--label", help="What the token is for")] = None,
) -> None:
    """Issue another API token for a user (printed alone on the last line; shown once)."""
    from registry.clock import SystemClock
    from registry.services import accounts
    from registry.services.access import CLI
    from registry.settings import AuthSettings

    settings = AuthSettings()
    token = _account_call(
        accounts.issue_token, _engine(), CLI, email, settings=settings, clock=SystemClock(), label=label
    )
    console.print(f"API token for {email.lower()} (shown once; valid {settings.token_days} days):")
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(email: Annotated[str, typer.Option("--email", help="Whose tokens and sessions")]) -> None:
    """Revoke all of a user's API tokens and end all their sessions."""
    from registry.clock import SystemClock
    from registry.services import accounts
    from registry.services.access import CLI

    tokens, sessions = _account_call(accounts.revoke_access, _engine(), CLI, email, clock=SystemClock())
    console.print(f"{email.lower()}: {tokens} token(s) revoked, {sessions} session(s) ended")


@users_app.command("list")
def users_list() -> None:
    """List users with role, kommuner and last sign-in."""
    from sqlalchemy.orm import Session

    from registry.services import accounts
    from registry.services.access import CLI

    with Session(_engine()) as session:
        users = accounts.list_users(session, CLI)
    table = Table("e-mail", "role", "kommuner", "active", "demo", "last sign-in")
    for u in users:
        last = u.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if u.last_sign_in_at else "—"
        table.add_row(
            u.email,
            u.role,
            ", ".join(u.kommuner) or ("all" if u.role == "admin" else "—"),
            "yes" if u.is_active else "no",
            "demo" if u.is_demo else "",
            last,
        )
    Console().print(table)


@jobs_app.command("run")
def jobs_run(
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this job; repeat for more (default: all)")
    ] = None,
    every: Annotated[
        int, typer.Option("--every", help="Seconds between runs; 0 (default) runs once and exits", min=0)
    ] = 0,
) -> None:
    """Run the scheduled work once (idempotent; a second run at the same time waits for nothing and
    does nothing). With --every it repeats until stopped (what `make demo` does in the background)."""
    import time

    from registry.clock import SystemClock
    from registry.services.backups import BackupError
    from registry.services.jobs import run_jobs
    from registry.settings import AuthSettings, BackupSettings, InquirySettings, MailSettings

    engine = _engine()
    while True:
        try:
            report = run_jobs(
                engine,
                settings=InquirySettings(),
                auth=AuthSettings(),
                mail=MailSettings(),
                clock=SystemClock(),
                only=tuple(only or ()),
                backup=BackupSettings(),
            )
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        except BackupError as exc:  # the dump failed; the next run tries again
            console.print(f"[red]Nattlig kopi feilet / The nightly dump failed: {exc}[/red]")
            if not every:
                raise typer.Exit(1) from exc
            time.sleep(every)
            continue
        if report.busy:
            console.print("Another run is busy; nothing done. / En annen kjøring pågår; ingenting gjort.")
        else:
            console.print("jobs: " + ", ".join(f"{name} {count}" for name, count in report.done.items()))
        if not every:
            return
        time.sleep(every)


@inquiries_app.command("erase")
def inquiries_erase(
    email: Annotated[str, typer.Option("--email", help="The address whose inquiries are to be forgotten")],
) -> None:
    """Erase the personal data of every inquiry sent from an address (a request to be forgotten); the
    erasure is logged by a hash of the address, so it is applied again after a restore."""
    from registry.clock import SystemClock
    from registry.services.access import CLI
    from registry.services.privacy import erase_email

    done = erase_email(_engine(), CLI, email, clock=SystemClock())
    console.print(
        f"Erased {done.inquiries} inquiries; logged as {done.email_hash[:12]}… / "
        f"Slettet personopplysninger i {done.inquiries} henvendelser."
    )


@inquiries_app.command("reapply-erasures")
def inquiries_reapply() -> None:
    """After a restore from backup: apply every logged erasure again."""
    from registry.clock import SystemClock
    from registry.services.privacy import reapply_erasures

    count = reapply_erasures(_engine(), clock=SystemClock())
    console.print(f"Erased again: {count} inquiries. / Slettet på nytt: {count} henvendelser.")


def _backup_cluster():  # type: ignore[no-untyped-def]
    from registry.services.backups import BackupError, configured_cluster
    from registry.settings import BackupSettings, DatabaseSettings

    try:
        return configured_cluster(BackupSettings(), DatabaseSettings())
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


@backup_app.command("now")
def backup_now(
    kind: Annotated[
        str, typer.Option("--type", help="full, diff or incr (incr: full when there is none yet)")
    ] = "incr",
) -> None:
    """Take a base backup now (the database stays open); turns WAL archiving on the first time."""
    from registry.services.backups import BackupError
    from registry.services.backups import backup_now as take

    engine = _engine(require_reference=False)
    cluster = _backup_cluster()
    try:
        report = take(engine, cluster, kind=kind)
    except BackupError as exc:
        console.print(f"[red]Sikkerhetskopien feilet / The backup failed: {exc}[/red]")
        raise typer.Exit(1) from exc
    if report.archiving_turned_on:
        console.print("WAL archiving is on (the private cluster was restarted once).")
    b = report.backup
    console.print(
        f"Backup {b.label} ({b.kind}) done: {_size(b.database_bytes)} of database, "
        f"{_size(b.repository_bytes)} written, {b.stopped_at:%Y-%m-%d %H:%M:%S} UTC. "
        f"Erasure log saved beside it: {report.erasures_saved} entries."
    )


def _backups_table(info) -> Table:  # type: ignore[no-untyped-def]
    table = Table("type", "started (UTC)", "finished (UTC)", "database", "written", "WAL")
    table.add_column("label", no_wrap=True)  # the name `--set` and pgBackRest's own commands take
    for b in info.backups:
        table.add_row(
            b.kind,
            f"{b.started_at:%Y-%m-%d %H:%M:%S}",
            f"{b.stopped_at:%Y-%m-%d %H:%M:%S}",
            _size(b.database_bytes),
            _size(b.repository_bytes),
            f"{b.wal_start}…{b.wal_stop}",
            b.label,
        )
    return table


def _repository(read, failure: str):  # type: ignore[no-untyped-def]
    """What `read` tells of the configured repository, or the failure in one line and exit 1."""
    from registry.services.backups import BackupError

    try:
        info = read(_backup_cluster())
    except BackupError as exc:
        console.print(f"[red]{failure}: {exc}[/red]")
        raise typer.Exit(1) from exc
    Console().print(_backups_table(info))
    return info


@backup_app.command("list")
def backup_list() -> None:
    """The backups in the repository (oldest first), the archived WAL, and the nightly dumps."""
    from registry.services.backups import dumps, list_backups
    from registry.settings import BackupSettings

    info = _repository(list_backups, "Kunne ikke lese kopiene / Could not read the backups")
    console.print(f"repository: {info.status}; archived WAL {info.wal_min or '-'} … {info.wal_max or '-'}")
    for path in dumps(BackupSettings().dump_path):
        console.print(f"dump: {path} ({_size(path.stat().st_size)})")


@backup_app.command("verify")
def backup_verify() -> None:
    """Check that WAL reaches the repository now, and read every backup and segment back (checksums)."""
    from registry.services.backups import verify_backups

    info = _repository(verify_backups, "Kontrollen feilet / Verification failed")
    console.print(f"OK: {len(info.backups)} backups and the archive ({info.wal_min} … {info.wal_max}) read.")


@app.command()
def restore(
    to_time: Annotated[
        str,
        typer.Option("--to-time", help="The moment to restore to, with its zone: 2026-12-03T10:15:00+01:00"),
    ],
    into: Annotated[
        Path | None, typer.Option("--into", help="Restore into this new folder instead of in place")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port for the cluster restored --into")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Restore in place without asking")] = False,
) -> None:
    """Point-in-time recovery from the pgBackRest repository, then the erasures logged after that time are
    applied again. In place (the private cluster; its old folder is kept aside) or --into a new folder."""
    import datetime as dt

    from registry.clock import SystemClock
    from registry.services.backups import BackupError, restore_to_time
    from registry.settings import DatabaseSettings

    try:
        moment = dt.datetime.fromisoformat(to_time)
    except ValueError as exc:
        console.print(f"[red]--to-time {to_time!r}: not a time; write it as 2026-12-03T10:15:00+01:00.[/red]")
        raise typer.Exit(2) from exc
    if (into is None) != (port is None):
        console.print("[red]--into and --port go together.[/red]")
        raise typer.Exit(2)
    if into is None and not yes:
        typer.confirm(
            f"Restore the database in place to {moment.isoformat()}? It stops while restoring; its present "
            "folder is kept aside.",
            abort=True,
        )
    settings = DatabaseSettings()
    cluster = _backup_cluster()
    try:
        report = restore_to_time(
            cluster,
            to_time=moment,
            database=settings.pg_database,
            live_url=_url(start=False),
            clock=SystemClock(),
            into=into,
            port=port,
        )
    except BackupError as exc:
        console.print(f"[red]Gjenopprettingen feilet / The restore failed: {exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"Restored to {report.to_time.isoformat()} from backup {report.backup.label}: {report.into} "
        f"on port {report.port}. Erasure log from the {report.erasures_from}: {report.erasure_entries_added} "
        f"entries written back, {report.inquiries_erased} inquiries erased again."
    )
    if report.kept_aside is not None:
        console.print(f"The folder before the restore is kept in {report.kept_aside}; delete it when done.")
        console.print("Take a new full backup now: `naering backup now --type full` (a new timeline began).")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (NAERING_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (NAERING_PORT, default 8000)")] = None,
) -> None:
    """Serve the API, the maps and the upload page."""
    import uvicorn

    from api.app import create_app
    from api.logs import configure_logging
    from registry.settings import ServerSettings

    settings = ServerSettings()
    configure_logging(settings.log_format)  # JSON lines by default; NAERING_LOG_FORMAT=text to read them
    url = _url()
    application = create_app(settings, database_url=url)
    h, p = host or settings.host, port or settings.port
    console.print(f"Næringsarealregisteret on http://{h}:{p}/  (map: /maps/region, API docs: /docs)")
    # No `server: uvicorn` header: it names the product for anyone fingerprinting versions.
    # log_config=None: uvicorn keeps the handler configured above (its own would print plain text).
    uvicorn.run(application, host=h, port=p, log_level="info", log_config=None, server_header=False)


def main() -> None:  # pragma: no cover
    """Entry point: run the app; an unexpected error becomes one line, not a stack trace."""
    import logging

    try:
        app(standalone_mode=True)
    except SystemExit:
        # The process ends now: spare the interpreter's last collections a walk over every object it holds.
        gc.freeze()
        raise
    except Exception as exc:
        logging.getLogger("naering").debug("unexpected error", exc_info=True)
        console.print(
            f"[red]Uventet feil / Unexpected error: {exc.__class__.__name__}. "
            "Nothing was saved; run again with NAERING_DEBUG=1 for details.[/red]"
        )
        if os.environ.get("NAERING_DEBUG"):
            raise
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover - `python -m cli.main`
    main()
