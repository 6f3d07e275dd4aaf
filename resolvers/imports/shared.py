"""Write helpers every importer shares: the source-id mapping, free slugs, checked fields with
optional ones dropped, and the old-URL redirects.

The rules themselves are the API's: field checks come from the commands' ``check_*`` functions,
redirects from ``resolvers.seo.redirects``. An import only decides what to do when a rule says
no: an essential field refused skips the item; an optional one is dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.commands import FieldProblem, Problems, Work
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.content.slugs import MAX_SLUG_LENGTH, is_valid_slug, make_slug
from resolvers.imports.report import ImportReport
from resolvers.models import ARTICLE_LINKS, article_t, imported_item_t, redirect_t, seo_meta_t
from resolvers.seo import redirects
from resolvers.site import Site

m = imported_item_t
r = redirect_t
SEO_FLAGS = {"robots_index": True, "robots_follow": True}  # an override not given is the default
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


def mapping_row(
    source: str,
    kind: str,
    source_id: str,
    entity: tuple[str, int],
    content_hash: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "source": source, "kind": kind, "source_id": source_id, "entity_type": entity[0],
        "entity_id": entity[1], "content_hash": content_hash, "created_at": now, "updated_at": now,
    }  # fmt: skip


def source_slug(raw: str | None, fallback: str) -> str | None:
    """A source's slug as a speaking slug: WordPress stores percent-encoded UTF-8 slugs and
    Ghost/Markdown may carry capitals; a slug that is valid already is kept as it is."""
    from urllib.parse import unquote

    if raw and is_valid_slug(raw):
        return raw
    made = make_slug(unquote(raw)) if raw else ""
    return made or make_slug(fallback) or None


async def free_slug(
    session: AsyncSession,
    table: Any,
    slug: str,
    exclude: int | None,
    reserved: set[str] | frozenset[str] = frozenset(),
    **scope: Any,
) -> str:
    """``slug``, or ``slug-2``, ``slug-3``... the first one no other row of ``table`` holds
    (within ``scope``, e.g. the locale) and that is not ``reserved``."""
    candidate, n = slug, 1
    while True:
        stmt = select(table.c.id).where(table.c.slug == candidate)
        for column, value in scope.items():
            stmt = stmt.where(table.c[column] == value)
        if exclude is not None:
            stmt = stmt.where(table.c.id != exclude)
        if candidate not in reserved and await session.scalar(stmt) is None:
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


@dataclass
class Pending:
    """What a batch writes at its end, set-wise: the paths its content took (a stale redirect
    from one is removed, as ``claim_path`` does), its old paths as 301s, its mapping rows."""

    claims: list[str] = field(default_factory=list)
    moves: dict[str, tuple[str, ItemRef]] = field(default_factory=dict)
    mappings: list[dict[str, Any]] = field(default_factory=list)
    remapped: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[dict[str, int]]] = field(default_factory=dict)  # of new articles
    seo: list[dict[str, Any]] = field(default_factory=list)  # overrides of new entities
    # (slug, locale) -> id of the article holding it, for every slug the batch may want
    slug_owners: dict[tuple[str, str], int] = field(default_factory=dict)
    prefetched: set[str] = field(default_factory=set)
    new_articles: list[Any] = field(default_factory=list)  # NewArticle, inserted together
    articles: dict[int, Any] = field(default_factory=dict)  # mapped articles' rows, by id

    async def prefetch_articles(
        self, session: AsyncSession, slugs: list[str], article_ids: list[int]
    ) -> None:
        """One query for the slugs the batch's articles want, one for their current rows."""
        table = article_t
        for start in range(0, len(slugs), 400):
            rows = await session.execute(
                select(table.c.id, table.c.slug, table.c.locale).where(
                    table.c.slug.in_(slugs[start : start + 400])
                )
            )
            self.slug_owners.update({(row.slug, row.locale): row.id for row in rows})
        self.prefetched = set(slugs)
        if article_ids:
            rows = await session.execute(
                select(*ARTICLE_COLUMNS).where(table.c.id.in_(article_ids))
            )
            self.articles = {row.id: row for row in rows}

    async def article_slug(
        self, session: AsyncSession, slug: str, locale: str, exclude: int | None
    ) -> str:
        """``free_slug`` for articles, answered from the prefetched slugs where it can; the slug
        is then reserved for this article (the batch's later articles see it taken)."""
        owner = self.slug_owners.get((slug, locale))
        if slug in self.prefetched and owner in (None, exclude):
            chosen = slug
        else:  # taken, or not asked about; the batch's new articles are not inserted yet
            held = {s for (s, lc), o in self.slug_owners.items() if lc == locale and o != exclude}
            chosen = await free_slug(
                session, article_t, slug, exclude, reserved=held, locale=locale
            )
        self.slug_owners[(chosen, locale)] = exclude if exclude is not None else -1
        return chosen

    def old_paths(
        self, report: ImportReport, ref: ItemRef, raw_paths: list[str], new_path: str
    ) -> None:
        for raw in dict.fromkeys(raw_paths):
            problems = Problems()
            source = redirects.check_source(problems, ("from_path",), raw, keep_query=True)
            for p in problems.items:
                report.problem(ref.kind, ref.source_id, ref.label, p.code, p.message, "warning")
            if source is None or source == new_path:
                continue
            taken = self.moves.get(source)
            if taken is not None and taken[0] != new_path:
                report.problem(
                    ref.kind, ref.source_id, ref.label, "DUPLICATE",
                    f"{source} is an old path of {taken[1].kind} {taken[1].source_id} too; "
                    "it redirects there.", "warning",
                )  # fmt: skip
                continue
            self.moves[source] = (new_path, ref)

    def mapping(self, values: dict[str, Any], *, existed: bool) -> None:
        (self.remapped if existed else self.mappings).append(values)

    async def flush(
        self, work: Work, site: Site, report: ImportReport, actor: str | None, now: datetime
    ) -> None:
        session = work.session
        for kind, rows in self.links.items():
            if rows:
                await session.execute(insert(ARTICLE_LINKS[kind].table), rows)
        if self.seo:  # one INSERT for all: every row names every column
            columns = [c.name for c in seo_meta_t.c if c.name != "id"]
            seo = [{c: row.get(c, SEO_FLAGS.get(c)) for c in columns} for row in self.seo]
            await session.execute(insert(seo_meta_t), seo)
        await self._claim(work)
        moves = await self._new_moves(work, report)
        results = await redirects.add_moves(
            session, site, [(s, t) for s, (t, _) in moves], actor=actor, now=now,
            changes=work.changes,
        )  # fmt: skip
        for (_, (_, ref)), (row, problems) in zip(moves, results, strict=True):
            report.redirects += row is not None
            for p in problems.items:
                report.problem(ref.kind, ref.source_id, ref.label, p.code, p.message, "warning")
        if self.mappings:
            await session.execute(insert(m), self.mappings)
        for values in self.remapped:
            await session.execute(
                update(m)
                .where(m.c.source == values["source"], m.c.kind == values["kind"],
                       m.c.source_id == values["source_id"])
                .values(entity_type=values["entity_type"], entity_id=values["entity_id"],
                        content_hash=values["content_hash"], updated_at=values["updated_at"])
            )  # fmt: skip

    async def _claim(self, work: Work) -> None:
        for start in range(0, len(self.claims), 400):
            part = self.claims[start : start + 400]
            stale = await work.session.scalars(select(r.c.from_path).where(r.c.from_path.in_(part)))
            for path in stale.all():
                await redirects.claim_path(work.session, path, work.changes)

    async def _new_moves(
        self, work: Work, report: ImportReport
    ) -> list[tuple[str, tuple[str, ItemRef]]]:
        """The moves not stored yet; an old path already redirected elsewhere is left alone."""
        existing: dict[str, str | None] = {}
        sources = list(self.moves)
        for start in range(0, len(sources), 400):
            rows = await work.session.execute(
                select(r.c.from_path, r.c.to_path).where(
                    r.c.from_path.in_(sources[start : start + 400])
                )
            )
            existing.update({row.from_path: row.to_path for row in rows})
        fresh = []
        for source, (target, ref) in self.moves.items():
            if source not in existing:
                fresh.append((source, (target, ref)))
            elif existing[source] != target:
                report.problem(
                    ref.kind, ref.source_id, ref.label, "DUPLICATE",
                    f"{source} already redirects to {existing[source] or '410 Gone'}; left as is.",
                    "warning",
                )  # fmt: skip
        return fresh
