"""The native export: one versioned JSON Lines file with everything the API owns.

Line 1 is the header (``{"format": "content-gateway-export", "version": 1, ...}``), then one
``{"table": ..., "row": {...}}`` per row in foreign-key order, then ``{"end": {table: count}}``
(a file without it was cut short and is refused). Every table of the storage model is written
except credentials and transient queues (``EXCLUDED``); webhook secrets are left out (a restored
webhook gets a new one). Rows keep their ids, versions and timestamps, so the same GraphQL
queries give the same answers after ``import native`` into an empty database.

Export and import stream (rows are written and read in batches), so memory stays flat. The
import is one transaction: a refused or broken file leaves the database as it was. Article
bodies and author bios pass the API's rich-text check again (a hand-edited export cannot
smuggle in a script).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import DateTime, LargeBinary, Table, func, insert, select, text

from resolvers.commands import Problems
from resolvers.content.richtext import MAX_BODY, check_rich_text
from resolvers.db import Database, now_utc
from resolvers.events.webhooks import generate_secret
from resolvers.models import metadata
from resolvers.search.index import index_all

FORMAT = "content-gateway-export"
VERSION = 1
# Credentials and queues are not content; the cache's purge log and the search index are
# derived from the content (the index is rebuilt after a restore).
EXCLUDED = {
    "api_token", "outbox_event", "event_delivery", "alembic_version",
    "cache_purge", "search_document", "search_language",
}  # fmt: skip
REDACTED = {"webhook": {"secret"}}
RICH_TEXT = {("article", "body"): MAX_BODY, ("author", "bio"): 5000}
BATCH = 500
MAX_LINE = 4_000_000


class NativeImportError(Exception):
    """The file cannot be restored; nothing was written."""


def exported_tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if t.name not in EXCLUDED]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):  # revision states (compressed JSON)
        return base64.b64encode(value).decode("ascii")
    raise TypeError(type(value).__name__)


async def export_native(db: Database, out: IO[bytes]) -> dict[str, int]:
    """Write the export to ``out``; returns the rows written per table."""
    counts: dict[str, int] = {}
    tables = exported_tables()
    header = {
        "format": FORMAT, "version": VERSION, "exportedAt": now_utc().isoformat(),
        "tables": [t.name for t in tables],
    }  # fmt: skip
    out.write(orjson.dumps(header) + b"\n")
    async with db.engine.connect() as conn:
        for table in tables:
            skip = REDACTED.get(table.name, set())
            columns = [c for c in table.c if c.name not in skip]
            order = list(table.primary_key.columns)
            result = await conn.stream(select(*columns).order_by(*order))
            n = 0
            async for row in result:
                line = {"table": str(table.name), "row": dict(row._mapping)}
                out.write(orjson.dumps(line, default=_encode) + b"\n")
                n += 1
            counts[str(table.name)] = n
    out.write(orjson.dumps({"end": counts}) + b"\n")
    return counts


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if len(raw) > MAX_LINE:
                    raise NativeImportError(f"line {number} is longer than {MAX_LINE} bytes.")
                try:
                    value = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    raise NativeImportError(f"line {number} is not JSON ({exc}).") from None
                if not isinstance(value, dict):
                    raise NativeImportError(f"line {number} is not a JSON object.")
                yield number, value
    except OSError as exc:
        raise NativeImportError(f"cannot read {path}: {exc.strerror or exc}") from None


def _row(table: Table, number: int, row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise NativeImportError(f"line {number}: `row` must be an object.")
    unknown = set(row) - set(table.c.keys())
    if unknown:
        raise NativeImportError(
            f"line {number}: {table.name} has no column(s) {', '.join(sorted(unknown))}."
        )
    values = dict(row)
    for column in table.c:
        value = values.get(column.name)
        if isinstance(column.type, LargeBinary) and isinstance(value, str):
            try:
                values[column.name] = base64.b64decode(value, validate=True)
            except binascii.Error:
                raise NativeImportError(
                    f"line {number}: {table.name}.{column.name} is not base64."
                ) from None
        if isinstance(column.type, DateTime) and isinstance(value, str):
            try:
                values[column.name] = datetime.fromisoformat(value)
            except ValueError:
                raise NativeImportError(
                    f"line {number}: {table.name}.{column.name} is not a date: {value[:40]!r}."
                ) from None
        limit = RICH_TEXT.get((table.name, column.name))
        if limit is not None and isinstance(value, str):
            problems = Problems()
            check_rich_text(problems, (table.name, column.name), value, "html", limit)
            if problems:
                raise NativeImportError(f"line {number}: {problems.items[0].message}")
    if table.name == "webhook":
        values["secret"] = generate_secret()
    return values


async def import_native_file(db: Database, path: Path, *, dry_run: bool = False) -> dict[str, int]:
    """Restore ``path`` into an empty database in one transaction; rows per table."""
    tables = {t.name: t for t in exported_tables()}
    lines = _lines(path)
    first = next(lines, None)
    if first is None or first[1].get("format") != FORMAT:
        raise NativeImportError(f"{path.name} is not a content-gateway export (no header line).")
    if first[1].get("version") != VERSION:
        raise NativeImportError(
            f"{path.name} is export version {first[1].get('version')!r}; this gateway reads "
            f"version {VERSION}."
        )
    counts: dict[str, int] = {}
    with contextlib.suppress(_DryRun):  # a dry run rolls back at the end
        await _restore(db, path, tables, lines, counts, dry_run)
    return counts


class _DryRun(Exception):
    pass


async def _restore(
    db: Database,
    path: Path,
    tables: dict[str, Table],
    lines: Iterator[tuple[int, dict[str, Any]]],
    counts: dict[str, int],
    dry_run: bool,
) -> None:
    async with db.sessions() as session, session.begin():
        for table in tables.values():
            n = await session.scalar(select(func.count()).select_from(table))
            if n:
                raise NativeImportError(
                    f"the database is not empty ({table.name} has {n} rows): `import native` "
                    "restores into an empty database only (run `migrate` on a new one)."
                )
        batch: list[dict[str, Any]] = []
        current: Table | None = None
        ended = False
        for number, line in lines:
            if "end" in line:
                ended = True
                break
            found = tables.get(str(line.get("table")))
            if found is None:
                raise NativeImportError(f"line {number}: unknown table {line.get('table')!r}.")
            table = found
            if current is not None and (table is not current or len(batch) >= BATCH):
                await session.execute(insert(current), batch)
                batch = []
            current = table
            batch.append(_row(table, number, line.get("row")))
            counts[str(table.name)] = counts.get(str(table.name), 0) + 1
        if not ended:
            raise NativeImportError(
                f"{path.name} ends without its closing line: the export was cut short."
            )
        if current is not None and batch:
            await session.execute(insert(current), batch)
        if not db.is_sqlite:
            await _reset_sequences(session, list(tables.values()))
        await session.run_sync(lambda sync: index_all(sync.connection()))
        if dry_run:
            raise _DryRun


async def _reset_sequences(session: Any, tables: list[Table]) -> None:
    """PostgreSQL: rows came with their ids, so each id sequence continues after the largest."""
    for table in tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )
