"""`make run BIND=127.0.0.1:8401` (`content-gateway serve --bind ...`): in development the
site's absolute URLs follow the address served, unless GATEWAY_SITE_URL is set."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.cli.main import run_migrations
from tests.live_server import free_port
from tests.process_support import CLI, gateway_env, spawn, stop


def served_urls(tmp_path: Path, **env: str) -> tuple[str, str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'site.db'}"
    run_migrations(url)
    port = free_port()
    server = spawn(
        [str(CLI), "serve", "--bind", f"127.0.0.1:{port}"], gateway_env(url, **env), tmp_path
    )
    try:
        server.wait_for("Running on", timeout=120)
        base = f"http://127.0.0.1:{port}"
        site = httpx.post(f"{base}/graphql", json={"query": "{ site { url } }"}).json()
        robots = httpx.get(f"{base}/robots.txt").text
        sitemap_line = next(line for line in robots.splitlines() if line.startswith("Sitemap:"))
        return base, site["data"]["site"]["url"], sitemap_line
    finally:
        assert stop(server) == 0


def test_site_url_follows_the_bind_in_development(tmp_path: Path) -> None:
    base, site_url, sitemap = served_urls(tmp_path)
    assert site_url == base
    assert sitemap == f"Sitemap: {base}/sitemap.xml"


@pytest.mark.parametrize(
    "env", [{"GATEWAY_SITE_URL": "https://news.example.com"}], ids=["explicit"]
)
def test_an_explicit_site_url_wins(tmp_path: Path, env: dict[str, str]) -> None:
    _, site_url, sitemap = served_urls(tmp_path, **env)
    assert site_url == "https://news.example.com"
    assert sitemap == "Sitemap: https://news.example.com/sitemap.xml"
