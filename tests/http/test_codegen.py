"""The documented client tooling works against schema.graphql (npm required): graphql-codegen
types every example operation and TypeScript checks code that uses them; relay-compiler accepts
Relay pagination and refetch fragments (Node interface, connections); every generated persisted
document validates against the gateway's schema."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import parse, validate

from gateway.config.settings import Settings
from gateway.guard.limits import QueryLimits
from gateway.http.developer import OPERATIONS_DIR, load_operations
from schema import build_schema
from tests.conftest import skip_or_fail
from tests.live_server import start_server

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "codegen"
GENERATED = PROJECT / "src" / "gql"


def npm(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npm", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def generated() -> Path:
    if shutil.which("npm") is None or shutil.which("node") is None:
        skip_or_fail("npm/node are missing (apt-get install nodejs npm)")
    # The exact versions pinned in package.json; no lock file is written (none is committed).
    installed = npm("install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error")
    assert installed.returncode == 0, installed.stderr
    shutil.rmtree(GENERATED, ignore_errors=True)
    run = npm("run", "codegen")
    assert run.returncode == 0, run.stdout + run.stderr
    return GENERATED


def test_codegen_types_every_example_operation(generated: Path):
    source = (generated / "graphql.ts").read_text()
    operations = load_operations(OPERATIONS_DIR)
    assert len(operations) >= 4
    for op in operations:
        kind = op.kind.capitalize()  # Query | Mutation
        assert f"export type {op.name}{kind} = " in source, op.name
        assert f"export type {op.name}{kind}Variables = " in source, op.name
        assert f"export const {op.name}Document = " in source, op.name


def test_generated_types_check_against_code_that_uses_them(generated: Path):
    # src/usage.ts also holds a @ts-expect-error on a misspelt field: if the generated types
    # were loose (any), that line would be an unused expectation and fail the check.
    check = npm("run", "typecheck")
    assert check.returncode == 0, check.stdout + check.stderr


def assert_valid(document: str) -> None:
    errors = validate(build_schema()._schema, parse(document))
    assert errors == [], [e.message for e in errors]


def test_persisted_documents_manifest_hashes_are_sha256_of_the_documents(generated: Path):
    manifest = json.loads((generated / "persisted-documents.json").read_text())
    names = set()
    for key, document in manifest.items():
        algorithm, _, digest = key.partition(":")
        assert algorithm == "sha256"
        assert hashlib.sha256(document.encode()).hexdigest() == digest
        assert_valid(document)
        names.add(re.search(r"\b(?:query|mutation) (\w+)", document).group(1))
    assert names == {op.name for op in load_operations(OPERATIONS_DIR)}


def test_relay_compiler_accepts_pagination_and_refetch_fragments(generated: Path):
    manifest = PROJECT / "relay" / "persisted-queries.json"
    manifest.unlink(missing_ok=True)
    shutil.rmtree(PROJECT / "relay" / "__generated__", ignore_errors=True)  # a full compile
    run = npm("run", "relay")
    assert run.returncode == 0, run.stdout + run.stderr
    documents = json.loads(manifest.read_text())
    texts = "\n".join(documents.values())
    # @refetchable on a Node type compiles to a node(id:) query; @connection keeps the cursor
    # and pageInfo fields the Relay connection spec requires.
    assert "query ArticleListTeaserRefetchQuery(\n  $id: ID!\n)" in texts
    assert "node(id: $id)" in texts
    assert "endCursor" in texts and "hasNextPage" in texts and "cursor" in texts
    # Relay's colocated fragments must fit the default query limits (depth is counted through
    # fragments), as docs/clients.md says.
    limits = QueryLimits(Settings(_env_file=None, env="production"))  # type: ignore[call-arg]
    for digest, document in documents.items():
        assert hashlib.sha256(document.encode()).hexdigest() == digest
        assert_valid(document)
        errors = validate(build_schema()._schema, limits.parse(document), limits.rules)
        assert errors == [], [e.message for e in errors]


async def seed_for_clients(db) -> None:
    from tests.support import add_article, add_author, ago

    author = await add_author(db, "Client Author")
    for n in range(1, 5):
        await add_article(db, f"Client story {n}", authors=[author], published_at=ago(days=10 - n))


def test_apollo_and_urql_setups_run_against_a_live_gateway(generated: Path, tmp_path: Path):
    build = npm("run", "build")
    assert build.returncode == 0, build.stdout + build.stderr
    server = start_server(tmp_path, seed_for_clients)
    try:
        run = npm("run", "smoke", "--", server.url + "/graphql", timeout=120)
    finally:
        server.stop()
    output = run.stdout + run.stderr
    if (
        run.returncode != 0
        and "persisted_queries" not in Settings.model_fields
        and "Missing `query`" in output
    ):
        # Only this known gap is excused, and only until the caching work (issue 5) lands.
        pytest.xfail(
            "the documented Apollo/urql setups send automatic persisted queries; this gateway "
            "has none yet (issue 5) and refuses the hash-only request"
        )
    assert run.returncode == 0, output + "".join(server.log)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    newest = ["Client story 4", "Client story 3", "Client story 2"]
    for client in ("apollo", "urql"):
        titles = [e["node"]["title"] for e in result[client]["articles"]["edges"]]
        assert titles == newest, client
        assert result[client]["articles"]["totalCount"] == 4
    assert [e["node"]["title"] for e in result["apolloAgain"]["articles"]["edges"]] == newest[:2]
