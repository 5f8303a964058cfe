/**
 * The bounds that are settings, set low: GraphQL tokens, depth and aliases (GASFLUX_GRAPHQL_MAX_*), over HTTP and
 * websockets, and multipart parts (GASFLUX_MAX_FORM_PARTS) on REST and GraphQL uploads. Each refusal names the bound.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { useTestApp } from '../helpers/app-harness.ts';
import { assertStillServing, multipartBuffer } from '../rest/rest-helpers.ts';

const LIMITS = { GASFLUX_GRAPHQL_MAX_TOKENS: '200', GASFLUX_GRAPHQL_MAX_DEPTH: '3', GASFLUX_GRAPHQL_MAX_ALIASES: '2', GASFLUX_MAX_FORM_PARTS: '3' };
const DEPTH_4 = '{ tasks(first: 1) { edges { node { id } } } }';

describe('limits set by their settings', () => {
  const running = useTestApp({ role: 'api', env: LIMITS });
  const graphql = async (query: string) => {
    const res = await fetch(`${running().url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  };

  test('GASFLUX_GRAPHQL_MAX_DEPTH: depth 4 is refused, depth 3 runs', async () => {
    const deep = await graphql(DEPTH_4);
    assert.equal(deep.data, undefined);
    assert.equal(deep.errors?.[0].extensions?.code, 'QUERY_TOO_DEEP');
    assert.match(deep.errors![0].message, /Query depth limit of 3 exceeded, found 4/);
    const ok = await graphql('{ tasks(first: 1) { totalCount pageInfo { hasNextPage } } }');
    assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
  });

  test('GASFLUX_GRAPHQL_MAX_ALIASES: three aliases are refused, two run', async () => {
    const many = await graphql('{ a: health { status } b: health { status } c: health { status } }');
    assert.equal(many.errors?.[0].extensions?.code, 'TOO_MANY_ALIASES');
    assert.match(many.errors![0].message, /Aliases limit of 2 exceeded, found 3/);
    const two = await graphql('{ a: health { status } b: health { status } }');
    assert.equal(two.errors, undefined, JSON.stringify(two.errors));
  });

  test('GASFLUX_GRAPHQL_MAX_TOKENS: an operation of more than 200 tokens is refused', async () => {
    const long = await graphql(`{ ${Array.from({ length: 201 }, () => '__typename').join(' ')} }`);
    assert.equal(long.data, undefined);
    assert.match(JSON.stringify(long.errors), /contains more th\w+ 200 tokens/);
  });

  test('the operation limits hold over graphql-ws too', async () => {
    const client = createClient({ url: running().url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const result = await new Promise<{ errors?: unknown }>((resolve, reject) => {
        client.subscribe({ query: DEPTH_4 }, { next: resolve, error: (errors) => resolve({ errors }), complete: () => reject(new Error('completed without an answer')) });
      });
      assert.match(JSON.stringify(result.errors), /Query depth limit of 3 exceeded, found 4/);
    } finally {
      await client.dispose();
    }
  });

  test('GASFLUX_MAX_FORM_PARTS on POST /upload: a fourth part is a 400 naming the bound, and nothing is stored', async () => {
    const { contentType, body } = await multipartBuffer([
      { name: 'priority', content: 'normal' },
      { name: 'note', content: 'x' },
      { name: 'other', content: 'y' },
      { name: 'file', filename: 'flight.csv', contentType: 'text/csv', content: 'latitude,longitude\n1,2\n' },
    ]);
    const res = await fetch(`${running().url}/upload`, { method: 'POST', headers: { 'content-type': contentType, 'accept-language': 'en' }, body: new Uint8Array(body) });
    const json = (await res.json()) as { code: number; message: string };
    assert.equal(res.status, 400);
    assert.match(json.message, /at most 3 parts .*GASFLUX_MAX_FORM_PARTS/);
    const tasks = await graphql('{ tasks(first: 1) { totalCount } }');
    assert.deepEqual(tasks.data, { tasks: { totalCount: 0 } });
    await assertStillServing(running().url);
  });

  test('GASFLUX_MAX_FORM_PARTS on a GraphQL upload: operations, map and two files are a 400 naming the bound', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!, $c: Upload) { uploadFlight(file: $f, config: $c) { __typename } }', variables: { f: null, c: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'], 1: ['variables.c'] }));
    form.append('0', new Blob(['latitude\n1\n']), 'a.csv');
    form.append('1', new Blob(['strategies: {}\n']), 'c.yaml');
    const res = await fetch(`${running().url}/graphql`, { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1' }, body: form });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /At most 3 multipart parts per request \(GASFLUX_MAX_FORM_PARTS\)/);
  });
});
