// Runs the documented clients against a running gateway and prints what they got, as JSON:
//   npm run build && npm run smoke -- http://127.0.0.1:8000/graphql
import { createApolloClient } from "./apollo.js";
import { HomePageDocument } from "./gql/graphql.js";
import { createUrqlClient } from "./urql.js";

const uri = process.argv[2];
if (!uri) throw new Error("usage: node build/src/smoke.js <graphql endpoint URL>");

const apollo = createApolloClient(uri);
const apolloResult = await apollo.query({ query: HomePageDocument, variables: { first: 3 } });
// A second query with the same document: APQ sends only the hash now.
const apolloAgain = await apollo.query({
  query: HomePageDocument,
  variables: { first: 2 },
  fetchPolicy: "network-only",
});

const urql = createUrqlClient(uri);
const urqlResult = await urql.query(HomePageDocument, { first: 3 }).toPromise();
if (urqlResult.error) throw urqlResult.error;

console.log(
  JSON.stringify({ apollo: apolloResult.data, apolloAgain: apolloAgain.data, urql: urqlResult.data }),
);
