"""Rate limits and tokens: anonymous traffic from a shared IP (an office, a proxy that is not
listed as trusted) cannot lock out an editor; a made-up token pays from its IP's bucket."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth_support import add_token
from tests.support import add_article, add_author, gql

COST_5 = "{ articles(first: 1) { nodes { title } } }"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "rate_limit_budget": 20,
        "rate_limit_window": 3600,
        "max_query_cost": 20,
        "response_cache": False,
    }


async def test_anonymous_flood_from_a_shared_ip_does_not_lock_out_editors(client, db) -> None:
    author = await add_author(db)
    await add_article(db, "Shared office", authors=[author])
    editor = {"authorization": f"Bearer {await add_token(db, 'editor')}"}
    anonymous = [(await gql(client, COST_5)).response.status_code for _ in range(5)]
    assert anonymous[:3] == [200] * 3 and anonymous[4] == 429  # the IP's 20 units are spent
    signed_in = await gql(client, COST_5, headers=editor)
    assert signed_in.response.status_code == 200, signed_in.body
    assert signed_in.data["articles"]["nodes"] == [{"title": "Shared office"}]
    assert signed_in.response.headers["ratelimit-remaining"] == "15"  # its own bucket
    # A made-up token does not escape the IP's empty bucket, and gets no budget of its own.
    fake = await gql(client, COST_5, headers={"authorization": "Bearer cgw_" + "x" * 40})
    assert fake.response.status_code == 429
    assert fake.codes == ["RATE_LIMITED"]


async def test_token_requests_leave_the_ip_bucket_alone(client, db) -> None:
    editor = {"authorization": f"Bearer {await add_token(db, 'editor')}"}
    for _ in range(3):
        assert (await gql(client, COST_5, headers=editor)).response.status_code == 200
    anonymous = await gql(client, COST_5)
    assert anonymous.response.headers["ratelimit-remaining"] == "15"  # 20 - 5: only its own
