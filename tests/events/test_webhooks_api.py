"""The webhook admin API: create (secret once), list, update/disable/rotate, delete, deliveries,
retry of dead letters; refusals (SSRF, bad input, non-admins) write nothing (both backends)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from gateway.app import create_app
from gateway.events.worker import EventWorker
from resolvers.events.models import webhook_t
from resolvers.events.outbox import record_event
from tests.auth_support import add_token, bearer
from tests.event_support import FAST_EVENTS, free_port, receiver
from tests.live_server import lifespan
from tests.support import gql, ok

PRIVATE_OK = {"webhook_allow_private_targets": True}

CREATE = """
mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    __typename
    ... on WebhookCreated { secret webhook { id databaseId url events enabled description } }
    ... on ValidationError { message fields { path code message } }
    ... on ForbiddenError { message }
  }
}"""
UPDATE = """
mutation ($input: UpdateWebhookInput!) {
  updateWebhook(input: $input) {
    __typename
    ... on WebhookUpdated { secret webhook { url events enabled } }
    ... on ValidationError { fields { path code } }
    ... on NotFoundError { message }
  }
}"""
DELIVERIES = """
query ($id: ID!, $status: DeliveryStatus) {
  webhook(id: $id) {
    deliveries(status: $status) {
      totalCount
      nodes { id eventId eventType entityType entityId status attempts lastResponseCode lastError
              nextAttemptAt deliveredAt }
    }
  }
}"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST_EVENTS, "webhook_allow_private_targets": False}


@pytest.fixture
async def app(settings):
    """The Starlette app itself (its lifespan running), for its state."""
    application = create_app(settings)
    async with lifespan(application):
        yield application


@pytest.fixture
async def api(app, db):
    """Run GraphQL over HTTP as an admin (a real API token); returns the data."""
    headers = bearer(await add_token(db, "admin"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def run(query: str, variables: dict[str, Any] | None = None) -> Any:
            return ok(await gql(client, query, variables, headers=headers))

        yield run


def allow_private(app: Any) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_allow_private_targets": True}
    )


async def count_webhooks(db) -> int:
    return int(await db.scalar(select(func.count()).select_from(webhook_t)))


async def test_anonymous_viewers_cannot_manage_webhooks(client, db):
    variables = {"input": {"url": "https://93.184.215.14/hook", "events": ["*"]}}
    result = await gql(client, CREATE, variables)
    assert result.data["createWebhook"] == {
        "__typename": "ForbiddenError",
        "message": "Sign in: send `Authorization: Bearer <token>`.",
    }
    listing = await gql(client, "{ webhooks { totalCount } }")
    assert listing.codes == ["FORBIDDEN"]
    editor = bearer(await add_token(db, "editor"))
    as_editor = await gql(client, CREATE, variables, headers=editor)
    assert as_editor.data["createWebhook"] == {
        "__typename": "ForbiddenError",
        "message": "Only admins may manage webhooks.",
    }
    assert await count_webhooks(db) == 0


PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.0.0.8/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
]


async def test_private_targets_are_refused_at_creation(app, api, db):
    for url in PRIVATE_URLS:
        data = await api(CREATE, {"input": {"url": url, "events": ["*"]}})
        payload = data["createWebhook"]
        assert payload["__typename"] == "ValidationError", url
        [problem] = payload["fields"]
        assert problem["path"] == ["input", "url"] and problem["code"] == "UNSAFE_URL"
        assert "private, loopback, link-local" in problem["message"]
    assert await count_webhooks(db) == 0
    allow_private(app)  # the development setting lifts the refusal
    allowed = await api(CREATE, {"input": {"url": PRIVATE_URLS[0], "events": ["*"]}})
    assert allowed["createWebhook"]["__typename"] == "WebhookCreated"


async def test_bad_input_lists_every_problem_and_writes_nothing(app, api, db):
    variables = {
        "input": {
            "url": "ftp://93.184.215.14/x",
            "events": ["article.exploded", "*"],
            "description": "x" * 501,
        }
    }
    payload = (await api(CREATE, variables))["createWebhook"]
    assert payload["__typename"] == "ValidationError"
    codes = {(tuple(f["path"]), f["code"]) for f in payload["fields"]}
    assert codes == {
        (("input", "url"), "INVALID_URL"),
        (("input", "events"), "INVALID_EVENT_TYPE"),
        (("input", "description"), "TOO_LONG"),
    }
    empty = await api(CREATE, {"input": {"url": "https://93.184.215.14/", "events": []}})
    assert empty["createWebhook"]["fields"][0]["code"] == "INVALID_EVENT_TYPE"
    assert await count_webhooks(db) == 0


