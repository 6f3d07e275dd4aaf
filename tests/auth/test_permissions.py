"""Authorization declared on fields (schema/permissions.py): which fields carry a permission,
and what each kind of viewer gets from them (a coded error, or a ForbiddenError payload)."""

from __future__ import annotations

from sqlalchemy import func, select
from strawberry.permission import PermissionExtension

from resolvers.events.models import webhook_t
from schema import Mutation, Query
from schema.permissions import IsAdmin, IsEditor, IsSignedIn, RefuseAsPayload
from tests.auth_support import add_token, bearer
from tests.support import add_author, gql


def guarded(root: type) -> dict[str, str]:
    """Field name -> the permission (or payload refusal) it declares."""
    found = {}
    for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        for extension in field.extensions:
            if isinstance(extension, PermissionExtension):
                found[field.name] = "+".join(type(p).__name__ for p in extension.permissions)
            elif isinstance(extension, RefuseAsPayload):
                found[field.name] = f"payload:{type(extension.permission).__name__}"
    return found


def test_the_guarded_fields_are_declared():
    assert guarded(Query) == {
        "redirect": IsEditor.__name__,
        "redirects": IsEditor.__name__,
        "seo_report": IsEditor.__name__,
        "trashed_articles": IsEditor.__name__,
        "media_assets": IsEditor.__name__,
        "webhooks": IsAdmin.__name__,
        "webhook": IsAdmin.__name__,
    }
    assert guarded(Mutation) == {
        name: f"payload:{IsAdmin.__name__}"
        for name in (
            "create_webhook",
            "update_webhook",
            "delete_webhook",
            "retry_webhook_delivery",
        )
    }


EDITORIAL = ["{ redirects { totalCount } }", "{ seoReport { totalCount } }"]
ADMIN = ["{ webhooks { totalCount } }"]
CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { __typename ... on MutationError { message } } }"""


async def test_each_role_gets_what_its_permission_allows(client, db):
    writer = await add_author(db, "Permitted Writer")
    viewers = {
        "anonymous": None,
        "author": bearer(await add_token(db, "author", author_id=writer)),
        "editor": bearer(await add_token(db, "editor")),
        "admin": bearer(await add_token(db, "admin")),
    }
    allowed = {
        "anonymous": set(),
        "author": set(),
        "editor": set(EDITORIAL),
        "admin": set(EDITORIAL + ADMIN),
    }
    for role, headers in viewers.items():
        for query in EDITORIAL + ADMIN:
            result = await gql(client, query, headers=headers)
            if query in allowed[role]:
                assert result.codes == [], (role, query)
                assert result.data is not None
            else:
                assert result.codes == ["FORBIDDEN"], (role, query)
                assert result.data is None, (role, query)


async def test_a_refused_mutation_answers_with_its_payload_and_writes_nothing(client, db):
    variables = {"input": {"url": "https://93.184.215.14/hook", "events": ["*"]}}
    writer = await add_author(db, "Refused Writer")
    for role, message in (
        ("editor", "Only admins may manage webhooks."),
        ("author", "Only admins may manage webhooks."),
        (None, "Sign in: send `Authorization: Bearer <token>`."),
    ):
        author_id = writer if role == "author" else None
        headers = bearer(await add_token(db, role, author_id=author_id)) if role else None
        result = await gql(client, CREATE, variables, headers=headers)
        assert result.codes == []
        assert result.data["createWebhook"] == {"__typename": "ForbiddenError", "message": message}
    assert await db.scalar(select(func.count()).select_from(webhook_t)) == 0


def test_signed_in_permission_asks_anonymous_callers_to_sign_in():
    from resolvers.access import ANONYMOUS, SIGN_IN, Viewer

    assert IsSignedIn().refusal(ANONYMOUS) == SIGN_IN
    assert IsSignedIn.code == "UNAUTHENTICATED"
    assert IsSignedIn().refusal(Viewer(role="author", author_id=1)) is None
    assert IsEditor().refusal(Viewer(role="author", author_id=1)) is not None
    assert IsAdmin().refusal(Viewer(role="editor")) == "Only admins may manage webhooks."
