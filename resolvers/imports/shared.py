"""Write helpers every importer shares: the source-id mapping, free slugs, checked fields with
optional ones dropped, and the old-URL redirects.

The rules themselves are the API's: field checks come from the commands' ``check_*`` functions,
redirects from ``resolvers.seo.redirects``. An import only decides what to do when a rule says
no: an essential field refused skips the item; an optional one is dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.commands import FieldProblem, Problems, Work
from resolvers.content.slugs import MAX_SLUG_LENGTH, is_valid_slug, make_slug
from resolvers.imports.report import ImportReport
from resolvers.models import imported_item_t
from resolvers.seo import redirects
from resolvers.site import Site

m = imported_item_t
Checker = Callable[[Problems, dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Mapped:
    entity_id: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class ItemRef:
    """Which source item a problem belongs to."""

    kind: str
    source_id: str
    label: str


async def load_mapping(
    session: AsyncSession, source: str, kind: str, source_ids: list[str] | None = None
) -> dict[str, Mapped]:
    stmt = select(m.c.source_id, m.c.entity_id, m.c.content_hash).where(
        m.c.source == source, m.c.kind == kind
    )
    if source_ids is not None:
        stmt = stmt.where(m.c.source_id.in_(source_ids))
    rows = (await session.execute(stmt)).all()
    return {r.source_id: Mapped(r.entity_id, r.content_hash) for r in rows}


async def save_mapping(
    session: AsyncSession,
    source: str,
    kind: str,
    source_id: str,
    entity: tuple[str, int],
    content_hash: str,
    now: datetime,
    *,
    existed: bool,
) -> None:
    values = {"entity_type": entity[0], "entity_id": entity[1], "content_hash": content_hash}
    if existed:
        await session.execute(
            update(m)
            .where(m.c.source == source, m.c.kind == kind, m.c.source_id == source_id)
            .values(**values, updated_at=now)
        )
    else:
        await session.execute(
            insert(m).values(
                source=source,
                kind=kind,
                source_id=source_id,
                created_at=now,
                updated_at=now,
                **values,
            )
        )


def source_slug(raw: str | None, fallback: str) -> str | None:
    """A source's slug as a speaking slug: WordPress stores percent-encoded UTF-8 slugs and
    Ghost/Markdown may carry capitals; a slug that is valid already is kept as it is."""
    from urllib.parse import unquote

    if raw and is_valid_slug(raw):
        return raw
    made = make_slug(unquote(raw)) if raw else ""
    return made or make_slug(fallback) or None


async def free_slug(
    session: AsyncSession, table: Any, slug: str, exclude: int | None, **scope: Any
) -> str:
    """``slug``, or ``slug-2``, ``slug-3``... the first one no other row of ``table`` holds
    (within ``scope``, e.g. the locale)."""
    candidate, n = slug, 1
    while True:
        stmt = select(table.c.id).where(table.c.slug == candidate)
        for column, value in scope.items():
            stmt = stmt.where(table.c[column] == value)
        if exclude is not None:
            stmt = stmt.where(table.c.id != exclude)
        if await session.scalar(stmt) is None:
            return candidate
        n += 1
        suffix = f"-{n}"
        candidate = slug[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix


def checked(
    report: ImportReport,
    ref: ItemRef,
    given: dict[str, Any],
    check: Checker,
    essential: set[str],
) -> Any | None:
    """Run the API's own input check; a refused optional field is dropped (warning) and the
    check runs again; a refused essential field skips the item (error, returns None)."""
    for _ in range(len(given) + 1):
        problems = Problems()
        result = check(problems, given)
        if not problems:
            return result
        fatal = [p for p in problems.items if _field(p) in essential or _field(p) not in given]
        if fatal:
            for p in fatal:
                report.problem(ref.kind, ref.source_id, ref.label, p.code, _describe(p))
            return None
        for p in problems.items:
            report.problem(
                ref.kind, ref.source_id, ref.label, p.code, _describe(p) + " (field left out)",
                severity="warning",
            )  # fmt: skip
            _drop(given, p.path[1:])
    return None


def _drop(given: dict[str, Any], path: tuple[str, ...]) -> None:
    """Leave out the refused field: a key of a nested input (``seo.canonical_url``) alone."""
    if len(path) >= 2 and path[0] == "seo" and isinstance(given.get("seo"), dict):
        given["seo"].pop(path[1], None)
        if not given["seo"]:
            given.pop("seo")
        return
    given.pop(path[0] if path else "", None)


def _field(problem: FieldProblem) -> str:
    return problem.path[1] if len(problem.path) > 1 else problem.path[0]


def _describe(problem: FieldProblem) -> str:
    return f"{'.'.join(problem.path[1:]) or problem.path[0]}: {problem.message}"


async def add_old_paths(
    work: Work,
    site: Site,
    report: ImportReport,
    ref: ItemRef,
    old_paths: list[str],
    new_path: str,
    actor: str | None,
    now: datetime,
) -> None:
    """Each old path answers 301 -> ``new_path``, by the same rules as any redirect write; a
    path already redirected elsewhere is left alone and reported."""
    for raw in dict.fromkeys(old_paths):
        problems = Problems()
        source = redirects.check_source(problems, ("from_path",), raw, keep_query=True)
        if source is None or source == new_path:
            for p in problems.items:
                report.problem(ref.kind, ref.source_id, ref.label, p.code, p.message, "warning")
            continue
        existing = await redirects.find(work.session, source)
        if existing is not None:
            if existing.to_path != new_path:
                report.problem(
                    ref.kind, ref.source_id, ref.label, "DUPLICATE",
                    f"{source} already redirects to {existing.to_path or '410 Gone'}; left as is.",
                    "warning",
                )  # fmt: skip
            continue
        row = await redirects.add_redirect(
            work.session, site, problems, from_path=source,
            target=redirects.Target(new_path, True), status=301, actor=actor, now=now,
            changes=work.changes,
        )  # fmt: skip
        if row is not None:
            report.redirects += 1
        for p in problems.items:
            report.problem(ref.kind, ref.source_id, ref.label, p.code, p.message, "warning")
