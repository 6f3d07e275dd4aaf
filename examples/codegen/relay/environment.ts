// A Relay environment for the content gateway. Queries go out as GETs naming a persisted
// document (`doc_id`, written by relay-compiler's persistConfig and imported into the gateway
// with `content-gateway persisted import relay/persisted-queries.json`); mutations are POSTs.
import {
  Environment,
  Network,
  RecordSource,
  type RequestParameters,
  Store,
  type Variables,
} from "relay-runtime";

export function createRelayEnvironment(url: string, getToken: () => string | null = () => null) {
  async function fetchGraphQL(params: RequestParameters, variables: Variables) {
    const token = getToken();
    const headers: Record<string, string> = {
      accept: "application/graphql-response+json, application/json",
      "graphql-preflight": "1", // the gateway's CSRF rule: GETs force a CORS preflight
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const document: Record<string, string> =
      params.id != null ? { doc_id: params.id } : { query: params.text ?? "" };
    let response: Response;
    if (params.operationKind === "query") {
      const query = new URLSearchParams({ ...document, variables: JSON.stringify(variables) });
      response = await fetch(`${url}?${query}`, { headers });
    } else {
      response = await fetch(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ ...document, variables }),
      });
    }
    return response.json();
  }

  return new Environment({ network: Network.create(fetchGraphQL), store: new Store(new RecordSource()) });
}
