"""A burst of identical cacheable requests that miss the response cache executes once: the
first one runs, the others wait for it and are answered from what it stored."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.cache_support import backend_settings, cache_status, get
from tests.conftest import REDIS_URL
from tests.support import SERVER_TIMING_DB, add_article, add_author

QUERY = "query Burst { articles(first: 5) { nodes { title author { name } } } }"
BURST = 12


@pytest.fixture(params=["memory", "redis"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("GATEWAY_TEST_REDIS_URL is not set")
    return {"response_cache": True, **backend_settings(request.param, request)}


def statements(response: Any) -> int:
    match = SERVER_TIMING_DB.search(response.headers["server-timing"])
    assert match is not None
    return int(match.group(1))


async def test_a_burst_of_identical_misses_executes_once(client, db):
    author = await add_author(db, "Ada Burst")
    for n in range(3):
        await add_article(db, f"Burst {n}", authors=[author])
    responses = await asyncio.gather(*(get(client, QUERY) for _ in range(BURST)))
    assert all(r.status_code == 200 for r in responses)
    assert len({r.content for r in responses}) == 1  # every client got the same answer
    assert len(responses[0].json()["data"]["articles"]["nodes"]) == 3
    statuses = sorted(cache_status(r) for r in responses)
    assert statuses == ["hit"] * (BURST - 1) + ["miss"]  # one execution
    assert sum(1 for r in responses if statements(r) > 0) == 1  # one request touched the DB


async def test_a_burst_that_cannot_be_stored_still_answers_everyone(client):
    # An error answer is never stored: the waiting requests run it themselves.
    bad = "query Burst { article { title } }"
    responses = await asyncio.gather(*(get(client, bad) for _ in range(4)))
    assert all(r.status_code == 200 for r in responses)
    assert all(r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" for r in responses)
