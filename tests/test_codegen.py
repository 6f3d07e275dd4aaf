"""The documented graphql-codegen setup works: examples/codegen generates types for every example
operation from schema.graphql, and TypeScript checks code that uses them (npm required)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.developer import OPERATIONS_DIR, load_operations
from tests.conftest import skip_or_fail

PROJECT = Path(__file__).resolve().parent.parent / "examples" / "codegen"
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


def test_persisted_documents_manifest_hashes_are_sha256_of_the_documents(generated: Path):
    manifest = json.loads((generated / "persisted-documents.json").read_text())
    names = set()
    for key, document in manifest.items():
        algorithm, _, digest = key.partition(":")
        assert algorithm == "sha256"
        assert hashlib.sha256(document.encode()).hexdigest() == digest
        names.add(document.split("(")[0].split("{")[0].split()[1])
    assert names == {op.name for op in load_operations(OPERATIONS_DIR)}
