"""Every documented example runs on the demo data ``make run`` seeds: each fenced ``graphql``
block and each ``content-gateway ...`` shell line of README.md and docs/*.md (so the test keeps
working when reference sections move into docs/).

Queries must answer without errors and find something (an example that shows ``null`` or an
empty list teaches nothing); mutations run as an admin and must not return an error payload;
subscriptions are validated against the schema. Shell lines run in order in a scratch folder
(``redirects.csv`` and the persisted-query manifest they name are written there first); ``serve``
lines start the server on a free port and stop it once it listens."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, print_ast, validate
from graphql.language import FragmentDefinitionNode
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli.main import cli as cli_app
from gateway.config.settings import Settings
from tests.live_server import free_port, lifespan
from tests.media_support import image_bytes

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "content-gateway"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
COMMAND = re.compile(r"^(?:\$\s*)?(?:\.venv/bin/)?content-gateway\s+(.*)$")


def fenced(language: str) -> list[tuple[str, str]]:
    """(doc name, block text) of every fenced block in that language."""
    found = []
    for doc in DOCS:
        for lang, body in FENCE.findall(doc.read_text()):
            if lang == language:
                found.append((doc.name, body))
    return found


def commands() -> list[tuple[str, list[str]]]:
    lines = []
    for lang in ("sh", "bash", "shell", "console"):
        for doc, body in fenced(lang):
            for line in body.splitlines():
                match = COMMAND.match(line.split("  #")[0].strip())
                if match:
                    lines.append((doc, shlex.split(match.group(1))))
    return lines


# Pages whose examples need data the demo does not have (a revision to restore), run with that
# data by a test of their own.
TESTED_ELSEWHERE = {"revisions.md": "tests/revisions/test_docs.py"}


def operations() -> list[tuple[str, str, str]]:
    """(doc, operation kind, document text with the block's fragments)."""
    found = []
    for doc, body in fenced("graphql"):
        if doc in TESTED_ELSEWHERE:
            continue
        document = parse(body)
        fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                text = "\n".join(print_ast(d) for d in (definition, *fragments))
                found.append((doc, definition.operation.value, text))
    return found


def make_run_counts() -> tuple[str, str]:
    makefile = (ROOT / "Makefile").read_text()
    authors = re.search(r"^SEED_AUTHORS \?= (\d+)", makefile, re.M)
    articles = re.search(r"^SEED_ARTICLES \?= (\d+)", makefile, re.M)
    assert authors and articles, "the Makefile no longer says how `make run` seeds"
    return authors.group(1), articles.group(1)


def cli(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A SQLite database seeded exactly as ``make run`` seeds it, and an admin token."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_ENV": "development",
    }
    authors, articles = make_run_counts()
    assert cli(folder, env, "migrate").returncode == 0
    seeded = cli(folder, env, "seed", "--if-empty", "--authors", authors, "--articles", articles)
    assert seeded.returncode == 0, seeded.stderr
    token = cli(folder, env, "token", "create", "--name", "docs-admin", "--role", "admin")
    assert token.returncode == 0, token.stderr
    secret = re.search(r"\b(\S{30,})\b", token.stdout)
    assert secret, token.stdout
    return {"folder": folder, "env": env, "url": url, "token": secret.group(1)}


def example_variables(text: str) -> dict[str, Any]:
    values = {
        "path": "/",
        "slug": None,  # a published demo article's, filled in by the test
        "after": None,
        "token": None,
        "first": 10,
        "n": 10,
        "authorId": base64.b64encode(b"Author:1").decode(),  # the seed's Ada Lovelace
    }
    return {k: v for k, v in values.items() if f"${k}" in text}


def assert_found(data: Any, where: str) -> None:
    """Every root field found something: not null, and a list or connection not empty."""
    for name, value in data.items():
        assert value is not None, f"{where}: `{name}` is null on the demo data"
        nodes = value.get("nodes") if isinstance(value, dict) else value
        if isinstance(nodes, list):
            assert nodes, f"{where}: `{name}` is empty on the demo data"


async def test_every_documented_graphql_example_runs(demo: dict[str, Any]) -> None:
    found = operations()
    assert len(found) >= 5, "no graphql examples found in README.md and docs/*.md"
    settings = Settings(
        _env_file=None, database_url=demo["url"], rate_limit_budget=0, max_query_cost=100_000
    )  # type: ignore[call-arg]
    app = create_app(settings)
    admin = {"Authorization": f"Bearer {demo['token']}"}
    async with lifespan(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            slug = (await client.post("/graphql", json={
                "query": "{ articles(first: 1) { nodes { slug } } }"
            })).json()["data"]["articles"]["nodes"][0]["slug"]  # fmt: skip
            for doc, kind, text in found:
                where = f"{doc}: {text.splitlines()[0]}"
                if kind == "subscription":
                    errors = validate(app.state.schema._schema, parse(text))
                    assert not errors, f"{where}: {errors}"
                    continue
                variables = example_variables(text)
                if "slug" in variables:
                    variables["slug"] = slug
                response = await client.post(
                    "/graphql",
                    json={"query": text, "variables": variables},
                    headers=admin,  # some examples are for editors (the SEO report)
                )
                body = response.json()
                assert "errors" not in body, f"{where}: {body['errors']}"
                if kind == "mutation":
                    for payload in body["data"].values():
                        assert not str(payload.get("__typename", "")).endswith("Error"), (
                            f"{where}: {payload}"
                        )
                elif "previewToken" not in text:  # a preview needs a token for a real draft
                    assert_found(body["data"], where)


def run_in_process(folder: Path, env: dict[str, str], args: list[str]) -> tuple[int, str]:
    """The CLI in this process (an interpreter start per line is slow on a shared machine)."""
    runner = CliRunner()
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("GATEWAY_")}
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = runner.invoke(cli_app, args, env={**cleared, **env})
    finally:
        os.chdir(here)
    return result.exit_code, result.output + (repr(result.exception) if result.exception else "")


def test_every_documented_command_runs(demo: dict[str, Any]) -> None:
    found = commands()
    assert len(found) >= 5, "no content-gateway commands found in README.md and docs/*.md"
    folder, env = demo["folder"], demo["env"]
    slug = "/authors/ada-lovelace-1"
    (folder / "redirects.csv").write_text(f"from,to,status\n/old-ada,{slug},301\n")
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": "a" * 64, "name": "Site", "type": "query", "body": "query Site { site { name } }"}
    ]}  # fmt: skip
    for doc, args in found:
        for name in args:
            if name.endswith(".json") and not (folder / name).exists():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(json.dumps(manifest))
            if name.endswith((".jpg", ".png")) and not (folder / name).exists():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(
                    image_bytes(640, 480, "PNG" if name.endswith(".png") else "JPEG")
                )
        where = f"{doc}: content-gateway {' '.join(args)}"
        if args[0] == "serve":
            serve(folder, env, args, where)
            continue
        code, output = run_in_process(folder, env, args)
        assert code == 0, f"{where}\n{output}"


def serve(folder: Path, env: dict[str, str], args: list[str], where: str) -> None:
    """Start it as documented (on a free port, two workers at most: a shared machine) and
    stop it once it listens."""
    args = list(args)
    if "--bind" in args:
        args[args.index("--bind") + 1] = f"127.0.0.1:{free_port()}"
    else:
        args += ["--bind", f"127.0.0.1:{free_port()}"]
    if "--workers" in args:
        index = args.index("--workers") + 1
        args[index] = str(min(2, int(args[index])))
    process = subprocess.Popen(
        [str(CLI), *args], cwd=folder, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Running on" in line:
                break
        assert any("Running on" in line for line in output), f"{where}\n{''.join(output)}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
