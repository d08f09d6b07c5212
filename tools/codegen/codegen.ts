// A frontend's typed client: GraphQL Code Generator's client preset over the client API schema and the
// operations in schema/operations. `npm run generate` writes it to gql/ (not committed; regenerate instead).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/api.graphql",
  documents: ["../../schema/operations/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "gql/": {
      preset: "client",
      config: {
        // Every custom scalar must be mapped (strictScalars), as its @specifiedBy spec says it arrives in JSON.
        strictScalars: true,
        scalars: {
          DateTime: "string", // RFC 3339 text with offset; `new Date(value)` parses it
          JSON: "unknown", // any JSON value (ECMA-404)
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
