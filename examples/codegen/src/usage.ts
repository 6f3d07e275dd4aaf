// Type-checks against the generated types: `npm run typecheck` fails if an operation and the
// schema disagree with how the code uses the result.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  ArticlePageDocument,
  type ArticlePageQuery,
  HomePageDocument,
  type HomePageQuery,
  type HomePageQueryVariables,
} from "./gql/graphql.js";

export const firstPage: HomePageQueryVariables = { first: 5 };

export function teaserTitles(data: HomePageQuery): string[] {
  return data.articles.edges.map((edge) => edge.node.title);
}

export function nextCursor(data: HomePageQuery): string | null | undefined {
  return data.articles.pageInfo.hasNextPage ? data.articles.pageInfo.endCursor : null;
}

export function headTitle(data: ArticlePageQuery): string | undefined {
  // `article` is nullable: an unknown or unpublished slug answers null.
  return data.article?.seo.title;
}

// Typed documents carry their result and variables types to Apollo's useQuery / urql's useQuery.
export const documents: [
  TypedDocumentNode<HomePageQuery, HomePageQueryVariables>,
  TypedDocumentNode<ArticlePageQuery, { slug: string }>,
] = [HomePageDocument, ArticlePageDocument];

export function misspelt(data: HomePageQuery): unknown {
  // @ts-expect-error -- `titel` is no field of Article: the generated types are exact.
  return data.articles.edges[0]?.node.titel;
}
