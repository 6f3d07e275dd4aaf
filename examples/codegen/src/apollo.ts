// Apollo Client 4 for the content gateway: automatic persisted queries over GET (cacheable by
// browsers and CDNs), an optional API token, and cursor pagination merged by the cache.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";

// Web Crypto: in browsers and in Node >= 20, no extra package needed.
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function createApolloClient(uri: string, getToken: () => string | null = () => null) {
  // Send the header only with a token: an empty or invalid one is UNAUTHENTICATED, not anonymous.
  const auth = new SetContextLink((previous) => {
    const token = getToken();
    return token ? { headers: { ...previous.headers, authorization: `Bearer ${token}` } } : {};
  });
  const persisted = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });
  return new ApolloClient({
    link: ApolloLink.from([
      auth,
      persisted,
      // GETs must carry a preflight-forcing header (the gateway's CSRF prevention).
      new HttpLink({ uri, headers: { "GraphQL-Preflight": "1" } }),
    ]),
    cache: new InMemoryCache({
      // Interfaces of schema.graphql (generate with @graphql-codegen/fragment-matcher).
      possibleTypes: { Node: ["Article", "Author", "Category", "Tag"], Term: ["Category", "Tag"] },
      typePolicies: {
        // One cached list per filter and order; pages fetched with `after` are appended.
        Query: { fields: { articles: relayStylePagination(["filter", "orderBy"]) } },
        Author: { fields: { articles: relayStylePagination() } },
        Category: { fields: { articles: relayStylePagination() } },
        Tag: { fields: { articles: relayStylePagination() } },
      },
    }),
  });
}
