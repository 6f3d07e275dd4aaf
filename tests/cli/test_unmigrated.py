"""A database that was never migrated (or is behind the code) is refused with one line naming
the fix, by `serve` and the other commands, and /readyz says the same; `serve --migrate` (the
container image's default) upgrades it first."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text

from gateway.app import create_app
from gateway.cli.main import run_migrations
from gateway.config.settings import Settings
from tests.live_server import free_port, lifespan, run_async
from tests.process_support import CLI, gateway_env, spawn, stop

HINT = "run `content-gateway migrate`"


def test_serve_refuses_an_unmigrated_database_in_one_line(tmp_path: Path) -> None:
    env = gateway_env(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    for command in (["serve", "--bind", f"127.0.0.1:{free_port()}"], ["worker"], ["seed"]):
        process = spawn([str(CLI), *command], env, tmp_path)
        code = process.process.wait(timeout=120)
        process.reader.join(timeout=5)
        assert code == 1, process.text()
        assert process.text().strip() == f"content-gateway: the database has no schema yet: {HINT}"


def test_serve_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    run_migrations(url, "0001")
    process = spawn([str(CLI), "serve"], gateway_env(url), tmp_path)
    assert process.process.wait(timeout=120) == 1
    process.reader.join(timeout=5)
    assert "schema is at revision 0001, older than this code" in process.text()
    assert HINT in process.text() and "Traceback" not in process.text()


def test_serve_migrate_upgrades_then_serves(tmp_path: Path) -> None:
    env = gateway_env(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    port = free_port()
    server = spawn([str(CLI), "serve", "--migrate", "--bind", f"127.0.0.1:{port}"], env, tmp_path)
    try:
        server.wait_for("Running on", timeout=120)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ articles { totalCount } }"}
        )
        assert answer.json() == {"data": {"articles": {"totalCount": 0}}}
    finally:
        assert stop(server) == 0


async def test_readyz_names_the_fix_when_the_schema_version_is_gone(settings: Settings) -> None:
    async def set_version(db, revision: str | None) -> None:
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM alembic_version"))
            if revision is not None:
                insert = "INSERT INTO alembic_version (version_num) VALUES (:r)"
                await conn.execute(text(insert), {"r": revision})

    async def version(db) -> str:
        return str(await db.scalar(text("SELECT version_num FROM alembic_version")))

    head = run_async(version, settings.database_url)
    app = create_app(settings)
    try:
        async with lifespan(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/readyz")).status_code == 200
                run_async(lambda db: set_version(db, None), settings.database_url)
                ready = await client.get("/readyz")
    finally:  # the database may be shared with the next tests (PostgreSQL)
        run_async(lambda db: set_version(db, head), settings.database_url)
    assert ready.status_code == 503
    assert ready.json()["status"] == "unready"
    assert ready.json()["checks"]["database"]["error"] == (
        f"NotReady: the database has no schema yet: {HINT}"
    )