async def test_public_target_is_accepted_and_secret_shown_once(api):
    variables = {
        "input": {
            "url": "https://93.184.215.14/hooks",
            "events": ["article.*", "article.*", "tag.created"],
            "description": "Rebuild the site",
        }
    }
    created = (await api(CREATE, variables))["createWebhook"]
    assert created["__typename"] == "WebhookCreated"
    assert created["secret"].startswith("whsec_")
    hook = created["webhook"]
    assert hook["events"] == ["article.*", "tag.created"] and hook["enabled"] is True
    listing = await api("{ webhooks { totalCount nodes { url description } } }")
    assert listing["webhooks"] == {
        "totalCount": 1,
        "nodes": [{"url": "https://93.184.215.14/hooks", "description": "Rebuild the site"}],
    }
    with pytest.raises(AssertionError, match="Cannot query field 'secret'"):  # never again
        await api("{ webhooks { nodes { secret } } }")


async def test_deliveries_update_rotate_and_delete(app, api, db, settings):
    allow_private(app)
    worker = EventWorker(db, settings.model_copy(update=PRIVATE_OK))
    try:
        async with receiver() as r:
            url = r.url
            variables = {"input": {"url": url, "events": ["article.*"]}}
            created = (await api(CREATE, variables))["createWebhook"]
            hook_id, secret = created["webhook"]["id"], created["secret"]
            async with db.engine.begin() as conn:
                event_id = await record_event(conn, "article.published", 4, slug="x")
            while await worker.run_once():
                pass
            [first] = await r.wait_for(1)
            Webhook(secret).verify(first.body, first.headers)

            rotated = await api(UPDATE, {"input": {"id": hook_id, "rotateSecret": True}})
            new_secret = rotated["updateWebhook"]["secret"]
            assert new_secret.startswith("whsec_") and new_secret != secret
            async with db.engine.begin() as conn:
                await record_event(conn, "article.updated", 4, slug="x")
            while await worker.run_once():
                pass
            _, second = await r.wait_for(2)
            Webhook(new_secret).verify(second.body, second.headers)

        data = await api(DELIVERIES, {"id": hook_id, "status": "DELIVERED"})
        deliveries = data["webhook"]["deliveries"]
        assert deliveries["totalCount"] == 2
        oldest = deliveries["nodes"][-1]
        assert oldest["eventId"] == event_id and oldest["eventType"] == "article.published"
        assert (oldest["status"], oldest["attempts"], oldest["lastResponseCode"]) == (
            "DELIVERED",
            1,
            200,
        )
        assert oldest["nextAttemptAt"] is None and oldest["deliveredAt"] is not None

        disabled = await api(UPDATE, {"input": {"id": hook_id, "enabled": False, "events": ["*"]}})
        assert disabled["updateWebhook"]["webhook"] == {
            "url": url,
            "events": ["*"],
            "enabled": False,
        }
        assert disabled["updateWebhook"]["secret"] is None
        nulls = await api(UPDATE, {"input": {"id": hook_id, "url": None, "enabled": None}})
        assert {f["code"] for f in nulls["updateWebhook"]["fields"]} == {"REQUIRED"}

        deleted = await api(f'mutation {{ deleteWebhook(id: "{hook_id}") {{ __typename }} }}')
        assert deleted["deleteWebhook"]["__typename"] == "WebhookDeleted"
        again = await api(f'mutation {{ deleteWebhook(id: "{hook_id}") {{ __typename }} }}')
        assert again["deleteWebhook"]["__typename"] == "NotFoundError"
        assert (await api(DELIVERIES, {"id": hook_id}))["webhook"] is None
    finally:
        await worker.aclose()


async def test_dead_letter_is_visible_and_can_be_retried(app, api, db, settings):
    allow_private(app)
    url = f"http://127.0.0.1:{free_port()}/closed"
    created = (await api(CREATE, {"input": {"url": url, "events": ["*"]}}))["createWebhook"]
    hook_id = created["webhook"]["id"]
    async with db.engine.begin() as conn:
        await record_event(conn, "tag.created", 9, slug="t")
    worker = EventWorker(
        db,
        settings.model_copy(
            update={**PRIVATE_OK, "webhook_max_attempts": 2, "webhook_backoff_base": 0}
        ),
    )
    try:
        while await worker.run_once():
            pass
    finally:
        await worker.aclose()
    data = await api(DELIVERIES, {"id": hook_id, "status": "DEAD"})
    [dead] = data["webhook"]["deliveries"]["nodes"]
    assert dead["attempts"] == 2 and dead["lastResponseCode"] is None
    assert dead["lastError"].startswith("network error")
    retry = """mutation ($id: ID!) { retryWebhookDelivery(id: $id) { __typename
      ... on DeliveryRetried { delivery { status attempts nextAttemptAt } }
      ... on ValidationError { fields { code } } } }"""
    retried = (await api(retry, {"id": dead["id"]}))["retryWebhookDelivery"]
    assert retried["__typename"] == "DeliveryRetried"
    assert retried["delivery"]["status"] == "PENDING" and retried["delivery"]["attempts"] == 0
    assert retried["delivery"]["nextAttemptAt"] is not None
    twice = (await api(retry, {"id": dead["id"]}))["retryWebhookDelivery"]
    assert twice["__typename"] == "NotFoundError"  # it is not dead any more
    wrong = (await api(retry, {"id": hook_id}))["retryWebhookDelivery"]
    assert wrong == {"__typename": "ValidationError", "fields": [{"code": "INVALID_ID"}]}
