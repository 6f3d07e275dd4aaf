"""``content-gateway import wordpress|ghost|markdown|native SOURCE`` and ``export FILE``.

Imports act as the ``cli`` principal (admin) through ``resolvers/imports``: the API's checks,
slug and redirect rules, and change hooks (one ``import.completed`` outbox event per run unless
``--events rows``). Progress goes to stderr with counts; per-item problems are listed at the end
and written to the report file. Exit status: 0 when every item was imported, 1 when some were
refused (see the report), 2 when the source as a whole was refused (nothing written).
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from gateway.cli.common import check_or_exit, cli_env, fail, settings_or_exit
from gateway.config.settings import Settings
from resolvers.imports.items import TARGET_STATUSES, ImportFileError, ImportOptions, Source
from resolvers.imports.report import ImportReport

import_cli = typer.Typer(
    help="Import content: WordPress (WXR), Ghost (JSON), a Markdown folder, or a native export.",
    no_args_is_help=True,
)

PLURAL = {"category": "categories"}
DryRun = Annotated[bool, typer.Option(help="Read and check everything, write nothing.")]
AuthorMap = Annotated[
    Path | None,
    typer.Option(help="JSON object or two-column CSV: source author (login/e-mail/id) -> slug."),
]
StatusMap = Annotated[
    list[str] | None,
    typer.Option(help="SOURCE=TARGET, repeatable; TARGET is draft, published, archived or skip."),
]
BaseUrl = Annotated[
    str | None, typer.Option(help="The old site's URL (names the source; old URLs are its paths).")
]
Report = Annotated[
    Path | None,
    typer.Option(help="Where to write the JSON report (default: import-report-*.json)."),
]
BatchSize = Annotated[int, typer.Option(min=1, max=5000, help="Items per transaction.")]
Events = Annotated[
    str, typer.Option(help="summary: one import.completed event; rows: one event per row.")
]


def _fail(message: str, code: int = 2) -> NoReturn:
    fail(message, code)


def checked_settings() -> Settings:
    """The settings, with the database reachable (checked before the command's event loop)."""
    settings = settings_or_exit()
    check_or_exit(settings)
    return settings


def read_author_map(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read the author map {path}: {exc}")
        raise
    if raw.lstrip().startswith("{"):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            _fail(f"the author map {path} is not valid JSON: {exc}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            _fail(f"the author map {path} must map strings to author slugs")
        return dict(data)
    rows = [r for r in csv.reader(raw.splitlines()) if r and not r[0].startswith("#")]
    if any(len(r) != 2 for r in rows):
        _fail(f"the author map {path} must have two columns: source author, author slug")
    return {r[0].strip(): r[1].strip() for r in rows}


def parse_status_map(values: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values or []:
        source, sep, target = value.partition("=")
        if not sep or target.strip() not in TARGET_STATUSES:
            _fail(
                f"--status-map {value!r}: use SOURCE=TARGET with TARGET one of "
                f"{', '.join(TARGET_STATUSES)}"
            )
        mapping[source.strip()] = target.strip()
    return mapping


def run_import(
    make_source: Callable[[], tuple[Source, dict[str, str]]],
    options: ImportOptions,
    report_path: Path | None,
) -> None:
    """Parse (pass 1), then write with a progress bar; print and save the report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from resolvers.imports.run import Importer

    try:
        source, defaults = make_source()
    except ImportFileError as exc:
        _fail(str(exc))
        raise

    settings = checked_settings()

    async def go() -> ImportReport:
        async with cli_env(settings) as env:
            importer = Importer(env, source, options, defaults)
            try:
                totals = importer.totals()
            except ImportFileError as exc:
                _fail(str(exc))
            with Progress(
                "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), transient=False,
            ) as bar:  # fmt: skip
                tasks = {
                    k: bar.add_task(PLURAL.get(k, k + "s"), total=n) for k, n in totals.items()
                }
                importer.progress = lambda kind, n: bar.advance(tasks[kind], n)
                return await importer.run()

    report = asyncio.run(go())
    _print(report, report_path)


def _print(report: ImportReport, report_path: Path | None) -> None:
    from resolvers.imports.run import summary_lines

    for problem in report.problems:
        typer.echo(problem.line())
    for note in report.notes:
        typer.echo(f"note: {note}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = report_path or Path(f"import-report-{report.format}-{stamp}.json")
    report.write(path)
    verb = "would import (dry run, nothing written)" if report.dry_run else "imported"
    typer.echo(f"content-gateway: {report.source}: {verb}:", err=True)
    for line in summary_lines(report):
        typer.echo(f"  {line}", err=True)
    typer.echo(
        f"  redirects: {report.redirects} created; {len(report.errors)} item(s) refused, "
        f"{len(report.problems) - len(report.errors)} warning(s); report: {path}",
        err=True,
    )
    if report.errors:
        raise typer.Exit(1)


def _options(
    dry_run: bool,
    author_map: Path | None,
    status_map: list[str] | None,
    base_url: str | None,
    batch_size: int,
    events: str,
) -> ImportOptions:
    if events not in ("summary", "rows"):
        _fail("--events must be summary or rows")
    return ImportOptions(
        dry_run=dry_run, batch_size=batch_size, author_map=read_author_map(author_map),
        status_map=parse_status_map(status_map), base_url=base_url, events=events,
    )  # fmt: skip


@import_cli.command("wordpress")
def import_wordpress(
    source: Annotated[Path, typer.Argument(help="The WXR file (Tools -> Export).")],
    dry_run: DryRun = False,
    author_map: AuthorMap = None,
    status_map: StatusMap = None,
    base_url: BaseUrl = None,
    report: Report = None,
    batch_size: BatchSize = 200,
    events: Events = "summary",
) -> None:
    """Import posts, pages, authors, categories and tags of a WordPress export; every old
    permalink becomes a 301."""
    from resolvers.imports.wordpress import STATUS_DEFAULTS, WordPressExport

    opts = _options(dry_run, author_map, status_map, base_url, batch_size, events)
    run_import(lambda: (WordPressExport(source, base_url).source(), STATUS_DEFAULTS), opts, report)


@import_cli.command("ghost")
def import_ghost(
    source: Annotated[Path, typer.Argument(help="The Ghost export (.json), v3, v4 or v5.")],
    dry_run: DryRun = False,
    author_map: AuthorMap = None,
    status_map: StatusMap = None,
    base_url: BaseUrl = None,
    report: Report = None,
    batch_size: BatchSize = 200,
    events: Events = "summary",
) -> None:
    """Import posts, pages, users and tags of a Ghost export; old Ghost URLs become 301s."""
    from resolvers.imports.ghost import STATUS_DEFAULTS, GhostExport

    opts = _options(dry_run, author_map, status_map, base_url, batch_size, events)
    run_import(lambda: (GhostExport(source, base_url).source(), STATUS_DEFAULTS), opts, report)


@import_cli.command("markdown")
def import_markdown(
    source: Annotated[Path, typer.Argument(help="A folder of Markdown files with front matter.")],
    dry_run: DryRun = False,
    author_map: AuthorMap = None,
    status_map: StatusMap = None,
    base_url: BaseUrl = None,
    report: Report = None,
    batch_size: BatchSize = 200,
    events: Events = "summary",
) -> None:
    """Import a Hugo, Jekyll or Eleventy content folder; ``aliases`` become 301s."""
    from resolvers.imports.markdown import STATUS_DEFAULTS, MarkdownFolder

    opts = _options(dry_run, author_map, status_map, base_url, batch_size, events)
    run_import(lambda: (MarkdownFolder(source, base_url).source(), STATUS_DEFAULTS), opts, report)


@import_cli.command("native")
def import_native(
    source: Annotated[Path, typer.Argument(help="A file written by `content-gateway export`.")],
    dry_run: DryRun = False,
) -> None:
    """Restore a native export into an EMPTY database (ids, versions and timestamps kept)."""
    from resolvers.imports.native import NativeImportError, import_native_file

    settings = checked_settings()

    async def go() -> dict[str, int]:
        async with cli_env(settings) as env:
            return await import_native_file(env.db, source, dry_run=dry_run)

    try:
        counts = asyncio.run(go())
    except NativeImportError as exc:
        _fail(str(exc))
        raise
    verb = "would restore" if dry_run else "restored"
    listed = ", ".join(f"{n} {table}" for table, n in counts.items())
    typer.echo(f"content-gateway: {verb} {listed}", err=True)


def export_command(
    file: Annotated[Path, typer.Argument(help="The JSON Lines file to write ('-' = stdout).")],
) -> None:
    """Write everything the API owns to one versioned JSON Lines file (backup, migration)."""
    import sys

    from resolvers.imports.native import export_native

    settings = checked_settings()

    async def go(out: Any) -> dict[str, int]:
        async with cli_env(settings) as env:
            return await export_native(env.db, out)

    if str(file) == "-":
        counts = asyncio.run(go(sys.stdout.buffer))
    else:
        with file.open("wb") as out:
            counts = asyncio.run(go(out))
    listed = ", ".join(f"{n} {table}" for table, n in counts.items())
    typer.echo(f"content-gateway: exported {listed} to {file}", err=True)
