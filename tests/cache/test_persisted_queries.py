"""Automatic persisted queries (Apollo protocol) and trusted documents (allow-list mode)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import orjson
import pytest

from gateway.cache.documents import sha256_hex
from gateway.cache.persisted_import import ManifestError, import_manifest
from resolvers import persisted as trusted
from schema import build_schema
from tests.cache_support import PREFLIGHT, backend_settings, cache_status, get
from tests.support import add_article, add_author

QUERY = "query Latest { articles(first: 1) { nodes { title } } }"
HASH = sha256_hex(QUERY)
APQ = {"persistedQuery": {"version": 1, "sha256Hash": HASH}}


@pytest.fixture(params=["memory", "redis"])
def cache_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mode() -> str:
    return "apq"


@pytest.fixture
def settings_overrides(cache_backend: str, mode: str, request: pytest.FixtureRequest):
    return {**backend_settings(cache_backend, request), "persisted_queries": mode}


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    await add_article(db, "Engines", authors=[ada])


def error_of(response) -> tuple[str, str]:
    error = response.json()["errors"][0]
    return error["extensions"]["code"], error["message"]


async def test_apq_round_trip_over_post(client, content):
    miss = await client.post("/graphql", json={"extensions": APQ})
    assert miss.status_code == 200
    assert error_of(miss) == ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
    assert miss.headers["cache-control"] == "no-store"

    register = await client.post("/graphql", json={"query": QUERY, "extensions": APQ})
    assert register.json() == {"data": {"articles": {"nodes": [{"title": "Engines"}]}}}

    hit = await client.post("/graphql", json={"extensions": APQ})
    assert hit.json() == register.json()
    assert cache_status(hit) == "hit"  # the response too was cached by the register request


async def test_apq_over_get_is_cacheable(client, content):
    miss = await client.get(
        "/graphql", params={"extensions": orjson.dumps(APQ).decode()}, headers=PREFLIGHT
    )
    assert error_of(miss)[0] == "PERSISTED_QUERY_NOT_FOUND"
    assert miss.headers["cache-control"] == "no-store"  # a CDN must not keep the miss
    await get(client, QUERY, extensions=APQ)
    by_hash = await client.get(
        "/graphql", params={"extensions": orjson.dumps(APQ).decode()}, headers=PREFLIGHT
    )
    assert by_hash.json()["data"]["articles"]["nodes"] == [{"title": "Engines"}]
    assert by_hash.headers["cache-control"].startswith("public, max-age=")
    again = await client.get(
        "/graphql",
        params={"extensions": orjson.dumps(APQ).decode()},
        headers={**PREFLIGHT, "If-None-Match": by_hash.headers["etag"]},
    )
    assert again.status_code == 304


async def test_apq_hash_mismatch_and_bad_extension_are_rejected(client, content):
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    mismatch = await client.post("/graphql", json={"query": QUERY, "extensions": wrong})
    assert mismatch.status_code == 400
    assert error_of(mismatch)[0] == "PERSISTED_QUERY_HASH_MISMATCH"
    # Nothing was registered under either hash.
    for ext in (wrong, APQ):
        assert error_of(await client.post("/graphql", json={"extensions": ext}))[0] == (
            "PERSISTED_QUERY_NOT_FOUND"
        )
    v2 = await client.post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": HASH}}}
    )
    assert error_of(v2)[0] == "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
    short = await client.post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab"}}}
    )
    assert error_of(short)[0] == "BAD_REQUEST"


async def test_only_valid_documents_are_stored(client, content):
    invalid = "{ articles { nodes { noSuchField } } }"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(invalid)}}
    response = await client.post("/graphql", json={"query": invalid, "extensions": ext})
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    again = await client.post("/graphql", json={"extensions": ext})
    assert error_of(again)[0] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("cache_backend", ["memory"], indirect=True)
@pytest.mark.parametrize("mode", ["off"])
async def test_off_mode_refuses_persisted_queries(client, content):
    response = await client.post("/graphql", json={"query": QUERY, "extensions": APQ})
    assert error_of(response) == ("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
    plain = await client.post("/graphql", json={"query": QUERY})
    assert plain.json()["data"]["articles"]["nodes"] == [{"title": "Engines"}]


def apollo_manifest(*bodies: str) -> bytes:
    return orjson.dumps(
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": sha256_hex(b), "name": None, "type": "query", "body": b} for b in bodies
            ],
        }
    )


@pytest.mark.parametrize("cache_backend", ["memory"], indirect=True)
@pytest.mark.parametrize("mode", ["allowlist"])
async def test_allowlist_runs_only_trusted_documents(client, db, content):
    schema = build_schema()
    await import_manifest(db, schema, apollo_manifest(QUERY), "app.json")
    relay = orjson.dumps({"md5ish-id-1": "query Authors { authors { nodes { name } } }"})
    await import_manifest(db, schema, relay, "relay.json")

    by_hash = await client.post("/graphql", json={"extensions": APQ})
    assert by_hash.json()["data"]["articles"]["nodes"] == [{"title": "Engines"}]
    by_id = await client.post("/graphql", json={"documentId": "md5ish-id-1"})
    assert by_id.json()["data"]["authors"]["nodes"] == [{"name": "Ada Lovelace"}]
    relay_style = await client.post("/graphql", json={"doc_id": "md5ish-id-1"})
    assert relay_style.json() == by_id.json()
    # The full text of a trusted document runs too, however it is formatted.
    reformatted = "query Latest {\n  articles(first: 1) { nodes { title } }\n}"
    assert (await client.post("/graphql", json={"query": reformatted})).json() == by_hash.json()

    unknown = "{ authors { nodes { name bio } } }"
    refused = await client.post("/graphql", json={"query": unknown})
    assert refused.status_code == 400
    assert error_of(refused)[0] == "PERSISTED_QUERY_NOT_IN_LIST"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(unknown)}}
    assert error_of(await client.post("/graphql", json={"extensions": ext}))[0] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    retry = await client.post("/graphql", json={"query": unknown, "extensions": ext})
    assert error_of(retry)[0] == "PERSISTED_QUERY_NOT_IN_LIST"  # APQ cannot register here
    assert error_of(await client.post("/graphql", json={"extensions": ext}))[0] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    missing_id = await client.post("/graphql", json={"documentId": "nope"})
    assert error_of(missing_id)[0] == "PERSISTED_QUERY_NOT_FOUND"


async def test_import_reads_all_three_formats(db):
    schema = build_schema()
    q2 = "query Authors { authors { nodes { name } } }"
    apollo = await import_manifest(db, schema, apollo_manifest(QUERY), "apollo.json")
    assert apollo.format == "apollo"
    assert [(d.document_id, d.operation_name) for d in apollo.added] == [(HASH, "Latest")]

    plain = await import_manifest(
        db, schema, orjson.dumps({HASH: QUERY, sha256_hex(q2): q2}), "map.json"
    )
    assert plain.format == "sha256-map"
    assert [d.document_id for d in plain.added] == [sha256_hex(q2)]
    assert [d.document_id for d in plain.present] == [HASH]

    relay = await import_manifest(db, schema, orjson.dumps({"a1b2": q2}), "relay.json")
    assert relay.format == "relay"
    assert [(d.document_id, d.sha256) for d in relay.added] == [("a1b2", sha256_hex(q2))]
    assert await trusted.count_documents(db) == 3
    assert (await trusted.find_document(db, "a1b2")).body == q2


async def test_import_is_all_or_nothing(db):
    schema = build_schema()
    good = "query Authors { authors { nodes { name } } }"
    bad = "query Broken { authors { nodes { nope } } }"
    with pytest.raises(ManifestError, match="nope") as caught:
        await import_manifest(db, schema, orjson.dumps({"g": good, "b": bad}), "m.json")
    assert "b: " in str(caught.value) and "nothing imported" in str(caught.value)
    assert await trusted.count_documents(db) == 0

    await import_manifest(db, schema, orjson.dumps({"g": good}), "m.json")
    with pytest.raises(ManifestError, match="already registered with a different document: g"):
        await import_manifest(db, schema, orjson.dumps({"g": QUERY, "h": QUERY}), "m.json")
    assert await trusted.count_documents(db) == 1
    for raw in (b"[1, 2]", b"{}", b"not json", b'{"format": "apollo-persisted-query-manifest"}'):
        with pytest.raises(ManifestError):
            await import_manifest(db, schema, raw, "m.json")
    assert await trusted.count_documents(db) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_cli_import_reports_what_it_added(database_url, tmp_path: Path):
    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_bytes(apollo_manifest(QUERY))
    cli = str(Path(sys.executable).with_name("content-gateway"))
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url}

    async def run(path: Path) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            cli,
            "persisted",
            "import",
            str(path),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        return proc.returncode or 0, out.decode(), err.decode()

    code, out, _ = await run(manifest)
    assert code == 0
    assert f"+ {HASH} query Latest" in out
    assert "(apollo): added 1, already present 0; 1 trusted documents in total" in out
    code, out, _ = await run(manifest)
    assert "added 0, already present 1" in out
    code, _, err = await run(tmp_path / "missing.json")
    assert code == 1 and "cannot read" in err
