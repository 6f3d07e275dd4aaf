"""The site-wide SEO report for editors: articles with their audit findings."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.seo import audit
from schema.content.nodes import Article
from schema.context import Info
from schema.permissions import IsEditor
from schema.relay import Connection
from schema.seo.types import SeoFinding, SeoSeverity


@strawberry.type(description="An article and what the SEO audit found on it.")
class SeoReportItem:
    article: Article = strawberry.field(description="The audited article.")
    findings: list[SeoFinding] = strawberry.field(description="At least one finding.")


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Articles with SEO findings, by id. Editors only (others get FORBIDDEN).",
        permission_classes=[IsEditor],
    )
    async def seo_report(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size (default 10, max 100).")
        ] = 10,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor of the previous page's end.")
        ] = None,
        min_severity: Annotated[
            SeoSeverity,
            strawberry.argument(description="Only findings at least this severe."),
        ] = SeoSeverity.INFO,
    ) -> Connection[SeoReportItem]:
        ctx = info.context
        args = ctx.page(first, after)
        page = await audit.report_page(
            ctx.db, ctx.site, ctx.loaders, ctx.viewer, ctx.now, args, min_severity.name
        )

        async def count() -> int:
            return await audit.report_count(
                ctx.db, ctx.site, ctx.loaders, ctx.viewer, ctx.now, min_severity.name
            )

        return Connection.build(
            page,
            count,
            lambda item: SeoReportItem(
                article=Article.from_row(item[0], info),
                findings=[SeoFinding.of(f) for f in item[1]],
            ),
        )
