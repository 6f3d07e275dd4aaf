// GraphQL over HTTP for the demo: every query is a GET (cacheable by browsers and CDNs), sent as
// an automatic persisted query (APQ, Apollo's protocol) when the gateway supports it.
//
// APQ: the first GET carries only the document's SHA-256 hash. A gateway that has not seen the
// hash answers PERSISTED_QUERY_NOT_FOUND, and the client repeats the GET with the document, which
// registers it. A gateway without APQ answers the hash-only GET with an error about the missing
// query, or PERSISTED_QUERY_NOT_SUPPORTED; the client then stops trying APQ and sends plain
// GETs with the document.

const ENDPOINT = "/graphql";
const OPERATIONS = "/demo/operations/";

export class GraphQLRequestError extends Error {
  constructor(message, errors = []) {
    super(message);
    this.errors = errors;
  }
}

const documents = new Map();

// "# variables:" / "# headers:" lines are GraphiQL's tab settings, not part of the document.
const META_LINE = /^#\s*(variables|headers):/;

async function loadDocument(file) {
  if (!documents.has(file)) {
    documents.set(
      file,
      (async () => {
        const response = await fetch(OPERATIONS + file);
        if (!response.ok) throw new GraphQLRequestError(`Cannot load ${file}: ${response.status}`);
        const text = (await response.text())
          .split("\n")
          .filter((line) => !META_LINE.test(line.trim()))
          .join("\n")
          .trim();
        // Operations start a line; comments may mention "query" too.
        const name = /^(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)/m.exec(text)[1];
        return { text, name, hash: await sha256Hex(text) };
      })(),
    );
  }
  return documents.get(file);
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function get(params) {
  const url = new URL(ENDPOINT, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) {
      url.searchParams.set(key, typeof value === "string" ? value : JSON.stringify(value));
    }
  }
  const response = await fetch(url, {
    headers: {
      Accept: "application/graphql-response+json, application/json",
      // A GET must carry a header that forces a CORS preflight: the gateway's CSRF rule.
      "GraphQL-Preflight": "1",
    },
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(`The API answered ${response.status} without JSON.`);
  }
  return { status: response.status, body };
}

const codes = (body) => (body.errors || []).map((e) => e.extensions && e.extensions.code);

// "unknown" until the first answer tells whether the gateway speaks APQ.
let apq = "unknown";

export function apqState() {
  return apq;
}

// Run one operation of examples/operations/ and return its data; errors throw.
export async function run(file, variables = {}) {
  const doc = await loadDocument(file);
  const extensions = { persistedQuery: { version: 1, sha256Hash: doc.hash } };
  let result;
  if (apq !== "no") {
    result = await get({ operationName: doc.name, variables, extensions });
    const answer = codes(result.body);
    if (answer.includes("PERSISTED_QUERY_NOT_FOUND")) {
      apq = "yes";
      result = await get({ query: doc.text, operationName: doc.name, variables, extensions });
    } else if (
      answer.includes("PERSISTED_QUERY_NOT_SUPPORTED") ||
      (apq === "unknown" && result.body.data === undefined && result.status >= 400)
    ) {
      apq = "no"; // persisted queries are off (or unknown) there: send documents
      result = null;
    } else {
      apq = "yes";
    }
  }
  if (!result) {
    result = await get({ query: doc.text, operationName: doc.name, variables });
  }
  const { body } = result;
  if (body.errors && body.errors.length) {
    throw new GraphQLRequestError(body.errors.map((e) => e.message).join("; "), body.errors);
  }
  return body.data;
}
