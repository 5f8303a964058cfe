import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, parse, printSchema, validate, specifiedRules, getIntrospectionQuery, lexicographicSortSchema, type ValidationRule } from 'graphql';
import { schema } from '../../schema/index.ts';
import { committedSchema, printedSchema } from '../../schema/print-schema.ts';
import { loadConfig } from '../../src/config.ts';
import { useOperationLimits } from '../../src/graphql/protection.ts';

/** The defaults: the SDK's own operations must fit them. */
const OPERATION_LIMITS = loadConfig({}).graphqlLimits;

const persistedDocuments = JSON.parse(readFileSync(new URL('../../client/generated/persisted-documents.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;

/** The validation rules useOperationLimits adds, collected from its envelop hook. */
function limitRules(): ValidationRule[] {
  const rules: ValidationRule[] = [];
  const plugin = useOperationLimits(OPERATION_LIMITS) as { onValidate: (payload: { addValidationRule: (rule: ValidationRule) => void }) => void };
  plugin.onValidate({ addValidationRule: (rule) => rules.push(rule) });
  return rules;
}

describe('the GraphQL contract', () => {
  test('the committed schema/schema.graphql is what the Pothos schema prints (run npm run schema:print when this fails)', () => {
    assert.equal(committedSchema(), printedSchema());
  });

  test('the committed SDL builds and describes the same schema', () => {
    const fromFile = buildSchema(committedSchema()!);
    assert.equal(printSchema(lexicographicSortSchema(fromFile)), printSchema(lexicographicSortSchema(schema)));
  });

  test('every generated client operation is valid against the schema and within the operation limits', () => {
    const rules = [...specifiedRules, ...limitRules()];
    assert.ok(Object.keys(persistedDocuments).length >= 12);
    for (const [hash, text] of Object.entries(persistedDocuments)) {
      const errors = validate(schema, parse(text, { maxTokens: OPERATION_LIMITS.maxTokens }), rules);
      assert.deepEqual(errors.map((e) => e.message), [], hash);
    }
  });

  test('the introspection query that GraphiQL and codegen send is within the operation limits', () => {
    const document = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), { maxTokens: OPERATION_LIMITS.maxTokens });
    assert.deepEqual(validate(schema, document, limitRules()), []);
  });

  test('output fields are non-null unless marked optional, and the optional ones are the documented optional values', () => {
    const task = schema.getType('Task') as import('graphql').GraphQLObjectType;
    const nullable = Object.values(task.getFields())
      .filter((field) => !String(field.type).endsWith('!'))
      .map((field) => field.name)
      .sort();
    assert.deepEqual(nullable, ['configFileName', 'error', 'finishedAt', 'flux', 'processingTimeSeconds', 'progress', 'runDirectory', 'startedAt']);
  });
});
