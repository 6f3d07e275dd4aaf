"""The benchmark's database: a seeded SQLite file (reused between runs) or a PostgreSQL database
created for one run and dropped after it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from gateway.cli.main import run_migrations
from resolvers.access import ANONYMOUS, article_visible
from resolvers.db import Database, make_engine, now_utc
from resolvers.demo.seed import seed_content
from resolvers.models import article_author_t, article_t

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / ".data"


@dataclass(frozen=True)
class SeedSpec:
    articles: int = 10_000
    authors: int = 200
    seed: int = 1
    # Planner statistics, as a production database has them (PostgreSQL's autovacuum gathers
    # them soon after a bulk load; SQLite only when told). Without them SQLite looks articles
    # up by slug through the status/published_at index: a scan, not a seek.
    analyze: bool = True

    @property
    def stem(self) -> str:
        suffix = "" if self.analyze else "-noanalyze"
        return f"bench-a{self.articles}-u{self.authors}-s{self.seed}{suffix}"

    def fingerprint(self) -> dict[str, object]:
        """What decides whether a seeded file can be reused: the parameters, the migrations
        and the seed generator's code (a changed generator makes different content)."""
        code = hashlib.sha256()
        for path in [REPO / "resolvers" / "seed.py", *sorted((REPO / "migrations").rglob("*.py"))]:
            code.update(path.read_bytes())
        return {**asdict(self), "code": code.hexdigest()[:16]}


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


async def _seed(url: str, spec: SeedSpec) -> None:
    db = Database(make_engine(url))
    try:
        await seed_content(db, authors=spec.authors, articles=spec.articles, seed=spec.seed)
        if spec.analyze:
            async with db.engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
    finally:
        await db.dispose()


def migrate_and_seed(url: str, spec: SeedSpec) -> None:
    started = time.perf_counter()
    run_migrations(url)
    log(f"seeding {spec.articles} articles, {spec.authors} authors (seed {spec.seed}) ...")
    asyncio.run(_seed(url, spec))
    analyzed = " and analyzed" if spec.analyze else " (no ANALYZE)"
    log(f"seeded{analyzed} in {time.perf_counter() - started:.1f} s")


def sqlite_database(spec: SeedSpec) -> str:
    """A seeded SQLite file under bench/.data/, reused while its fingerprint matches."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"{spec.stem}.db"
    marker = path.with_suffix(".json")
    url = f"sqlite+aiosqlite:///{path}"
    fingerprint = spec.fingerprint()
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == fingerprint:
        log(f"reusing {path.relative_to(REPO)}")
        return url
    for stale in (path, marker, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    migrate_and_seed(url, spec)
    # Written last: an interrupted seed leaves no marker and is redone next time.
    marker.write_text(json.dumps(fingerprint))
    return url


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> str:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(sql)
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


@contextmanager
def postgres_database(admin_url: str, spec: SeedSpec) -> Iterator[tuple[str, str]]:
    """Create ``gw_bench_<pid>`` through the admin URL, seed it, drop it afterwards.
    Yields (its URL, the server version)."""
    if not admin_url.startswith(("postgresql://", "postgresql+asyncpg://", "postgres://")):
        raise SystemExit(f"bench: --postgres needs a postgresql:// URL (got {admin_url!r})")
    name = f"gw_bench_{os.getpid()}"
    url = (
        make_url(admin_url)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )
    version = asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    log(f"created PostgreSQL database {name}")
    try:
        migrate_and_seed(url, spec)
        yield url, version
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        log(f"dropped PostgreSQL database {name}")


async def _pick_slug(url: str) -> str:
    db = Database(make_engine(url))
    try:
        several = (
            select(article_author_t.c.article_id)
            .group_by(article_author_t.c.article_id)
            .having(func.count() > 1)
        )
        row = await db.one_or_none(
            select(article_t.c.slug)
            .where(
                article_visible(ANONYMOUS, now_utc()),
                article_t.c.locale == "en",
                article_t.c.id.in_(several),
            )
            .order_by(article_t.c.published_at.desc(), article_t.c.id.desc())
            .limit(1)
        )
    finally:
        await db.dispose()
    if row is None:
        raise SystemExit("bench: the seeded database has no public article with several authors")
    return str(row.slug)


def pick_article_slug(url: str) -> str:
    """The newest public English article with several authors: a full article page."""
    return asyncio.run(_pick_slug(url))
