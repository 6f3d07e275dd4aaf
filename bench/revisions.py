"""What revisions cost a write: saves per second with and without them, and the storage one
revision of a 20 KB article takes.

    python -m bench.revisions                      # SQLite in a temporary folder
    python -m bench.revisions --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python -m bench.revisions --seconds 5 --repeats 3 --no-record

Each save is the real ``update_article`` command (one transaction: row lock, checks, UPDATE,
links, and, with revisions, reading the new state, comparing it with the previous revision and
inserting the compressed revision), run back to back from one process for ``--seconds``. Runs
alternate ABBA (without, with, with, without, ...) so a noisy shared machine affects both
alike; the ratio of the medians is the overhead. The body changes one paragraph per save, as
an editor's save does. The result is appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import make_url

from bench.report import append_results, cpu_model, git_revision
from gateway.cli.main import run_migrations
from resolvers.access import CLI
from resolvers.commands import CommandEnv
from resolvers.content.article_commands import create_article, update_article
from resolvers.db import Database, make_engine
from resolvers.models import author_t
from resolvers.revisions.models import revision_t
from resolvers.site import Site

ROOT = Path(__file__).resolve().parents[1]
BODY_BYTES = 20_000


def _vocabulary(size: int = 3000) -> list[str]:
    rng = random.Random(7)
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [26 - i for i in range(26)]  # English-like letter frequencies, roughly
    return ["".join(rng.choices(letters, weights, k=rng.randint(2, 9))) for _ in range(size)]


VOCABULARY = _vocabulary()


def body(version: int) -> str:
    """About 20 KB of prose-like paragraphs (a fixed text, so saves differ only where an editor
    changed something): paragraph ``version % 40`` carries this save's edit."""
    rng = random.Random(11)
    paragraphs = []
    n = 0
    while sum(len(p) for p in paragraphs) < BODY_BYTES:
        words = " ".join(rng.choices(VOCABULARY, k=60))
        mark = f" (edit {version})" if n == version % 40 else ""
        paragraphs.append(f"<p>{words.capitalize()}{mark}.</p>")
        n += 1
    return "".join(paragraphs)


async def prepare(url: str) -> tuple[Database, int, int]:
    await asyncio.to_thread(run_migrations, url)
    db = Database(make_engine(url))
    now = datetime.now(UTC)
    async with db.engine.begin() as conn:
        author = (
            await conn.execute(
                insert(author_t)
                .values(slug="bench", name="Bench", created_at=now, updated_at=now)
                .returning(author_t.c.id)
            )
        ).scalar_one()
    env = CommandEnv(db=db, site=Site(), viewer=CLI, now=now, operation="bench")
    saved = await create_article(env, {"title": "Tides", "body": body(0), "author_ids": [author]})
    return db, int(saved.row.id), int(saved.row.version)


async def run(
    db: Database, article_id: int, version: int, seconds: float, keep: bool
) -> tuple[float, int, int]:
    """Saves for ``seconds``: (saves/s, next version, SQL statements per save)."""
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    saves = 0
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            env = CommandEnv(
                db=db, site=Site(), viewer=CLI, now=datetime.now(UTC), operation="bench",
                keep_revisions=keep,
            )  # fmt: skip
            await update_article(env, article_id, version, {"body": body(version)})
            version += 1
            saves += 1
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    elapsed = time.perf_counter() - start
    return saves / elapsed, version, statements // max(saves, 1)


async def storage(db: Database, article_id: int) -> tuple[float, float, int]:
    """(mean stored bytes, mean uncompressed bytes, revisions) of the article's revisions."""
    row = (
        await db.all(
            select(
                func.avg(func.length(revision_t.c.state)),
                func.avg(revision_t.c.state_bytes),
                func.count(),
            ).where(revision_t.c.entity_id == article_id, revision_t.c.action == "updated")
        )
    )[0]
    return float(row[0] or 0), float(row[1] or 0), int(row[2])


async def measure(url: str, seconds: float, repeats: int) -> dict[str, Any]:
    db, article_id, version = await prepare(url)
    try:
        rates: dict[bool, list[float]] = {False: [], True: []}
        sql: dict[bool, int] = {}
        _, version, _ = await run(db, article_id, version, 1.0, True)  # warm-up, unmeasured
        for i in range(repeats):
            for keep in (False, True) if i % 2 == 0 else (True, False):
                rate, version, sql[keep] = await run(db, article_id, version, seconds, keep)
                rates[keep].append(rate)
        stored, raw, count = await storage(db, article_id)
        backend = make_url(url).get_backend_name()
        return {
            "backend": backend,
            "without": statistics.median(rates[False]),
            "with": statistics.median(rates[True]),
            "runs": rates,
            "sql": sql,
            "stored": stored,
            "raw": raw,
            "revisions": count,
        }
    finally:
        await db.dispose()


def report(result: dict[str, Any], command: str, seconds: float, repeats: int) -> str:
    ratio = result["with"] / result["without"]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now} · revisions: write overhead ({result['backend']})",
        "",
        f"- machine: {cpu_model()}; code: {git_revision(ROOT)}; command: `{command}`",
        f"- {repeats} runs of {seconds:g} s per mode, ABBA; one writer; body ~20 KB, one "
        "paragraph changed per save",
        "",
        "| mode | saves/s (median) | runs | SQL/save |",
        "|---|---:|---|---:|",
        f"| without revisions | {result['without']:.1f} | "
        f"{', '.join(f'{r:.1f}' for r in result['runs'][False])} | {result['sql'][False]} |",
        f"| with revisions | {result['with']:.1f} | "
        f"{', '.join(f'{r:.1f}' for r in result['runs'][True])} | {result['sql'][True]} |",
        "",
        f"- with/without: **{ratio:.2f}x** ({(1 - ratio) * 100:.0f}% fewer saves per second)",
        f"- storage per revision of the 20 KB article: **{result['stored'] / 1024:.1f} KiB** "
        f"stored (zlib JSON of the full state; {result['raw'] / 1024:.1f} KiB uncompressed), "
        f"mean of {result['revisions']} revisions",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL server")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    command = f"python -m bench.revisions --seconds {args.seconds:g} --repeats {args.repeats}"
    if args.postgres:
        command += f" --postgres {make_url(args.postgres).render_as_string(hide_password=True)}"
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            url = _fresh_postgres(args.postgres)
        else:
            url = f"sqlite+aiosqlite:///{folder}/bench-revisions.db"
        try:
            result = asyncio.run(measure(url, args.seconds, args.repeats))
        finally:
            if args.postgres:
                _drop_postgres(args.postgres, url)
    text = report(result, command, args.seconds, args.repeats)
    print(text)
    if not args.no_record:
        append_results(ROOT / "bench" / "RESULTS.md", text)
    return 0


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _fresh_postgres(admin_url: str) -> str:
    import asyncpg

    name = f"gw_bench_rev_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(_plain(admin_url))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(admin_url: str, url: str) -> None:
    import asyncpg

    name = make_url(url).database

    async def drop() -> None:
        conn = await asyncpg.connect(_plain(admin_url))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


if __name__ == "__main__":
    raise SystemExit(main())
