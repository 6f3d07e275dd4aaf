"""Global IDs: only the exact form the API issues identifies an object (ASCII digits, no
leading zeros or signs, canonical base64), so every object has exactly one ID."""

from __future__ import annotations

import base64

import pytest

from tests.auth_support import add_token, bearer
from tests.support import add_article, add_author, gql, ok


def raw_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ALIASES = [
    "Article:\u0663",  # ARABIC-INDIC DIGIT THREE
    "Article:\uff13",  # FULLWIDTH DIGIT THREE
    "Article:003",
    "Article:+3",
    "Article: 3",
    "Article:3 ",
    "Article:3_",
]


async def test_only_the_issued_id_resolves(client, db) -> None:
    author = await add_author(db)
    ids = [await add_article(db, f"A{i}", authors=[author], slug=f"a{i}") for i in range(3)]
    assert ids[-1] == 3
    issued = raw_id("Article:3")
    found = ok(await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": issued}))
    assert found["node"] == {"id": issued}
    for alias in [raw_id(a) for a in ALIASES]:
        result = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": alias})
        assert result.codes == ["BAD_USER_INPUT"], alias
        assert "not an ID issued by this API" in result.errors[0]["message"]


@pytest.mark.parametrize("alias", ["Article:\u0663", "Article:03"])
async def test_aliases_are_refused_by_mutations_too(client, db, alias: str) -> None:
    author = await add_author(db)
    for i in range(3):
        await add_article(db, f"A{i}", authors=[author], slug=f"a{i}")
    admin = bearer(await add_token(db, "admin"))
    query = """mutation($id: ID!) { deleteArticle(input: {id: $id}) {
        __typename ... on ValidationError { fields { path code } } } }"""
    result = await gql(client, query, {"id": raw_id(alias)}, headers=admin)
    payload = ok(result)["deleteArticle"]
    assert payload["__typename"] == "ValidationError"
    assert payload["fields"][0]["code"] == "INVALID_ID"
    still = await gql(client, "{ articles { totalCount } }")
    assert ok(still)["articles"]["totalCount"] == 3  # nothing was deleted


async def test_ids_clients_send_never_enter_the_issued_id_cache(client, db) -> None:
    """The IDs of listed rows are remembered (``to_global_id`` is cached); the IDs clients
    send are checked with the uncached encoder, so made-up ones cannot fill that cache."""
    from schema.relay import to_global_id

    author = await add_author(db)
    await add_article(db, "A", authors=[author], slug="a")
    before = to_global_id.cache_info().currsize
    made_up = [raw_id(f"Article:{n}") for n in range(10**6, 10**6 + 50)]
    made_up += [raw_id(f"Article:{2**63 + n}") for n in range(50)]  # out of range
    for global_id in made_up:
        result = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
        assert result.data == {"node": None}
    assert to_global_id.cache_info().currsize == before
    listed = ok(await gql(client, "{ articles { nodes { id } } }"))["articles"]["nodes"]
    assert listed == [{"id": raw_id("Article:1")}]
