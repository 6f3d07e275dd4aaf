"""Developer experience: the example operations (GraphiQL's tabs, the demo SPA, codegen), the
vendored GraphiQL assets, and the example SPA at /demo/ — all for development by default.

The examples live in the source checkout (``examples/``), next to the code they exercise: front-end
developers read them there, graphql-codegen compiles them, and a test validates them against the
schema. A wheel carries a copy (``gateway.config.paths``), so an installed gateway has them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from graphql import OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.config.paths import project_dir
from gateway.config.settings import Settings

EXAMPLES_DIR = project_dir("examples")
OPERATIONS_DIR = EXAMPLES_DIR / "operations"
SPA_DIR = EXAMPLES_DIR / "spa"
GRAPHIQL_ASSETS = Path(__file__).resolve().parent / "static" / "graphiql"

# "# variables: {...}" / "# headers: {...}" comment lines carry a tab's JSON editors.
META_LINE = re.compile(r"^#\s*(variables|headers):\s*(.*)$")


class ExamplesError(RuntimeError):
    """The examples cannot be served: missing directory or a malformed operation file."""


@dataclass(frozen=True)
class ExampleOperation:
    """One ``examples/operations/*.graphql`` file: a single named operation."""

    file: str
    name: str
    kind: str  # query | mutation
    document: str  # the file without its meta lines; comments stay (they explain the example)
    variables: dict[str, Any] | None = None
    headers: dict[str, Any] | None = field(default=None)


def parse_operation(path: Path) -> ExampleOperation:
    meta: dict[str, dict[str, Any]] = {}
    kept = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = META_LINE.match(line.strip())
        if match is None:
            kept.append(line)
            continue
        try:
            value = orjson.loads(match.group(2))
        except orjson.JSONDecodeError:
            raise ExamplesError(
                f"{path.name}:{number}: {match.group(1)} is not valid JSON"
            ) from None
        if not isinstance(value, dict):
            raise ExamplesError(f"{path.name}:{number}: {match.group(1)} must be a JSON object")
        meta[match.group(1)] = value
    document = "\n".join(kept).strip() + "\n"
    operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise ExamplesError(f"{path.name}: needs exactly one named operation")
    operation = operations[0]
    return ExampleOperation(
        file=path.name,
        name=operation.name.value,  # type: ignore[union-attr]  # checked above
        kind=operation.operation.value,
        document=document,
        variables=meta.get("variables"),
        headers=meta.get("headers"),
    )


@lru_cache(maxsize=4)
def load_operations(directory: Path = OPERATIONS_DIR) -> tuple[ExampleOperation, ...]:
    """Every example operation, in file-name order (the order of GraphiQL's tabs)."""
    if not directory.is_dir():
        return ()
    operations = tuple(parse_operation(p) for p in sorted(directory.glob("*.graphql")))
    names = [op.name for op in operations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExamplesError(f"operation names must be unique across examples: {duplicates}")
    return operations


def _inside(root: Path, relative: str) -> Path | None:
    """The file ``relative`` under ``root``, or None (missing, or escaping ``root``)."""
    candidate = (root / relative).resolve()
    if candidate.is_relative_to(root.resolve()) and candidate.is_file():
        return candidate
    return None


async def demo_file(request: Request) -> Response:
    """Files of the SPA and the operations it runs; any other path is the SPA's index page,
    so deep links (/demo/articles/<slug>) load the app, which then routes them itself."""
    relative = request.path_params["path"]
    if relative.startswith("operations/"):
        found = _inside(OPERATIONS_DIR, relative.removeprefix("operations/"))
        if found is None:
            return Response("No such example operation.", 404, media_type="text/plain")
        return FileResponse(found, media_type="text/plain; charset=utf-8")
    found = _inside(SPA_DIR, relative) if relative else None
    if found is not None:
        return FileResponse(found)
    if Path(relative).suffix in (".js", ".css", ".map", ".ico", ".png", ".svg"):
        return Response("Not found.", 404, media_type="text/plain")  # a broken asset link
    return FileResponse(SPA_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def demo_root(_: Request) -> Response:
    return RedirectResponse("/demo/", status_code=308)


def developer_routes(settings: Settings) -> list[BaseRoute]:
    """GraphiQL's assets and the demo SPA, as the settings allow."""
    routes: list[BaseRoute] = []
    if settings.graphiql_enabled:
        routes.append(
            Mount("/static/graphiql", app=StaticFiles(directory=GRAPHIQL_ASSETS), name="graphiql")
        )
    if settings.demo_enabled:
        if not (SPA_DIR / "index.html").is_file():
            if settings.demo:  # asked for explicitly: say why it cannot be served
                raise ExamplesError(
                    f"GATEWAY_DEMO is on but the example SPA is missing at {SPA_DIR} "
                    "(it ships with the source checkout, not the package)"
                )
            return routes
        load_operations()  # a malformed example fails at start-up, not in the browser
        routes += [
            Route("/demo", demo_root, methods=["GET"]),
            Route("/demo/{path:path}", demo_file, methods=["GET"]),
        ]
    return routes
