"""Webhook targets: an IPv6 address that embeds an IPv4 one (mapped, 6to4, NAT64, Teredo,
IPv4-compatible) is judged like that IPv4, at creation and before each request."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from resolvers.events.models import webhook_t
from resolvers.events.netguard import UnsafeTarget, resolve
from tests.auth_support import add_token, bearer
from tests.support import gql, ok

CREATE = """
mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    __typename
    ... on ValidationError { fields { path code message } }
  }
}"""

# Each reaches a loopback, private or link-local IPv4 address.
EMBEDDED_PRIVATE = [
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://[2002:a00:8::1]/hook",  # 6to4 of 10.0.0.8
    "http://[2002:a9fe:a9fe::]/latest/meta-data",  # 6to4 of 169.254.169.254
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::c0a8:101]/hook",  # NAT64 of 192.168.1.1
    "http://[::127.0.0.1]/hook",  # IPv4-compatible
    "http://[::10.0.0.1]/hook",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
]
# The same forms of a public IPv4 address (93.184.215.14) are ordinary public targets.
EMBEDDED_PUBLIC = [
    "http://[2002:5db8:d70e::]/hook",
    "http://[64:ff9b::5db8:d70e]/hook",
    "http://[::ffff:93.184.215.14]/hook",
]

MODULE_SETTINGS: dict[str, Any] = {"webhook_allow_private_targets": False}


@pytest.mark.parametrize("url", EMBEDDED_PRIVATE)
async def test_embedded_private_ipv4_is_refused_before_sending(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="private, loopback, link-local"):
        await resolve(url, allow_private=False)
    assert await resolve(url, allow_private=True)  # the development setting lifts it


@pytest.mark.parametrize("url", EMBEDDED_PUBLIC)
async def test_embedded_public_ipv4_is_accepted(url: str) -> None:
    assert len(await resolve(url, allow_private=False)) == 1


async def test_embedded_private_targets_are_refused_at_creation(client, db) -> None:
    admin = bearer(await add_token(db, "admin"))
    for url in EMBEDDED_PRIVATE:
        variables = {"input": {"url": url, "events": ["*"]}}
        payload = ok(await gql(client, CREATE, variables, headers=admin))["createWebhook"]
        assert payload["__typename"] == "ValidationError", url
        [problem] = payload["fields"]
        assert (problem["path"], problem["code"]) == (["input", "url"], "UNSAFE_URL"), url
    count = await db.scalar(select(func.count()).select_from(webhook_t))
    assert count == 0  # nothing was written
