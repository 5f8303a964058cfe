/**
 * /graphql under the documented default GASFLUX_CORS_ORIGINS = ["*"]: any origin may read, but a page on another
 * site may neither POST operations (mutations, uploads) nor open a graphql-ws socket (which would let it run
 * mutations without any CORS check). Clients without Origin and this service's own pages are not affected.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { print } from 'graphql';
import WebSocket from 'ws';
import { useTestApp } from '../helpers/app-harness.ts';
import { CSRF_HEADER, expectData, graphqlRequest, graphqlUpload } from './graphql-test-client.ts';
import { HealthQuery, ResetStatsMutation } from '../../client/operations/system.ts';
import { UploadFlightMutation } from '../../client/operations/upload.ts';

const EVIL = 'https://evil.example';

interface Handshake {
  status: number;
  body: string;
  socket?: WebSocket;
}

/** Opens a graphql-transport-ws socket with the given headers: the 101 (socket open) or the refusal and its body. */
function handshake(url: string, headers: Record<string, string>): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    socket.once('open', () => resolve({ status: 101, body: '', socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => reject(error));
  });
}

describe('/graphql and the Origin of writes and websockets (default CORS "*")', () => {
  const running = useTestApp({ role: 'api' });
  const self = () => `http://127.0.0.1:${running().port}`;

  test('a mutation POSTed from another site is a 403 with a GraphQL error ORIGIN_NOT_ALLOWED', async () => {
    const { status, body } = await graphqlRequest(running().url, ResetStatsMutation, undefined, { origin: EVIL });
    assert.equal(status, 403);
    assert.equal(body.data, undefined);
    assert.equal(body.errors?.[0]?.extensions?.code, 'ORIGIN_NOT_ALLOWED');
    assert.equal(body.errors?.[0]?.extensions?.origin, EVIL);
    assert.match(body.errors![0].message, /不接受来自 https:\/\/evil\.example 的修改请求/);
    const en = await graphqlRequest(running().url, ResetStatsMutation, undefined, { origin: EVIL, 'accept-language': 'en' });
    assert.match(en.body.errors![0].message, /not accepted from origin https:\/\/evil\.example/);
  });

  test('a multipart upload from another site is refused even with the CSRF header', async () => {
    const { status, body } = await graphqlUpload(
      running().url,
      UploadFlightMutation,
      { file: null as never },
      [{ path: 'variables.file', filename: 'flight.xlsx', content: 'PK' }],
      { [CSRF_HEADER]: '1', origin: EVIL },
    );
    assert.equal(status, 403);
    assert.equal(body.errors?.[0]?.extensions?.code, 'ORIGIN_NOT_ALLOWED');
  });

  test('other sites may still read with GET; no Origin and the own origin may POST anything', async () => {
    const get = await fetch(`${running().url}/graphql?query=${encodeURIComponent(print(HealthQuery))}`, {
      headers: { origin: EVIL, [CSRF_HEADER]: '1', accept: 'application/graphql-response+json' },
    });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), EVIL);
    assert.ok((await get.json()).data.health);

    await expectData(running().url, ResetStatsMutation);
    await expectData(running().url, ResetStatsMutation, undefined, { origin: self() });
  });

  test('a graphql-ws socket from another site is refused with 403 ORIGIN_NOT_ALLOWED before the handshake', async () => {
    const refused = await handshake(running().url, { origin: EVIL });
    assert.equal(refused.status, 403);
    const error = JSON.parse(refused.body).errors[0];
    assert.equal(error.extensions.code, 'ORIGIN_NOT_ALLOWED');
    assert.equal(error.extensions.origin, EVIL);
  });

  test('graphql-ws sockets without Origin or from the own origin open', async () => {
    for (const headers of [{}, { origin: self() }] as Record<string, string>[]) {
      const opened = await handshake(running().url, headers);
      assert.equal(opened.status, 101, JSON.stringify(headers));
      const closed = new Promise((resolve) => opened.socket!.once('close', resolve));
      opened.socket!.close();
      await closed;
    }
  });
});
