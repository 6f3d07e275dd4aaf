"""The review workflow: authors submit (with the SEO audit's findings), editors approve (and
publish) or request changes with a comment; each step is an event; comments stay private."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from resolvers.events.models import outbox_event_t
from resolvers.events.outbox import EVENT_TYPES, SUMMARY_EVENTS
from schema.events.subscriptions import ChangeType
from tests.auth_support import add_token, bearer, gid
from tests.revisions_support import (
    APPROVE,
    REQUEST_CHANGES,
    SUBMIT,
    UPDATE,
    call,
    everything,
)
from tests.support import add_article, add_author, ahead, gql, ok

MODULE_SETTINGS = {"review_workflow": True}
REVIEWS = """query($id: ID!) { article(id: $id) { status version reviews {
  action comment version createdBy seoFindings { code severity } } } }"""


@pytest.fixture
async def desk(db):
    ada = await add_author(db, "Ada Lovelace")
    grace = await add_author(db, "Grace Hopper")
    return {
        "ada": ada,
        "editor": bearer(await add_token(db, "editor", name="desk")),
        "author": bearer(await add_token(db, "author", name="ada", author_id=ada)),
        "other": bearer(await add_token(db, "author", name="grace", author_id=grace)),
    }


async def event_types(db, article_id):
    rows = await db.all(
        select(outbox_event_t.c.type)
        .where(outbox_event_t.c.entity_id == article_id, outbox_event_t.c.entity_type == "article")
        .order_by(outbox_event_t.c.id)
    )
    return [r.type for r in rows]


async def reviews(client, ref, headers):
    return ok(await gql(client, REVIEWS, {"id": ref}, headers=headers))["article"]


async def test_submit_request_changes_resubmit_approve(client, db, desk):
    article_id = await add_article(
        db, "Draft", authors=[desk["ada"]], status="draft", excerpt=None, slug="draft_1"
    )
    ref = gid("Article", article_id)
    submitted = await call(client, SUBMIT, {"id": ref, "expectedVersion": 1,
                                            "comment": "Ready, I think."}, desk["author"])  # fmt: skip
    assert submitted["article"]["status"] == "IN_REVIEW", submitted
    locked = await call(client, UPDATE, {"id": ref, "expectedVersion": 2, "title": "X"},
                        desk["author"])  # fmt: skip
    assert locked["__typename"] == "ForbiddenError"  # in review: the author waits
    not_theirs = await call(client, APPROVE, {"id": ref}, desk["author"])
    assert not_theirs["__typename"] == "ForbiddenError"
    sent_back = await call(client, REQUEST_CHANGES, {
        "id": ref, "expectedVersion": 2, "comment": "Please add an excerpt.",
    }, desk["editor"])  # fmt: skip
    assert sent_back["article"]["status"] == "DRAFT"
    await call(client, UPDATE, {"id": ref, "expectedVersion": 3, "excerpt": "Now with one."},
               desk["author"])  # fmt: skip
    await call(client, SUBMIT, {"id": ref, "expectedVersion": 4}, desk["author"])
    approved = await call(client, APPROVE, {"id": ref, "expectedVersion": 5,
                                            "comment": "Lovely."}, desk["editor"])  # fmt: skip
    assert approved["article"]["status"] == "PUBLISHED"
    seen = await reviews(client, ref, desk["author"])
    steps = [(r["action"], r["comment"], r["version"], r["createdBy"]) for r in seen["reviews"]]
    assert steps == [
        ("SUBMITTED", "Ready, I think.", 2, "token:ada"),
        ("CHANGES_REQUESTED", "Please add an excerpt.", 3, "token:desk"),
        ("SUBMITTED", None, 5, "token:ada"),
        ("APPROVED", "Lovely.", 6, "token:desk"),
    ]
    first_findings = {f["code"] for f in seen["reviews"][0]["seoFindings"]}
    assert "SLUG_NOT_SPEAKING" in first_findings  # the audit ran on submit, findings kept
    assert seen["reviews"][1]["seoFindings"] == []
    assert await event_types(db, article_id) == [
        "article.submitted",
        "article.changes_requested",
        "article.updated",
        "article.submitted",
        "article.approved",
        "article.published",
    ]
    # public now, but the review stays private
    anonymous = await reviews(client, ref, None)
    assert anonymous == {"status": "PUBLISHED", "version": 6, "reviews": None}
    assert (await reviews(client, ref, desk["other"]))["reviews"] is None


async def test_approve_can_schedule(client, db, desk):
    ref = gid("Article", await add_article(db, "Later", authors=[desk["ada"]], status="draft"))
    await call(client, SUBMIT, {"id": ref}, desk["author"])
    when = ahead(days=2)
    approved = await call(client, APPROVE, {"id": ref, "publishedAt": when.isoformat()},
                          desk["editor"])  # fmt: skip
    assert approved["article"]["status"] == "SCHEDULED"


async def test_review_refusals_are_clear_and_change_nothing(client, db, desk):
    draft = gid("Article", await add_article(db, "D", authors=[desk["ada"]], status="draft"))
    live = gid("Article", await add_article(db, "P", authors=[desk["ada"]]))
    before = await everything(db)
    cases = [
        (APPROVE, {"id": draft}, desk["editor"], "INVALID_STATUS"),
        (REQUEST_CHANGES, {"id": draft, "comment": "x"}, desk["editor"], "INVALID_STATUS"),
        (SUBMIT, {"id": live}, desk["editor"], "INVALID_STATUS"),
        (SUBMIT, {"id": draft, "comment": "c" * 5001}, desk["author"], "TOO_LONG"),
        (APPROVE, {"id": draft, "publishedAt": "2030-01-01T10:00:00"}, desk["editor"],
         "TIMEZONE_REQUIRED"),
    ]  # fmt: skip
    for document, input_, headers, code in cases:
        payload = await call(client, document, input_, headers)
        assert payload["__typename"] == "ValidationError", (input_, payload)
        assert payload["fields"][0]["code"] == code, payload
    await call(client, SUBMIT, {"id": draft}, desk["author"])
    after_submit = await everything(db)
    no_comment = await call(client, REQUEST_CHANGES, {"id": draft}, desk["editor"])
    assert no_comment["fields"][0]["code"] == "REQUIRED"
    anonymous = await call(client, SUBMIT, {"id": draft}, None)
    assert anonymous["__typename"] == "ForbiddenError"
    assert await everything(db) == after_submit
    assert after_submit != before


@pytest.mark.parametrize("settings_overrides", [{"review_workflow": False}])
async def test_workflow_off_refuses_review_steps(client, db, desk, settings_overrides):
    draft = gid("Article", await add_article(db, "D", authors=[desk["ada"]], status="draft"))
    before = await everything(db)
    payload = await call(client, SUBMIT, {"id": draft}, desk["author"])
    assert payload["__typename"] == "ValidationError"
    assert payload["fields"][0]["code"] == "WORKFLOW_OFF"
    assert await everything(db) == before


def test_every_article_event_has_a_live_change_type():
    """contentChanged names each outbox event's action; a missing one would end the stream.
    Summary events (an import run) name no content and are not streamed."""
    actions = {t.partition(".")[2] for t in EVENT_TYPES if t not in SUMMARY_EVENTS}
    assert actions <= {c.value for c in ChangeType}
