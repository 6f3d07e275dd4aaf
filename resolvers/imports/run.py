"""Running an import: a full validation pass, then batches, each one transaction.

1. The whole source is read once without writing (streamed; a malformed or hostile file fails
   here with ``ImportFileError`` and nothing is written). The counts feed the progress bar.
2. Items are written in batches of ``batch_size``, one ``unit_of_work`` each (so the API's
   change hooks run per batch: cache invalidation after commit). A crash loses at most the batch
   in flight; running the import again skips what is unchanged (the ``imported_item`` mapping).
   A batch that fails unexpectedly is retried item by item, so only the culprit is reported.
3. One ``import.completed`` outbox event summarises the run (``events="rows"`` writes the
   per-row events of the API instead). ``dry_run`` runs everything in one transaction that is
   rolled back: the report says what would happen.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace

from resolvers.changes import ChangeHooks, ChangeSet
from resolvers.commands import CommandEnv, Work, unit_of_work
from resolvers.events.outbox import record_event
from resolvers.imports.articles import insert_new_articles, write_article
from resolvers.imports.items import (
    TARGET_STATUSES,
    ImportOptions,
    Item,
    Source,
    SourceArticle,
    SourceAuthor,
    SourceRedirect,
    SourceTerm,
    digest,
)
from resolvers.imports.people import write_author, write_term
from resolvers.imports.report import ImportReport
from resolvers.imports.shared import ItemRef, Mapped, Pending, load_mapping, source_slug
from resolvers.seo import redirects

log = logging.getLogger("gateway.imports")
Progress = Callable[[str, int], None]
MAX_SUMMARY_KEYS = 2000


class _DryRun(Exception):
    pass


def kind_of(item: Item) -> str:
    if isinstance(item, SourceTerm):
        return item.kind
    return {SourceAuthor: "author", SourceArticle: "article", SourceRedirect: "redirect"}[
        type(item)
    ]


@dataclass
class Importer:
    env: CommandEnv
    source: Source
    options: ImportOptions
    status_defaults: dict[str, str]
    progress: Progress = lambda kind, n: None  # a no-op default
    report: ImportReport = field(init=False)
    ids: dict[str, dict[str, int]] = field(init=False)
    touched: set[tuple[str, int]] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    _totals: dict[str, int] | None = None

    def __post_init__(self) -> None:
        self.report = ImportReport(self.source.name, self.source.format, self.options.dry_run)
        self.ids = {"author": {}, "category": {}, "tag": {}}

    def totals(self) -> dict[str, int]:
        """Pass 1: read everything, write nothing (raises ImportFileError)."""
        counts: dict[str, int] = {}
        if self.source.count is not None:
            counts = self.source.count()
        else:
            for item in self.source.iterate():
                counts[kind_of(item)] = counts.get(kind_of(item), 0) + 1
        self._totals = counts
        self.report.notes = self.source.notes()
        refused = self.source.problems()
        self.report.problems.extend(refused)
        for _ in refused:
            self.report.count("article", "failed")
        return counts

    async def run(self) -> ImportReport:
        if self._totals is None:
            self.totals()
        hooks = self.env.hooks
        if self.options.events == "summary":
            hooks = ChangeHooks(in_transaction=[], after_commit=list(hooks.after_commit))
        env = replace(self.env, hooks=hooks)
        if self.options.dry_run:
            try:
                async with unit_of_work(replace(env, hooks=ChangeHooks())) as work:
                    await self._all(env, lambda: _reuse(work))
                    raise _DryRun
            except _DryRun:
                pass
            return self.report
        await self._all(env, lambda: unit_of_work(env))
        self.report.committed = True
        self.report.notes = self.source.notes()
        if self.options.events == "summary":
            await self._summary_event()
        return self.report

    async def _all(
        self, env: CommandEnv, batch: Callable[[], AbstractAsyncContextManager[Work]]
    ) -> None:
        async with batch() as work:
            for kind in ("author", "category", "tag"):
                known = await load_mapping(work.session, self.source.name, kind)
                self.ids[kind] = {k: v.entity_id for k, v in known.items()}
        pending: list[Item] = []
        for item in self.source.iterate():
            if pending and (
                len(pending) >= self.options.batch_size or kind_of(pending[-1]) != kind_of(item)
            ):
                await self._flush(env, batch, pending)
                pending = []
            pending.append(item)
        if pending:
            await self._flush(env, batch, pending)

    async def _flush(
        self,
        env: CommandEnv,
        batch: Callable[[], AbstractAsyncContextManager[Work]],
        items: list[Item],
    ) -> None:
        try:
            await self._write_batch(env, batch, items)
        except Exception:
            if self.options.dry_run or len(items) == 1:
                raise
            log.exception("import batch failed; retrying its %d items one by one", len(items))
            for item in items:
                try:
                    await self._write_batch(env, batch, [item])
                except Exception as exc:
                    label = getattr(item, "title", None) or getattr(item, "name", "")
                    self.report.problem(
                        kind_of(item), getattr(item, "source_id", "-"), str(label), "FAILED",
                        f"could not be written: {type(exc).__name__}: {exc}"[:300],
                    )  # fmt: skip
                    self.report.count(kind_of(item), "failed")

    async def _write_batch(
        self,
        env: CommandEnv,
        batch: Callable[[], AbstractAsyncContextManager[Work]],
        items: list[Item],
    ) -> None:
        new_ids: dict[str, dict[str, int]] = {"author": {}, "category": {}, "tag": {}}
        kind = kind_of(items[0])
        async with batch() as work:
            mapped: dict[str, Mapped] = {}
            if kind != "redirect":
                ids = [getattr(i, "source_id", "") for i in items]
                mapped = await load_mapping(work.session, self.source.name, kind, ids)
            pending = Pending()
            if kind == "article":
                await pending.prefetch_articles(
                    work.session,
                    [
                        source_slug(i.slug, i.title) or ""
                        for i in items
                        if isinstance(i, SourceArticle)
                    ],
                    [m.entity_id for m in mapped.values()],
                )
            for item in items:
                entity_id = await self._write(env, work, item, mapped, pending)
                if entity_id is not None and isinstance(item, SourceAuthor | SourceTerm):
                    new_ids[kind][item.source_id] = entity_id
            await insert_new_articles(env, work, self.report, self.source.name, pending)
            await pending.flush(work, env.site, self.report, env.actor, env.now)
            self._remember(work.changes)
        for k, found in new_ids.items():  # only once committed: a rolled-back id is no id
            self.ids[k].update(found)
        self.progress(kind, len(items))

    async def _write(
        self, env: CommandEnv, work: Work, item: Item, mapped: dict[str, Mapped], pending: Pending
    ) -> int | None:
        name, report = self.source.name, self.report
        if isinstance(item, SourceAuthor):
            got = mapped.get(item.source_id)
            return await write_author(
                env, work, report, name, item, got, self.options.author_map, pending
            )
        if isinstance(item, SourceTerm):
            got = mapped.get(item.source_id)
            return await write_term(env, work, report, name, item, got, pending)
        if isinstance(item, SourceArticle):
            return await self._article(env, work, item, mapped.get(item.source_id), pending)
        ref = ItemRef("redirect", item.from_path, item.to_path or "410")
        pending.old_paths(
            report, ref, [item.from_path], redirects.normalize_path(item.to_path or "/")
        )
        report.count("redirect", "read")
        return None

    async def _article(
        self,
        env: CommandEnv,
        work: Work,
        item: SourceArticle,
        mapped: Mapped | None,
        pending: Pending,
    ) -> int | None:
        status = self.options.status_for(item.status, self.status_defaults)
        if status not in TARGET_STATUSES:
            self.report.problem(
                item.kind, item.source_id, item.title, "INVALID_STATUS",
                f"unknown status {item.status!r}; map it with --status-map {item.status}=draft.",
            )  # fmt: skip
            self.report.count("article", "failed")
            return None
        if status == "skip":
            self.report.count("article", "skipped")
            return None
        content_hash = digest([item.content_hash(), status])
        if mapped is not None and mapped.content_hash == content_hash:
            self.report.count("article", "unchanged")
            return mapped.entity_id
        await write_article(
            env, work, self.report, self.source.name, item, status, mapped, self.ids,
            content_hash, pending,
        )  # fmt: skip
        return None  # articles are nobody's reference: their ids need not be kept

    def _remember(self, changes: ChangeSet) -> None:
        if len(self.touched) < MAX_SUMMARY_KEYS:
            self.touched.update(changes.entity_keys())
        if len(self.paths) < MAX_SUMMARY_KEYS:
            self.paths.update(changes.paths())

    async def _summary_event(self) -> None:
        """One event for the whole run: webhooks get one call, purges get every changed key
        (or, past ``MAX_SUMMARY_KEYS``, the lists of each kind: ``truncated``)."""
        if not self.touched:
            return
        truncated = len(self.touched) >= MAX_SUMMARY_KEYS or len(self.paths) >= MAX_SUMMARY_KEYS
        async with self.env.db.sessions() as session, session.begin():
            await record_event(
                session, "import.completed", 0, slug=None,
                paths_after=sorted(self.paths)[:MAX_SUMMARY_KEYS],
                data={
                    "source": self.source.name,
                    "format": self.source.format,
                    "counts": self.report.summary(),
                    "redirects": self.report.redirects,
                    "related": sorted([k, i] for k, i in self.touched)[:MAX_SUMMARY_KEYS],
                    "truncated": truncated,
                },
                now=self.env.now,
            )  # fmt: skip


@asynccontextmanager
async def _reuse(work: Work) -> AsyncIterator[Work]:
    yield work


def summary_lines(report: ImportReport) -> list[str]:
    lines = []
    for kind, actions in report.summary().items():
        lines.append(f"{kind}: " + ", ".join(f"{n} {a}" for a, n in actions.items()))
    return lines
