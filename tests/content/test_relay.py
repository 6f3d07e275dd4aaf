"""Relay compliance: the Node interface, global object identification and the cursor
connection specification, checked against the specs' rules over real HTTP on both backends."""

from __future__ import annotations

from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

from schema import build_schema
from tests.auth_support import gid
from tests.media_support import add_asset_row
from tests.support import add_article, add_author, add_term, ago, gql, ok

SCHEMA = build_schema()._schema


def node_types() -> set[str]:
    return {t.name for t in SCHEMA.get_possible_types(SCHEMA.get_type("Node"))}


def test_node_interface_and_root_field_follow_the_spec():
    node = SCHEMA.get_type("Node")
    assert str(node.fields["id"].type) == "ID!"
    field = SCHEMA.query_type.fields["node"]
    assert str(field.type) == "Node"  # nullable: an unknown or hidden ID answers null
    assert {name: str(arg.type) for name, arg in field.args.items()} == {"id": "ID!"}
    assert {"Article", "Author", "Category", "Tag"} <= node_types()


def connection_fields() -> list[tuple[str, str, GraphQLObjectType]]:
    found = []
    for type_name, gql_type in SCHEMA.type_map.items():
        if not isinstance(gql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in gql_type.fields.items():
            target = get_named_type(field.type)
            if target.name.endswith("Connection"):
                found.append((type_name, field_name, target))
    return found


def test_every_connection_has_the_spec_shape_and_arguments():
    page_info = SCHEMA.get_type("PageInfo")
    assert {n: str(f.type) for n, f in page_info.fields.items()} == {
        "hasNextPage": "Boolean!",
        "hasPreviousPage": "Boolean!",
        "startCursor": "String",
        "endCursor": "String",
        # page-number pagination (`articles(page:, perPage:)`); null on cursor pages
        "page": "Int",
        "perPage": "Int",
        "totalPages": "Int",
        "totalCount": "Int",
    }
    fields = connection_fields()
    assert len(fields) >= 7, fields  # articles x4, authors, categories, tags at least
    forward_only: list[str] = []
    page_addressed: list[str] = []
    for owner, field_name, connection in fields:
        where = f"{owner}.{field_name}"
        field = SCHEMA.type_map[owner].fields[field_name]
        assert isinstance(field.type, GraphQLNonNull), where
        args = {name: str(arg.type) for name, arg in field.args.items()}
        if owner == "ArchivePage":
            # One numbered archive page: its path (`/page/7`) chose the page, so the list takes
            # no paging arguments; pageInfo carries page/perPage/totalPages/totalCount.
            assert args == {}, where
            page_addressed.append(where)
            continue
        # Forward pagination is required; backward pagination is optional but then complete
        # (the spec's two argument pairs). Only the sitemap and the SEO report are forward-only.
        assert (args.get("first"), args.get("after")) == ("Int", "String"), where
        if "last" in args or "before" in args:
            assert (args.get("last"), args.get("before")) == ("Int", "String"), where
        else:
            forward_only.append(where)
        assert str(connection.fields["pageInfo"].type) == "PageInfo!", where
        edges = connection.fields["edges"].type
        assert str(edges).startswith("[") and str(edges).endswith("!]!"), where
        edge = get_named_type(edges)
        assert edge.name.endswith("Edge"), where
        assert str(edge.fields["cursor"].type) == "String!", where
        assert get_named_type(edge.fields["node"].type).name == connection.name.removesuffix(
            "Connection"
        ), where
    assert sorted(forward_only) == ["Query.seoReport", "Query.sitemap"]
    assert page_addressed == ["ArchivePage.articles"]


async def test_node_refetches_every_node_type(client, db):
    author = await add_author(db, "Refetch Author")
    category = await add_term(db, "category", "Refetch Category")
    tag = await add_term(db, "tag", "Refetch Tag")
    asset = await add_asset_row(db, "refetch.jpg")
    article = await add_article(
        db, "Refetch Article", authors=[author], categories=[category], tags=[tag]
    )
    query = """query($a: String!) {
      article(slug: $a) { id title
        author { id name } categories { id name } tags { id name } }
    }"""
    data = ok(await gql(client, query, {"a": "refetch-article"}))["article"]
    objects = {
        "Article": (data["id"], data["title"]),
        "Author": (data["author"]["id"], data["author"]["name"]),
        "Category": (data["categories"][0]["id"], data["categories"][0]["name"]),
        "Tag": (data["tags"][0]["id"], data["tags"][0]["name"]),
        "MediaAsset": (gid("MediaAsset", asset), "refetch.jpg"),
    }
    # A new Node type must be added here: the test fails until it is refetchable.
    assert set(objects) == node_types()
    refetch = """query($id: ID!) { node(id: $id) { __typename id
      ... on Article { title databaseId } ... on Author { name databaseId }
      ... on Term { name databaseId } ... on MediaAsset { filename databaseId } } }"""
    database_ids = {
        "Article": article, "Author": author, "Category": category, "Tag": tag, "MediaAsset": asset,
    }  # fmt: skip
    for type_name, (global_id, name) in objects.items():
        node = ok(await gql(client, refetch, {"id": global_id}))["node"]
        assert node["__typename"] == type_name
        assert node["id"] == global_id
        assert node.get("title", node.get("name", node.get("filename"))) == name
        assert node["databaseId"] == database_ids[type_name]
    # Opaque IDs are unique across types even when database ids collide.
    assert len({global_id for global_id, _ in objects.values()}) == 5


async def test_node_rejects_malformed_ids_and_answers_null_for_unknown_ones(client, db):
    bad = await gql(client, 'query { node(id: "not-an-id") { id } }')
    assert bad.codes == ["BAD_USER_INPUT"]
    assert bad.data == {"node": None}
    missing = await gql(
        client, 'query { node(id: "QXJ0aWNsZTo5OTk5OTk=") { id } }'
    )  # Article:999999
    assert ok(missing) == {"node": None}


async def seed_articles(db, count: int) -> list[str]:
    """``count`` public articles, newest first by title order; some share a publication time
    so ties on the sort key are exercised."""
    author = await add_author(db, "Pager")
    titles = []
    for i in range(count):
        when = ago(hours=1 + i // 3)  # groups of three share published_at
        title = f"Page item {i:02d}"
        await add_article(db, title, authors=[author], published_at=when)
        titles.append(title)
    return titles


PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  articles(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { title } }
    nodes { title }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def page(client, **args):
    return ok(await gql(client, PAGE, args))["articles"]


def check_page_invariants(conn: dict) -> None:
    edges = conn["edges"]
    info = conn["pageInfo"]
    assert [e["node"] for e in edges] == conn["nodes"]
    if edges:
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["endCursor"] == edges[-1]["cursor"]
    else:
        assert info["startCursor"] is None and info["endCursor"] is None


async def test_forward_pagination_visits_every_item_once_in_order(client, db):
    titles = await seed_articles(db, 11)
    # Newest first; ties broken by id, so the later-inserted of equal times comes first.
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        conn = await page(client, first=4, after=after)
        check_page_invariants(conn)
        assert conn["totalCount"] == 11
        seen += [n["title"] for n in conn["nodes"]]
        pages += 1
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        assert len(conn["edges"]) == 4
        after = conn["pageInfo"]["endCursor"]
    assert pages == 3
    assert sorted(seen) == sorted(titles) and len(seen) == len(set(seen))
    everything = await page(client, first=100)
    assert [n["title"] for n in everything["nodes"]] == seen
    assert everything["pageInfo"]["hasNextPage"] is False


async def test_backward_pagination_mirrors_forward(client, db):
    await seed_articles(db, 7)
    ordered = [n["title"] for n in (await page(client, first=100))["nodes"]]
    # `last` without `before`: the final items, still in connection order.
    tail = await page(client, last=3)
    check_page_invariants(tail)
    assert [n["title"] for n in tail["nodes"]] == ordered[-3:]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    assert tail["pageInfo"]["hasNextPage"] is False
    # Walk back to the start with `before`.
    seen = [n["title"] for n in tail["nodes"]]
    before = tail["pageInfo"]["startCursor"]
    while True:
        conn = await page(client, last=3, before=before)
        check_page_invariants(conn)
        assert conn["pageInfo"]["hasNextPage"] is True  # paged from a cursor: items follow
        seen = [n["title"] for n in conn["nodes"]] + seen
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    assert seen == ordered
    # `after` an edge's cursor starts right behind that edge, `before` it ends right ahead.
    middle = await page(client, first=100)
    cursor = middle["edges"][3]["cursor"]
    assert [n["title"] for n in (await page(client, first=2, after=cursor))["nodes"]] == ordered[
        4:6
    ]
    assert [n["title"] for n in (await page(client, last=2, before=cursor))["nodes"]] == ordered[
        1:3
    ]


async def test_nested_connections_follow_the_same_rules(client, db):
    await seed_articles(db, 5)
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      author(slug: "pager") { articles(first: $first, after: $after, last: $last,
        before: $before) { edges { cursor node { title } } nodes { title }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""

    async def nested(**args):
        return ok(await gql(client, query, args))["author"]["articles"]

    first = await nested(first=3)
    check_page_invariants(first)
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await nested(first=3, after=first["pageInfo"]["endCursor"])
    check_page_invariants(rest)
    assert len(rest["nodes"]) == 2 and rest["pageInfo"]["hasNextPage"] is False
    back = await nested(last=3, before=rest["pageInfo"]["startCursor"])
    assert back["nodes"] == first["nodes"]


async def test_pagination_arguments_are_checked_with_clear_errors(client, db):
    await seed_articles(db, 3)
    cursor = (await page(client, first=1))["pageInfo"]["endCursor"]
    cases = {
        "both cursors": {"first": 1, "after": cursor, "before": cursor},
        "negative first": {"first": -1},
        "negative last": {"last": -2},
        "first above the maximum": {"first": 101},
        "garbage cursor": {"first": 1, "after": "definitely-not-a-cursor"},
    }
    for name, args in cases.items():
        result = await gql(client, PAGE, args)
        assert result.codes == ["BAD_USER_INPUT"], name
        assert result.data is None, name
    # A cursor from another connection's order is refused, not misread.
    by_title = await gql(
        client,
        "query($a: String) { articles(first: 1, after: $a, orderBy: {field: TITLE}) { nodes { title } } }",
        {"a": cursor},
    )
    assert by_title.codes == ["BAD_USER_INPUT"]
    empty = await page(client, first=0)
    assert empty["edges"] == [] and empty["totalCount"] == 3
    check_page_invariants(empty)
