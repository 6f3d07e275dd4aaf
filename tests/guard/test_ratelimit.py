"""Rate limits (#6): a token bucket per client in cost units; Redis shares it across instances;
an unreachable Redis degrades to per-instance buckets and comes back by itself."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis

from gateway.app import create_app
from gateway.config.settings import Settings
from tests.auth_support import add_token
from tests.conftest import REDIS_URL, skip_or_fail
from tests.live_server import lifespan
from tests.support import add_article, add_author, gql
from tests.tcp_proxy import TcpProxy


@pytest.fixture
def settings(settings):
    """The response cache off (issue 5): repeated identical requests must reach execution here,
    where a cache hit would rightly skip it."""
    return settings.model_copy(update={"response_cache": False})


COST_50 = "{ articles(first: 10) { nodes { title } } }"  # 10 x (2 + (2 + 1)) = 50
COST_5 = "{ articles(first: 1) { nodes { title } } }"
LIMITS = {"max_query_cost": 50, "rate_limit_budget": 100, "rate_limit_window": 3600}


@pytest.fixture
def settings_overrides():
    return LIMITS


@pytest.fixture
async def content(db):
    author = await add_author(db, "Leslie Lamport")
    await add_article(db, "Time, Clocks", authors=[author])


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    async with lifespan(app) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


def remaining(result) -> int:
    return int(result.response.headers["ratelimit-remaining"])


def assert_limited(result, statements: int = 0) -> None:
    response = result.response
    assert response.status_code == 429, result.body
    assert result.codes == ["RATE_LIMITED"]
    assert "data" not in result.body
    assert int(response.headers["retry-after"]) >= 1
    assert result.errors[0]["extensions"]["retryAfter"] == int(response.headers["retry-after"])
    assert response.headers["ratelimit-limit"] == "100"
    assert result.statements == statements  # nothing ran (but a token lookup, if any)


async def test_budget_is_spent_in_cost_units_then_429(client, content):
    first = await gql(client, COST_50)
    assert first.response.status_code == 200
    assert first.response.headers["ratelimit-limit"] == "100"
    assert first.response.headers["ratelimit-policy"] == "100;w=3600"
    assert remaining(first) == 50
    assert remaining(await gql(client, COST_50)) == 0
    assert_limited(await gql(client, COST_50))
    assert_limited(await gql(client, "{ __typename }", headers={"accept": "application/json"}))


async def test_a_query_is_refused_when_its_cost_exceeds_what_is_left(client, content):
    assert remaining(await gql(client, COST_50)) == 50
    assert remaining(await gql(client, COST_5 + " ")) == 45
    result = await gql(client, COST_50)
    assert_limited(result)
    assert "49 more cost units" in result.errors[0]["message"]
    # A cheaper query still fits in what is left (the refused one took nothing but 1 unit).
    assert (await gql(client, COST_5)).response.status_code == 200


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "trusted_proxies": "127.0.0.1"}])
async def test_forwarded_clients_behind_a_trusted_proxy_have_own_budgets(client, content):
    alice = {"x-forwarded-for": "203.0.113.5"}
    bob = {"x-forwarded-for": "203.0.113.6"}
    for _ in range(2):
        assert (await gql(client, COST_50, headers=alice)).response.status_code == 200
    assert_limited(await gql(client, COST_50, headers=alice))
    # A forged left-most address does not make Alice someone else: the proxy appended hers.
    assert_limited(await gql(client, COST_50, headers={"x-forwarded-for": "1.2.3.4, 203.0.113.5"}))
    assert remaining(await gql(client, COST_50, headers=bob)) == 50


async def test_forwarded_header_from_an_untrusted_peer_is_ignored(client, content):
    for i in range(2):
        spoof = {"x-forwarded-for": f"198.51.100.{i}"}
        assert (await gql(client, COST_50, headers=spoof)).response.status_code == 200
    assert_limited(await gql(client, COST_50, headers={"x-forwarded-for": "198.51.100.9"}))


async def test_verified_api_tokens_have_own_budgets(client, content, db):
    token_a = {"authorization": f"Bearer {await add_token(db, 'editor')}"}
    token_b = {"authorization": f"Bearer {await add_token(db, 'editor')}"}
    assert remaining(await gql(client, COST_50, headers=token_a)) == 50
    assert remaining(await gql(client, COST_50, headers=token_a)) == 0
    assert_limited(await gql(client, COST_50, headers=token_a), statements=1)
    assert remaining(await gql(client, COST_50, headers=token_b)) == 50
    # A verified token pays from its own bucket only: the IP's is untouched.
    assert remaining(await gql(client, COST_50)) == 100 - 50


async def test_made_up_tokens_get_no_fresh_budget(client, content):
    statuses = []
    for i in range(102):
        fake = {"authorization": f"Bearer cgw_{'x' * 40}{i}"}
        statuses.append((await gql(client, COST_5, headers=fake)).response.status_code)
    # Every made-up token is refused, and each costs its IP a unit: the 101st is rate limited.
    assert set(statuses[:100]) == {401}
    assert statuses[100:] == [429, 429]


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_budget": 0}])
async def test_rate_limit_can_be_turned_off(client, content):
    result = await gql(client, COST_50)
    assert result.response.status_code == 200
    assert "ratelimit-limit" not in result.response.headers


# --- Redis -----------------------------------------------------------------------------------


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[Redis, str]]:
    if not REDIS_URL:
        skip_or_fail("GATEWAY_TEST_REDIS_URL is not set")
    redis = Redis.from_url(REDIS_URL)
    prefix = f"test:rl:{uuid.uuid4().hex}:"
    yield redis, prefix
    keys = [key async for key in redis.scan_iter(match=prefix + "*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def redis_tokens(redis: Redis, key: str) -> float:
    return float(await redis.hget(key, "tokens"))


async def test_two_instances_share_one_budget_in_redis(settings, content, redis_prefix, db):
    redis, prefix = redis_prefix
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "rate_limit_key_prefix": prefix})
    secret = await add_token(db, "editor")
    async with running(shared) as one, running(shared) as two:
        token = await gql(two, COST_5, headers={"authorization": f"Bearer {secret}"})
        assert remaining(token) == 95  # the token's own bucket
        assert remaining(await gql(one, COST_50)) == 50  # the IP's: the token call paid none
        # Instance two alone would have had 100 units; it shares the 50 left: then none.
        assert remaining(await gql(two, COST_50)) == 0
        assert_limited(await gql(two, COST_50))
        assert_limited(await gql(one, COST_50))
    keys = sorted([k.decode() async for k in redis.scan_iter(match=prefix + "*")])
    assert keys[0] == prefix + "ip:127.0.0.1"
    assert keys[1].startswith(prefix + "token:") and secret not in keys[1]
    # 100 - 50 - 50 (the refused requests took nothing), plus a moment's refill.
    assert await redis_tokens(redis, keys[0]) == pytest.approx(0, abs=0.5)
    assert await redis_tokens(redis, keys[1]) == pytest.approx(95, abs=0.1)
    assert await redis.pttl(keys[0]) > 0  # buckets expire once they would be full again


async def test_unreachable_redis_falls_back_and_returns(settings, content, redis_prefix, caplog):
    redis, prefix = redis_prefix
    host, port = (
        redis.connection_pool.connection_kwargs["host"],
        int(redis.connection_pool.connection_kwargs["port"]),
    )
    proxy = await TcpProxy(host, port).start()
    db_number = redis.connection_pool.connection_kwargs.get("db", 0)
    via_proxy = settings.model_copy(
        update={
            "redis_url": f"redis://127.0.0.1:{proxy.port}/{db_number}",
            "rate_limit_key_prefix": prefix,
            "redis_retry_interval": 0,  # try Redis again on every request
        }
    )
    key = prefix + "ip:127.0.0.1"
    caplog.set_level(logging.WARNING, logger="gateway.guard.ratelimit")
    try:
        async with running(via_proxy) as client:
            assert remaining(await gql(client, COST_50)) == 50
            assert await redis_tokens(redis, key) == pytest.approx(50, abs=0.1)

            proxy.cut_all()
            statuses = [(await gql(client, COST_50)).response.status_code for _ in range(5)]
            # Served on: the in-process bucket (a fresh 100 units) allows two, then 429.
            assert statuses == [200, 200, 429, 429, 429]
            warnings = [
                r
                for r in caplog.records
                if r.name == "gateway.guard.ratelimit" and "unreachable" in r.getMessage()
            ]
            assert len(warnings) == 1  # once per interval, not once per request
            assert await redis_tokens(redis, key) == pytest.approx(50, abs=0.1)

            proxy.restore()
            back = await gql(client, COST_50)
            assert back.response.status_code == 200
            assert remaining(back) == 0  # the shared bucket again: it had 50 left
            assert await redis_tokens(redis, key) < 1
            assert_limited(await gql(client, COST_50))
            assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        await proxy.close()
