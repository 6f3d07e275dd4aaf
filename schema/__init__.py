"""The GraphQL API contract: Strawberry types per domain, merged into one schema."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from schema.auth.mutations import AuthMutation, AuthQuery
from schema.content.article import ArticleQuery
from schema.content.article_mutations import ArticleMutation
from schema.content.author import AuthorQuery
from schema.content.author_mutations import AuthorMutation
from schema.content.nodes import Article, Author, Category, Tag
from schema.content.taxonomy import TaxonomyQuery
from schema.content.taxonomy_mutations import TaxonomyMutation
from schema.content.translation_mutations import TranslationMutation
from schema.context import Context, Info
from schema.events.subscriptions import Subscription
from schema.events.webhook_mutations import WebhookMutation
from schema.events.webhooks import WebhookQuery
from schema.execution.compiled import CompiledExecutor
from schema.execution.hooks import HookRunner
from schema.media.operations import MediaMutation, MediaQuery
from schema.media.types import MediaAsset
from schema.relay import Node, from_global_id
from schema.revisions.mutations import RevisionMutation, TrashQuery
from schema.search.types import SearchQuery
from schema.seo.audit import AuditQuery
from schema.seo.redirect_mutations import RedirectMutation
from schema.seo.routing import RoutingQuery
from schema.seo.sitemap import SitemapQuery
from schema.seo.types import SiteQuery


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Refetch any object by its global ID (Relay).")
    async def node(
        self,
        info: Info,
        id: Annotated[  # Relay names it `id`
            strawberry.ID,
            strawberry.argument(description="A global ID from any object's `id` field."),
        ],
    ) -> Node | None:
        type_name, database_id = from_global_id(id)
        loaders = info.context.loaders
        found = {
            "Article": (loaders.article_by_id, Article.from_row),
            "Author": (loaders.author_by_id, lambda r, i: Author.from_row(r, i)),
            "Category": (loaders.category_by_id, lambda r, i: Category.from_row(r, i)),
            "Tag": (loaders.tag_by_id, lambda r, i: Tag.from_row(r, i)),
        }.get(type_name)
        if type_name == "MediaAsset":
            asset = await loaders.media_asset_by_id.load(database_id)
            return MediaAsset.from_row(asset) if asset is not None else None
        if found is None:  # an ID of something that is not a Node (a revision)
            return None
        loader, convert = found
        row = await loader.load(database_id)
        return convert(row, info) if row is not None else None


Query = merge_types(
    "Query",
    (
        NodeQuery,
        ArticleQuery,
        AuthorQuery,
        TaxonomyQuery,
        AuthQuery,
        WebhookQuery,
        # SEO
        SiteQuery,
        RoutingQuery,
        SitemapQuery,
        AuditQuery,
        TrashQuery,
        SearchQuery,
        MediaQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        ArticleMutation,
        AuthorMutation,
        TaxonomyMutation,
        TranslationMutation,
        RedirectMutation,
        AuthMutation,
        WebhookMutation,
        RevisionMutation,
        MediaMutation,
    ),
)
# merge_types takes no description; the docs explorer opens on these texts.
get_object_definition(Query, strict=True).description = (
    "Entry points for reading content: look objects up by slug, global ID or path, or page "
    "through lists with cursors."
)
get_object_definition(Mutation, strict=True).description = (
    "Entry points for writing content. Send an API token (Authorization: Bearer <token>); "
    "each mutation returns a payload union of its success type and typed errors."
)


class GatewaySchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """The extensions' hooks run by ``HookRunner`` (same semantics, a fraction of the
        cost per request)."""
        return HookRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Strawberry logs every error at ERROR level; the HTTP layer already logs unexpected
        ones with their request id and traceback, and a client's bad query is no server error."""


def build_schema(**options: Any) -> strawberry.Schema:
    """The schema; ``options`` pass extensions (as classes or factories) and config flags."""
    config = StrawberryConfig(disable_field_suggestions=options.pop("no_suggestions", False))
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Article, Author, Category, Tag, MediaAsset],
        config=config,
        execution_context_class=CompiledExecutor,
        **options,
    )


def export_sdl() -> str:
    """The SDL committed as ``schema.graphql``."""
    return build_schema().as_str() + "\n"


__all__ = ["Context", "build_schema", "export_sdl"]
