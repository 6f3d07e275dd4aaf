"""The built wheel, installed (not editable) in a fresh virtual environment outside the
checkout, works like a checkout: migrate, seed, serve, GraphiQL with the example tabs, /demo/.
It ships no top-level ``migrations`` package and carries the license. (About a minute: pip
builds the wheel and installs the dependencies, from its cache when it can.)"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port
from tests.process_support import gateway_env, spawn, stop

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.packaging


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    log = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        cwd=out,
    )
    assert "BuildBackendWarning" not in log, log
    [built] = out.glob("content_gateway-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("migrations/")]  # no top-level package
    assert "gateway/_bundled/migrations/env.py" in names
    assert any(n.startswith("gateway/_bundled/migrations/versions/0001") for n in names)
    assert "gateway/_bundled/examples/spa/index.html" in names
    assert any(n.startswith("gateway/_bundled/examples/operations/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert sum(line.startswith("Requires-Dist: redis") for line in text.splitlines()) == 1


def test_installed_wheel_works_like_a_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], cwd=tmp_path)
    cli = str(venv / "bin" / "content-gateway")
    home = tmp_path / "site"  # no checkout anywhere near: only the installed files
    home.mkdir()
    env = gateway_env(f"sqlite+aiosqlite:///{home / 'content.db'}")
    assert "migrated" in run([cli, "migrate"], cwd=home, env=env)
    assert "seeded" in run([cli, "seed", "--authors", "2", "--articles", "6"], cwd=home, env=env)
    port = free_port()
    server = spawn([cli, "serve", "--bind", f"127.0.0.1:{port}"], env, home)
    try:
        server.wait_for("Running on", timeout=120)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            answer = http.post("/graphql", json={"query": "{ articles { totalCount } }"})
            assert 0 < answer.json()["data"]["articles"]["totalCount"] <= 6  # the published
            page = http.get("/graphql", headers={"accept": "text/html"})
            assert page.status_code == 200
            assert "query HomePage" in page.text and "mutation" in page.text  # example tabs
            demo = http.get("/demo/")
            assert demo.status_code == 200 and "<html" in demo.text.lower()
            assert http.get("/demo/app.js").status_code == 200
    finally:
        assert stop(server) == 0, server.text()
