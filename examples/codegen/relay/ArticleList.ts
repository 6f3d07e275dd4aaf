// Relay on the content gateway: a paginated article list (@connection over `articles`) and a
// refetchable teaser (@refetchable on a Node type refetches it through `node(id:)`).
// relay-compiler checks these against schema.graphql: `npm run relay`.
import { graphql } from "relay-runtime";

export const articleListQuery = graphql`
  query ArticleListQuery($first: Int, $after: String) {
    ...ArticleList_query @arguments(first: $first, after: $after)
  }
`;

export const articleListFragment = graphql`
  fragment ArticleList_query on Query
  @refetchable(queryName: "ArticleListPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 10 }, after: { type: "String" }) {
    articles(first: $first, after: $after) @connection(key: "ArticleList_articles") {
      totalCount
      edges {
        node {
          id
          ...ArticleList_teaser
        }
      }
    }
  }
`;

export const articleTeaserFragment = graphql`
  fragment ArticleList_teaser on Article @refetchable(queryName: "ArticleListTeaserRefetchQuery") {
    title
    path
    excerpt
    author {
      name
      path
    }
  }
`;
