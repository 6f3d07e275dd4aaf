// graphql-codegen for the content gateway: types for every operation in examples/operations,
// generated from the committed contract (schema.graphql). Run: npm run codegen
import type { CodegenConfig } from "@graphql-codegen/cli";

const scalars = { DateTime: "string" }; // ISO-8601 with time zone, as the API sends it

const config: CodegenConfig = {
  schema: "../../schema.graphql", // or the running gateway: "http://127.0.0.1:8000/graphql"
  documents: ["../operations/*.graphql"],
  ignoreNoDocuments: false, // no documents found is a mistake, not an empty output
  emitLegacyCommonJSImports: false, // "./graphql.js" imports, as Node's ES modules need
  generates: {
    // Typed document nodes for Apollo Client, urql and graphql-request, plus a persisted
    // documents manifest (sha256 -> document) for the gateway's allow-list.
    "src/gql/": {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" },
      },
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
