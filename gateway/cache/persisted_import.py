"""Loading trusted documents from client build manifests (``content-gateway persisted import``).

Formats understood:

- Apollo ``generate-persisted-query-manifest``: ``{"format": "apollo-persisted-query-manifest",
  "version": 1, "operations": [{"id", "name", "type", "body"}]}``;
- Relay's persisted queries file: ``{"<id>": "<document>"}`` (ids chosen by the compiler);
- a plain ``{"<sha256>": "<document>"}`` map — the same shape as Relay's, told apart because
  every key is the SHA-256 of its document.

Every document is parsed and validated against the schema first; one bad document or id
conflict and nothing is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, OperationDefinitionNode, parse, validate

from gateway.cache.documents import describe, sha256_hex
from resolvers import persisted as trusted
from resolvers.db import Database
from resolvers.errors import UserInputError

APOLLO_FORMAT = "apollo-persisted-query-manifest"


class ManifestError(Exception):
    """The manifest cannot be imported; the message lists every problem."""


@dataclass
class ImportReport:
    format: str
    added: list[trusted.NewDocument]
    present: list[trusted.NewDocument]


def read_manifest(data: Any) -> tuple[str, list[tuple[str, str]]]:
    """(format name, [(document id, document text)])."""
    if isinstance(data, dict) and data.get("format") == APOLLO_FORMAT:
        if data.get("version") != 1:
            raise ManifestError(f"unsupported {APOLLO_FORMAT} version {data.get('version')!r}")
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise ManifestError("`operations` must be a list")
        pairs = []
        for n, op in enumerate(operations):
            if not (
                isinstance(op, dict)
                and isinstance(op.get("id"), str)
                and op["id"]
                and isinstance(op.get("body"), str)
            ):
                raise ManifestError(f"operation #{n} needs a string `id` and `body`")
            pairs.append((op["id"], op["body"]))
        return "apollo", pairs
    if isinstance(data, dict) and data:
        if not all(isinstance(k, str) and k and isinstance(v, str) for k, v in data.items()):
            raise ManifestError("expected an object of {id or sha256: document} strings")
        pairs = list(data.items())
        if all(key.lower() == sha256_hex(body) for key, body in pairs):
            return "sha256-map", [(k.lower(), v) for k, v in pairs]
        return "relay", pairs
    raise ManifestError(
        "not a persisted-query manifest: expected Apollo's manifest, Relay's "
        "{id: document} file, or a {sha256: document} map"
    )


def check_documents(
    schema: strawberry.Schema, pairs: list[tuple[str, str]]
) -> list[trusted.NewDocument]:
    docs: list[trusted.NewDocument] = []
    problems: list[str] = []
    for document_id, body in pairs:
        if len(document_id) > 200:
            problems.append(f"{document_id[:40]}...: id longer than 200 characters")
            continue
        try:
            ast = parse(body)
        except GraphQLError as exc:
            problems.append(f"{document_id}: {exc.message}")
            continue
        errors = validate(schema._schema, ast)
        if errors:
            problems.extend(f"{document_id}: {e.message}" for e in errors)
            continue
        operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1:
            problems.append(f"{document_id}: a trusted document must hold exactly one operation")
            continue
        info = describe(body)
        assert info is not None  # graphql-core parsed it, so it is lexically sound
        op = operations[0]
        docs.append(
            trusted.NewDocument(
                document_id=document_id,
                sha256=sha256_hex(body),
                normalized_hash=info.normalized_hash,
                operation_name=op.name.value if op.name else None,
                operation_type=op.operation.value,
                body=body,
            )
        )
    if problems:
        raise ManifestError("invalid documents, nothing imported:\n  " + "\n  ".join(problems))
    return docs


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror}") from None


async def import_manifest(
    db: Database, schema: strawberry.Schema, raw: bytes, name: str
) -> ImportReport:
    """Validate every document of the manifest ``raw`` (file ``name``), then add them all."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"{name} is not valid JSON: {exc}") from None
    fmt, pairs = read_manifest(data)
    docs = check_documents(schema, pairs)
    try:
        result = await trusted.add_documents(db, docs, source=f"{name} ({fmt})")
    except UserInputError as exc:
        raise ManifestError(f"{exc}; nothing imported") from None
    return ImportReport(fmt, result.added, result.present)
