"""Helpers for the revisions, trash and review tests: documents, a mutation call, snapshots."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from resolvers.db import Database
from resolvers.revisions.models import article_review_t, article_trash_t, revision_t
from tests.auth_support import snapshot
from tests.support import gql, ok

ERRORS = """... on ValidationError { message fields { path code message } }
  ... on NotFoundError { message id } ... on ConflictError { message currentVersion }
  ... on ForbiddenError { message }"""
SAVED = f"""__typename ... on ArticleSaved {{ article {{ id databaseId slug title status version
  publishedAt unpublishAt }} changedPaths }} {ERRORS}"""

# Everything a reader of one article sees (minus version/updatedAt/updatedBy).
FULL_ARTICLE = """query($id: ID!) { article(id: $id) {
  id slug title excerpt body status publishedAt unpublishAt locale readingTimeMinutes path url
  featureImage { url alt width height } createdAt createdBy
  authors { id slug name } categories { id slug } tags { id slug }
  seo { title description canonicalUrl robots noindex
        openGraph { title description url image { url } publishedTime section tags }
        twitter { title description } }
} }"""

REVISIONS = """query($id: ID!, $first: Int, $after: String) { article(id: $id) {
  version revisions(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id databaseId version action operation createdBy changedFields sizeBytes }
  } } }"""


def mutation(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {SAVED} }} }}"


UPDATE = mutation("updateArticle", "UpdateArticleInput")
CREATE = mutation("createArticle", "CreateArticleInput")
PUBLISH = mutation("publishArticle", "PublishArticleInput")
RESTORE_REVISION = mutation("restoreArticleRevision", "RestoreArticleRevisionInput")
RESTORE_ARTICLE = mutation("restoreArticle", "ArticleRefInput")
SUBMIT = mutation("submitForReview", "ReviewStepInput")
APPROVE = mutation("approve", "ApproveInput")
REQUEST_CHANGES = mutation("requestChanges", "ReviewStepInput")
DELETE = f"""mutation($input: ArticleRefInput!) {{ deleteArticle(input: $input) {{
  __typename ... on ArticleDeleted {{ deletedId changedPaths }} {ERRORS} }} }}"""


async def call(
    client: httpx.AsyncClient, document: str, input_: dict[str, Any], headers: Any
) -> dict[str, Any]:
    result = await gql(client, document, {"input": input_}, headers=headers)
    return next(iter(ok(result).values()))  # type: ignore[no-any-return]


async def everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Content tables plus revisions, reviews and the trash: compare before/after a refusal."""
    out = await snapshot(db)
    for table in (revision_t, article_review_t, article_trash_t):
        rows = await db.all(select(table).order_by(*table.primary_key.columns))
        out[table.name] = [tuple(r) for r in rows]
    return out


def without_bookkeeping(article: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in article.items() if k not in ("version", "updatedAt", "updatedBy")}
