"""schema.graphql is the committed contract: it must equal what the code exports."""

from __future__ import annotations

from pathlib import Path

from schema import export_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_sdl(), (
        "schema.graphql is out of date: run `content-gateway export-schema` and commit it"
    )


def test_contract_names_from_the_foundation_issue_exist():
    sdl = export_sdl()
    for fragment in (
        "node(id: ID!): Node",
        "articles(first: Int = 10",
        "authors(first: Int = 10",
        "category(slug: String!): Category",
        "tag(slug: String!): Tag",
        "type Article implements Node",
        "type Author implements Node",
        "totalCount: Int!",
        "readingTimeMinutes: Int!",
    ):
        assert fragment in sdl, fragment
