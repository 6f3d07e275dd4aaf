// urql for the content gateway (the `urql` package re-exports @urql/core for React): automatic
// persisted queries over GET and an optional API token.
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";

export function createUrqlClient(url: string, getToken: () => string | null = () => null) {
  return new Client({
    url,
    preferGetMethod: "within-url-limit",
    exchanges: [
      cacheExchange,
      persistedExchange({ preferGetForPersistedQueries: true }), // hashes with Web Crypto
      fetchExchange,
    ],
    fetchOptions: () => {
      const token = getToken();
      // GETs must carry a preflight-forcing header (the gateway's CSRF prevention).
      const headers: Record<string, string> = { "GraphQL-Preflight": "1" };
      if (token) headers.authorization = `Bearer ${token}`;
      return { headers };
    },
  });
}
