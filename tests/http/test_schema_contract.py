"""The schema is a contract: no drift from the code, no unannounced breaking change."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from graphql import (
    DEFAULT_DEPRECATION_REASON,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

from schema import build_schema as build_gateway_schema
from schema import export_sdl
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "docs" / "schema-changes.md"
ENTRY = re.compile(r"^-\s+`(?P<change>[^`]+)`\s+[—-]+\s+(?P<reason>\S.*)$")


def accepted_changes(policy_text: str) -> dict[str, str]:
    """Breaking changes listed under "Accepted breaking changes", mapped to their reasons."""
    _, _, section = policy_text.partition("## Accepted breaking changes")
    section = section.split("\n## ", 1)[0]
    return {
        m["change"].strip(): m["reason"].strip()
        for line in section.splitlines()
        if (m := ENTRY.match(line.strip()))
    }


def unaccepted_breaking_changes(old_sdl: str, new_sdl: str, accepted: dict[str, str]) -> list[str]:
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    return [
        f"{c.type.name}: {c.description}"
        for c in find_breaking_changes(old, new)
        if c.description not in accepted
    ]


def git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
    except FileNotFoundError:
        return None
    return done.stdout if done.returncode == 0 else None


def base_schema() -> tuple[str, str | None]:
    """(description of the base, its schema.graphql) — see docs/schema-changes.md for the rule."""
    if git("rev-parse", "--is-inside-work-tree") is None:
        skip_or_fail("not a git checkout: no committed schema.graphql to compare with")
    main = next(
        (ref for ref in ("main", "origin/main") if git("rev-parse", "--verify", "-q", ref)), None
    )
    if main is None:
        skip_or_fail("no `main` branch in this checkout to compare schema.graphql with")
    head = (git("rev-parse", "HEAD") or "").strip()
    base = (git("merge-base", "HEAD", str(main)) or "").strip()
    label = f"merge base {base[:10]} of HEAD and {main}"
    if base == head:
        # On main itself: compare with the state before the latest commit or merge.
        base = (git("rev-parse", "--verify", "-q", "HEAD^1") or "").strip()
        label = f"first parent {base[:10]} of HEAD (on {main})"
        if not base:
            return "no parent commit (first commit or shallow clone)", None
    return label, git("show", f"{base}:schema.graphql")


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_sdl(), (
        "schema.graphql is out of date: run `make schema` and commit it"
    )


def test_no_unannounced_breaking_change_since_main():
    label, old_sdl = base_schema()
    if old_sdl is None:
        print(f"schema contract: nothing to compare with ({label})")
        return
    new_sdl = export_sdl()
    dangerous = find_dangerous_changes(build_schema(old_sdl), build_schema(new_sdl))
    print(f"schema contract: compared with {label}; {len(dangerous)} dangerous change(s)")
    for change in dangerous:
        print(f"  dangerous: {change.type.name}: {change.description}")
    accepted = accepted_changes(POLICY.read_text())
    breaking = unaccepted_breaking_changes(old_sdl, new_sdl, accepted)
    assert breaking == [], (
        "breaking schema changes not listed in docs/schema-changes.md:\n  " + "\n  ".join(breaking)
    )


def test_contract_names_from_the_foundation_issue_exist():
    """Signatures, not SDL text: argument descriptions change how the SDL is laid out."""
    gql = build_gateway_schema()._schema
    query = gql.query_type.fields

    def signature(field: Any) -> str:
        args = ", ".join(f"{n}: {a.type}" for n, a in field.args.items())
        return f"({args}): {field.type}"

    assert signature(query["node"]) == "(id: ID!): Node"
    assert signature(query["category"]) == "(slug: String!, locale: String): Category"
    assert signature(query["tag"]) == "(slug: String!, locale: String): Tag"
    for name in ("articles", "authors"):
        assert query[name].args["first"].default_value == 10, name
    for name in ("Article", "Author"):
        assert "Node" in [i.name for i in gql.get_type(name).interfaces], name
    assert str(gql.get_type("ArticleConnection").fields["totalCount"].type) == "Int!"
    assert str(gql.get_type("Article").fields["readingTimeMinutes"].type) == "Int!"


OLD = '''
"""Root."""
type Query {
  """A."""
  a: String
  """B."""
  b(x: Int): String
}
'''
NEW = '''
"""Root."""
type Query {
  """B."""
  b(x: Int, y: Int!): String
}
'''


def test_the_check_reports_breaking_changes_unless_listed_with_a_reason():
    assert unaccepted_breaking_changes(OLD, NEW, {}) == [
        "FIELD_REMOVED: Field Query.a was removed.",
        "REQUIRED_ARG_ADDED: A required argument Query.b(y:) was added.",
    ]
    policy = (
        "# x\n## Accepted breaking changes\n"
        "- `Field Query.a was removed.` — replaced by `b` two releases ago.\n"
        "- `A required argument Query.b(y:) was added.`\n"  # no reason: not accepted
    )
    accepted = accepted_changes(policy)
    assert accepted == {"Field Query.a was removed.": "replaced by `b` two releases ago."}
    assert unaccepted_breaking_changes(OLD, NEW, accepted) == [
        "REQUIRED_ARG_ADDED: A required argument Query.b(y:) was added."
    ]


def test_the_policy_file_parses():
    """Every bullet in the accepted list is well-formed (a malformed one would be ignored)."""
    _, _, section = POLICY.read_text().partition("## Accepted breaking changes")
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(accepted_changes(POLICY.read_text())) == len(bullets)


def deprecations_without_reason(sdl: str) -> list[str]:
    gql = build_schema(sdl)
    missing = []
    for type_name, gql_type in gql.type_map.items():
        if type_name.startswith("__"):
            continue
        members: dict[str, Any] = {}
        if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType):
            members = dict(gql_type.fields)
            for field_name, field in gql_type.fields.items():
                members.update({f"{field_name}({a}:)": arg for a, arg in field.args.items()})
        elif isinstance(gql_type, GraphQLInputObjectType):
            members = dict(gql_type.fields)
        elif isinstance(gql_type, GraphQLEnumType):
            members = dict(gql_type.values)
        for name, member in members.items():
            reason = getattr(member, "deprecation_reason", None)
            # A bare @deprecated gets graphql's default reason, which tells a client nothing.
            if reason is not None and reason.strip() in ("", DEFAULT_DEPRECATION_REASON):
                missing.append(f"{type_name}.{name}")
    return missing


def test_every_deprecation_has_a_reason():
    assert deprecations_without_reason(export_sdl()) == []


def test_deprecation_check_catches_a_bare_deprecation():
    sdl = """type Query {
      a: String @deprecated
      b: String @deprecated(reason: "Use `c`; removed after 2026-06-30.")
      c(x: Int @deprecated): String
    }
    enum E { X @deprecated(reason: "") Y }"""
    assert sorted(deprecations_without_reason(sdl)) == ["E.X", "Query.a", "Query.c(x:)"]
