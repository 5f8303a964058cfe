/** Turns the committed SDL (schema/schema.graphql) and the documents in client/operations into the typed client in client/generated. */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['client/**/*.ts', '!client/generated/**'],
  ignoreNoDocuments: true,
  importExtension: '.js',
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { ID: 'string', DateTime: 'string', File: { input: 'File', output: 'never' } },
      },
    },
  },
};

export default config;
