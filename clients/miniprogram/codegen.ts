import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for the kit, from the printed schema and the canonical mini-program
 * operations (test/operations, shared with the e2e tests and the benchmarks). Run from the repo
 * root: `npm run codegen:client`. WXSHOP_CODEGEN_OUT lets the drift test generate elsewhere.
 */
const out = process.env.WXSHOP_CODEGEN_OUT ?? 'clients/miniprogram/src/generated/';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    [out]: {
      preset: 'client',
      // Fragments stay unmasked: a page reads order.items straight from the PlaceOrder result.
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents as plain strings: the kit sends text, so `graphql` (the parser) is never bundled.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
