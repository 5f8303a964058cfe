/**
 * The one Pothos builder: plugins, scalars and the context every resolver gets. Types live in schema/types/*, each
 * with its own queries, mutations and subscriptions.
 *
 * Output fields are non-null unless a field says `nullable: true` (decided before the first schema was committed).
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import type { AppServices } from '../src/app-services.js';
import type { Lang as Language } from '../src/domain/language.js';
import { ReceivedFile } from '../src/domain/upload-service.js';

/** Messages of typed errors follow the request's Accept-Language as REST's do (src/domain/language.ts). */
export type { Lang as Language } from '../src/domain/language.js';

export interface GraphqlContext {
  services: AppServices;
  language: Language;
}

export const builder = new SchemaBuilder<{
  Context: GraphqlContext;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    File: { Input: ReceivedFile; Output: never };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Task ids are the REST API's UUIDs, not Relay global ids, so there is no Node interface or node(id) query.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

const invalidDateTime = (value: unknown) =>
  new GraphQLError(`DateTime must be an ISO 8601 date-time string, got ${JSON.stringify(value)}`, { extensions: { code: 'BAD_USER_INPUT' } });

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) throw invalidDateTime(value);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidDateTime(value);
  return date;
}

builder.scalarType('DateTime', {
  description: 'A point in time as an ISO 8601 string in UTC with milliseconds, e.g. `2026-01-14T10:33:29.961Z`.',
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(value as string | number);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('File', {
  description:
    'A file sent with the GraphQL multipart request spec (operations, map, then the file parts). Input only. The server streams it to disk.',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  // Only the multipart reader makes these (src/graphql/streaming-uploads.ts): a JSON variable never passes for a file.
  parseValue: (value) => {
    if (value instanceof ReceivedFile) return value;
    throw new GraphQLError('File must be sent as a part of a multipart request (GraphQL multipart request spec)', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value, passed through as it is (used for WIS2 filters, which the service validates).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
