"""Relay building blocks: the Node interface, opaque global IDs and PageInfo."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from resolvers.errors import NotFound, UserInputError
from resolvers.pagination import Page, PageArgs

NODE_TYPES = ("Article", "Author", "Category", "Tag", "ArticleRevision", "MediaAsset")
T = TypeVar("T")

# Connection arguments, described once so every connection documents them the same way.
First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: at most this many items after `after` (default 10; more "
        "than the server's maximum, 100 by default, is an error)."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Cursor (`endCursor` or an edge's `cursor`) to continue after."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: at most this many items before `before` (takes precedence "
        "over `first`)."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="Cursor (`startCursor` or an edge's `cursor`) to continue before."
    ),
]


@strawberry.interface(description="An object with a globally unique, opaque ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global ID; pass it to `node(id:)` to refetch this object."
    )


MAX_DATABASE_ID = 2**63 - 1


def encode_global_id(type_name: str, database_id: int) -> strawberry.ID:
    # base64.b64encode without its wrapper. Uncached: for checking IDs that clients send.
    encoded = binascii.b2a_base64(f"{type_name}:{database_id}".encode(), newline=False)
    return strawberry.ID(encoded.decode())


# The IDs of our own rows, remembered: the same rows are listed again and again (one ID per
# node of every list), and the lookup costs a tenth of the encoding. Client input is checked
# with the uncached encoder, so it cannot fill this cache.
to_global_id = lru_cache(maxsize=65536)(encode_global_id)


def from_global_id(global_id: str, expected: str | None = None) -> tuple[str, int]:
    """(type name, database id); a malformed ID or one of another type is a clear error."""
    try:
        type_name, _, raw_id = base64.b64decode(global_id, validate=True).decode().partition(":")
        database_id = int(raw_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise UserInputError(
            f"Invalid ID {global_id[:60]!r}: not an ID issued by this API."
        ) from None
    if type_name not in NODE_TYPES or (expected is not None and type_name != expected):
        wanted = expected or "a node"
        raise UserInputError(f"ID {global_id[:60]!r} does not identify {wanted}.")
    if encode_global_id(type_name, database_id) != global_id:
        # int() also takes "003", " 3", "3_0" and non-ASCII digits, and base64 has spare bits:
        # only the exact form this API issues is accepted, so each object has one ID.
        raise UserInputError(f"Invalid ID {global_id[:60]!r}: not an ID issued by this API.")

    # Database ids are 64-bit signed integers: anything larger names nothing.
    if not 0 <= database_id <= MAX_DATABASE_ID:
        raise UserInputError(f"Invalid ID {global_id[:60]!r}: its number is out of range.")
    return type_name, database_id


# The cursors of a page are encoded when a response selects them (most lists ask for nodes).
def _start_cursor(root: Any) -> str | None:
    return root.source.cursor_at(0)  # type: ignore[no-any-return]  # Page.cursor_at: str | None


def _end_cursor(root: Any) -> str | None:
    return root.source.cursor_at(-1)  # type: ignore[no-any-return]  # as above


@strawberry.type(description="Where a page sits in its connection (Relay PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items precede this page (true when paging from a cursor)."
    )
    start_cursor: str | None = strawberry.field(
        resolver=_start_cursor, description="Cursor of the first item."
    )
    end_cursor: str | None = strawberry.field(
        resolver=_end_cursor, description="Cursor of the last item."
    )
    page: int | None = strawberry.field(
        default=None, description="With page numbers (`page:`): this page's number, from 1."
    )
    per_page: int | None = strawberry.field(
        default=None, description="With page numbers: items per page."
    )
    total_pages: int | None = strawberry.field(
        default=None, description="With page numbers: how many pages there are (at least 1)."
    )
    total_count: int | None = strawberry.field(
        default=None, description="With page numbers: how many items all pages hold."
    )
    source: strawberry.Private[Page | None] = None  # set by from_page, the one constructor

    @classmethod
    def from_page(cls, page: Page) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            source=page,
        )


@strawberry.type(description="An item in a connection, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque cursor for `after` / `before`.")
    node: T = strawberry.field(description="The item.")


def _edges(root: Any):  # type: ignore[no-untyped-def]  # typed by the field: list[Edge[T]]
    # Built when selected: most lists ask for `nodes` only, and need no cursor per item.
    return [Edge(cursor=c, node=n) for c, n in zip(root.page.cursors, root.nodes, strict=True)]


@strawberry.type(description="A page of items (Relay cursor connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        resolver=_edges, description="Items of this page with cursors."
    )
    nodes: list[T] = strawberry.field(description="Items of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    page: strawberry.Private[Page]

    @strawberry.field(
        description="Number of items in the whole connection (counted only when selected)."
    )
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def build(
        cls, page: Page, count: Callable[[], Awaitable[int]], convert: Callable[[Any], T]
    ) -> Connection[T]:
        nodes = [convert(row) for row in page.rows]
        return cls(nodes=nodes, page_info=PageInfo.from_page(page), count=count, page=page)


def numbered_or_cursor(
    ctx: Any,
    page: int | None,
    per_page: int | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageArgs:
    """The page a list asks for: by number (``page``/``perPage``) or by cursor, never both."""
    if page is None:
        if per_page is not None:
            raise UserInputError("`perPage` needs a `page`.")
        cursor_page: PageArgs = ctx.page(first, after, last, before)
        return cursor_page
    if after is not None or before is not None or last is not None:
        raise UserInputError("`page` numbers pages: leave out `after`, `before` and `last`.")
    numbered: PageArgs = ctx.numbered_page(page, per_page)
    return numbered


async def number_pages(
    connection: Connection[Any], page: int, per_page: int, count: Callable[[], Awaitable[int]]
) -> None:
    """Fill the page-number fields of ``pageInfo``; a page past the last is NOT_FOUND (page 1
    always exists, empty or not)."""
    total = await count()
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise NotFound(f"There is no page {page}: {total} items make {pages} pages of {per_page}.")
    info = connection.page_info
    info.page, info.per_page, info.total_pages, info.total_count = page, per_page, pages, total
