"""Helpers for the differential execution tests: the corpus of query documents the project
ships or tests (tests/, examples/, README and docs, the codegen example), variables for them,
and a pair of apps over one database, one with compiled execution and one without."""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)

from gateway.app import create_app
from gateway.config.settings import Settings
from tests.live_server import lifespan

ROOT = Path(__file__).resolve().parent.parent
FENCED = re.compile(r"```graphql\n(.*?)```", re.S)
TEMPLATE = re.compile(r"graphql`(.*?)`", re.S)
VARIABLES_COMMENT = re.compile(r"^# variables: (\{.*\})$", re.M)


@dataclass(frozen=True)
class Case:
    """One operation to run: where it comes from, its text, name and variables."""

    source: str
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None = None


def _python_strings(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError:
        return []
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value
    ]


def corpus_texts() -> list[tuple[str, str]]:
    """(where, document text) for every GraphQL document candidate the project holds."""
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        found += [(str(path.relative_to(ROOT)), text) for text in _python_strings(path)]
    for path in sorted((ROOT / "examples").rglob("*.graphql")):
        found.append((str(path.relative_to(ROOT)), path.read_text()))
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        found += [(str(path.relative_to(ROOT)), m) for m in FENCED.findall(path.read_text())]
    for path in sorted((ROOT / "examples" / "codegen").rglob("*.ts")):
        if "node_modules" not in path.parts:
            found += [(str(path.relative_to(ROOT)), m) for m in TEMPLATE.findall(path.read_text())]
    return found


def query_operations(schema: GraphQLSchema, text: str) -> list[str | None]:
    """The names of the query operations of a valid, query-only document ([] otherwise)."""
    try:
        document = parse(text)
    except GraphQLError:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations or any(o.operation is not OperationType.QUERY for o in operations):
        return []
    if validate(schema, document):
        return []
    if len(operations) == 1:
        return [None]
    return [o.name.value for o in operations if o.name is not None]


@dataclass
class Samples:
    """Values of the seeded database that make variables meaningful."""

    article_slug: str
    author_slug: str
    category_slug: str
    tag_slug: str
    article_id: str
    author_id: str
    article_path: str

    def value(self, field: str, argument: str, type_name: str) -> Any:
        if argument in ("first", "last"):
            return 3
        if argument == "slug":
            return {
                "author": self.author_slug,
                "category": self.category_slug,
                "tag": self.tag_slug,
            }.get(field, self.article_slug)
        if argument == "id" or type_name == "ID":
            return self.author_id if field == "author" else self.article_id
        if argument == "path":
            return self.article_path
        if argument in ("search", "query", "text"):
            return "the"
        if argument == "locale":
            return "en"
        if type_name == "Int":
            return 2
        if type_name == "Boolean":
            return True
        if type_name == "String":
            return "x"
        return None


def variables_for(
    schema: GraphQLSchema, document: DocumentNode, name: str | None, samples: Samples
) -> dict[str, Any] | None:
    """Values for the operation's variables from what they feed; None when one that must be
    given cannot be guessed."""
    operation = next(
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and (name is None or d.name.value == name)  # type: ignore[union-attr]
    )
    uses: dict[str, tuple[str, str, str]] = {}
    info = TypeInfo(schema)
    fields: list[str] = []

    class Uses(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            fields.append(node.name.value)

        def leave_field(self, *_: Any) -> None:
            fields.pop()

        def enter_argument(self, node: Any, *_: Any) -> None:
            argument = info.get_argument()
            if argument is not None and node.value.kind == "variable" and fields:
                named = get_named_type(argument.type)
                uses[node.value.name.value] = (fields[-1], node.name.value, named.name)

    visit(document, TypeInfoVisitor(info, Uses()))
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        var = definition.variable.name.value
        if definition.default_value is not None:
            continue
        field, argument, type_name = uses.get(var, ("", var, ""))
        value = samples.value(field, argument, type_name)
        if value is None and definition.type.kind == "non_null_type":
            return None
        if value is not None:
            values[var] = value
    return values


@asynccontextmanager
async def app_client(settings: Settings, now: datetime) -> AsyncIterator[httpx.AsyncClient]:
    """The app for ``settings`` with its request clock pinned to ``now``."""
    application = create_app(settings)
    async with lifespan(application) as manager:
        application.state.clock = lambda: now
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
