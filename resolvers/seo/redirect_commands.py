"""Redirect commands: create and delete (editors), and the CSV import (``redirects import``).

The rules themselves live in ``resolvers/redirects.py``; these functions add permissions, one
transaction per call, and (for the import) a per-row report.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from resolvers.access import may_manage_redirects
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    Problems,
    Saved,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.seo.redirects import (
    STATUS_CODES,
    add_redirect,
    check_source,
    check_target,
    find,
    normalize_path,
    remove_redirect,
)


def check_status(problems: Problems, path: tuple[str, ...], status: int | None) -> int | None:
    if status not in STATUS_CODES:
        allowed = ", ".join(map(str, STATUS_CODES))
        problems.add(path, f"The status must be one of {allowed} (got {status}).", "INVALID_STATUS")
        return None
    return status


async def create_redirect(
    env: CommandEnv, *, from_path: str, to_path: str | None, status_code: int
) -> Saved:
    deny_unless_allowed(may_manage_redirects(env.viewer))
    problems = Problems()
    source = check_source(problems, ("input", "from_path"), from_path)
    status = check_status(problems, ("input", "status_code"), status_code)
    target = None
    if status is not None:
        target = check_target(problems, ("input", "to_path"), to_path, status, env.site)
    problems.raise_if_any()
    assert source is not None and status is not None and target is not None
    async with unit_of_work(env) as work:
        row = await add_redirect(
            work.session,
            env.site,
            problems,
            from_path=source,
            target=target,
            status=status,
            actor=env.actor,
            now=env.now,
            changes=work.changes,
            paths=(("input", "from_path"), ("input", "to_path")),
        )
        problems.raise_if_any()
    return Saved(row, work.changes)


async def delete_redirect(
    env: CommandEnv, *, redirect_id: int | None = None, from_path: str | None = None
) -> Saved:
    """By database id or by source path (normalised like every stored path)."""
    deny_unless_allowed(may_manage_redirects(env.viewer))
    async with unit_of_work(env) as work:
        if redirect_id is None and from_path is not None:
            found = await find(work.session, normalize_path(from_path))
            redirect_id = found.id if found is not None else None
        row = None
        if redirect_id is not None:
            row = await remove_redirect(work.session, redirect_id, work.changes)
        if row is None:
            raise EntityNotFound(
                "redirect", redirect_id if redirect_id is not None else from_path or ""
            )
    return Saved(row, work.changes)


@dataclass
class ImportReport:
    created: list[tuple[int, str, str | None, int]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    committed: bool = False


def _rows(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if not rows and cells[0].strip().lower() in ("from", "from_path", "source"):
            continue  # header
        rows.append((reader.line_num, [c.strip() for c in cells]))
    return rows


async def import_redirects(env: CommandEnv, text: str, *, dry_run: bool = False) -> ImportReport:
    """Rows ``from,to,status`` (status defaults to 301; ``to`` empty for 410). Every valid row is
    written in ONE transaction, checked against the database and the rows before it; invalid
    rows are reported with their line number and skipped. ``dry_run`` rolls back at the end."""
    deny_unless_allowed(may_manage_redirects(env.viewer))
    report = ImportReport()

    class _DryRun(Exception):
        pass

    try:
        async with unit_of_work(env) as work:
            for line, cells in _rows(text):
                problems = Problems()
                if len(cells) not in (2, 3):
                    report.rejected.append(
                        (line, f"expected from,to,status; got {len(cells)} columns")
                    )
                    continue
                raw_status = cells[2] if len(cells) == 3 and cells[2] else "301"
                status = int(raw_status) if raw_status.isdigit() else None
                status = check_status(problems, ("status",), status)
                source = check_source(problems, ("from",), cells[0])
                target = None
                if status is not None:
                    target = check_target(problems, ("to",), cells[1], status, env.site)
                if source is not None and target is not None and status is not None:
                    existing = await find(work.session, source)
                    if (
                        existing is not None
                        and existing.to_path == target.location
                        and existing.status_code == status
                    ):
                        report.unchanged.append((line, source))
                        continue
                    row = await add_redirect(
                        work.session,
                        env.site,
                        problems,
                        from_path=source,
                        target=target,
                        status=status,
                        actor=env.actor,
                        now=env.now,
                        changes=work.changes,
                        paths=(("from",), ("to",)),
                    )
                    if row is not None:
                        report.created.append((line, row.from_path, row.to_path, row.status_code))
                        continue
                report.rejected.append(
                    (line, "; ".join(f"{p.path[-1]}: {p.message}" for p in problems.items))
                )
            if dry_run:
                raise _DryRun
        report.committed = True
    except _DryRun:
        pass
    return report
