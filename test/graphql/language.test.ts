/**
 * One language picker for every way in (src/domain/language.ts): the same Accept-Language gives the same language
 * over REST, GraphQL over HTTP and GraphQL over websockets. A task that does not exist is the outcome asked about
 * (REST 404 `message`, GraphQL TaskNotFoundError `message`), worded from the one domain catalogue.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { print } from 'graphql';
import { randomUUID } from 'node:crypto';
import { useTestApp } from '../helpers/app-harness.ts';
import { graphqlRequest, wsClient } from './graphql-test-client.ts';
import { DeleteTaskMutation } from '../../client/operations/task.ts';
import { DOMAIN_MESSAGES } from '../../src/domain/messages.ts';

const HEADERS: Array<[string | null, 'en' | 'zh']> = [
  [null, 'zh'],
  ['en', 'en'],
  ['EN-gb', 'en'],
  ['fr, en', 'en'],
  ['zh;q=0.2, en', 'en'],
  ['en;q=0.5, zh;q=0.6', 'zh'],
  ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
  ['de, fr', 'zh'],
  ['en;q=0', 'zh'],
];

describe('the language of an answer', () => {
  const testApp = useTestApp();

  for (const [header, expected] of HEADERS) {
    test(`Accept-Language ${header === null ? '(none)' : `'${header}'`} gives ${expected} over REST, GraphQL and websockets`, async () => {
      const headers: Record<string, string> = header === null ? {} : { 'accept-language': header };
      const id = randomUUID();
      const wanted = DOMAIN_MESSAGES.taskNotFound[expected];

      const rest = await fetch(`${testApp().url}/task/${id}`, { headers });
      assert.equal(rest.status, 404);
      assert.equal(((await rest.json()) as { message: string }).message, wanted, 'REST');

      const overHttp = await graphqlRequest(testApp().url, DeleteTaskMutation, { id }, headers);
      const http = overHttp.body.data?.deleteTask as { __typename: string; message?: string } | undefined;
      assert.equal(http?.__typename, 'TaskNotFoundError');
      assert.equal(http?.message, wanted, 'GraphQL over HTTP');

      const client = wsClient(testApp().url, { headers });
      try {
        const overWs = await new Promise<{ data?: { deleteTask?: { __typename: string; message?: string } } }>((resolve, reject) => {
          let result: unknown;
          client.subscribe({ query: print(DeleteTaskMutation), variables: { id } }, {
            next: (value) => (result = value),
            error: reject,
            complete: () => resolve(result as never),
          });
        });
        assert.equal(overWs.data?.deleteTask?.__typename, 'TaskNotFoundError');
        assert.equal(overWs.data?.deleteTask?.message, wanted, 'GraphQL over websockets');
      } finally {
        await client.dispose();
      }
    });
  }
});
