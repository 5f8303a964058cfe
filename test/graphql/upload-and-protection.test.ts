/**
 * uploadFlight's refusals (typed errors, nothing left on disk), the upload size limit (413, the process keeps serving),
 * and the protections of /graphql: CSRF header, CORS origins, WebSocket origins, body and operation limits.
 * The service runs with GASFLUX_MAX_CONTENT_LENGTH = 1 MiB and one allowed origin.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { eventually, useTestApp } from '../helpers/app-harness.ts';
import { syntheticFlight } from '../helpers/synthetic-flight.ts';
import { tableToWorkbookBuffer } from '../helpers/table-files.ts';
import { collect, CSRF_HEADER, expectData, graphqlRequest, graphqlUpload, multipartBody, wsClient, type UploadPart } from './graphql-test-client.ts';
import { UploadFlightMutation } from '../../client/operations/upload.ts';
import { HealthQuery } from '../../client/operations/system.ts';
import { TaskEventsSubscription, TaskQuery } from '../../client/operations/task.ts';

const MAX_BYTES = 1024 * 1024;
const ALLOWED_ORIGIN = 'https://gasflux.example';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Every file under a folder, relative to it (empty folders do not count). */
function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [relative(root, path)];
    });
  return walk(root);
}

describe('uploadFlight refusals, upload limits and the protections of /graphql', () => {
  const running = useTestApp({ role: 'api', env: { GASFLUX_MAX_CONTENT_LENGTH: String(MAX_BYTES), GASFLUX_CORS_ORIGINS: ALLOWED_ORIGIN } });
  const flight = tableToWorkbookBuffer(syntheticFlight({ seed: 7 }).table, 'xlsx');
  const uploadWith = (files: UploadPart[], headers?: Record<string, string>) =>
    graphqlUpload(running().url, UploadFlightMutation, { file: null as never, config: files.length > 1 ? (null as never) : undefined }, files, headers);
  const data = (filename: string, content: Uint8Array | string, type = XLSX_TYPE): UploadPart => ({ path: 'variables.file', filename, content, type });
  const config = (filename: string, content: string): UploadPart => ({ path: 'variables.config', filename, content, type: 'application/yaml' });

  describe('refused uploads are typed errors and leave nothing on disk', () => {
    test('a data file that is not .xlsx or .xls is an InvalidFileTypeError for the file part', async () => {
      const { status, body } = await uploadWith([data('flight.csv', 'latitude,longitude\n1,2\n', 'text/csv')]);
      assert.equal(status, 200);
      const result = body.data?.uploadFlight;
      assert.ok(result?.__typename === 'InvalidFileTypeError');
      assert.equal(result.part, 'file');
      assert.deepEqual(result.allowedExtensions, ['.xlsx', '.xls']);
      assert.equal(result.message, '无效的数据文件类型。只允许 .xlsx 和 .xls 格式。');
      assert.deepEqual(filesUnder(running().config.uploadFolder), []);
    });

    test('a text file renamed to .xlsx is a NotASpreadsheetError', async () => {
      const { body } = await uploadWith([data('renamed.xlsx', 'latitude,longitude\n1,2\n'.repeat(100))], { [CSRF_HEADER]: '1', 'accept-language': 'en' });
      const result = body.data?.uploadFlight;
      assert.ok(result?.__typename === 'NotASpreadsheetError', JSON.stringify(body));
      assert.equal(result.message, 'The data file is not an Excel workbook (.xlsx or .xls).');
      assert.deepEqual(filesUnder(running().config.uploadFolder), []);
    });

    test('an empty data file is an EmptyFileError', async () => {
      const { body } = await uploadWith([data('empty.xlsx', '')]);
      assert.equal(body.data?.uploadFlight.__typename, 'EmptyFileError');
      assert.deepEqual(filesUnder(running().config.uploadFolder), []);
    });

    test('a config that is not .yaml or .yml is an InvalidFileTypeError for the config part', async () => {
      const { body } = await uploadWith([data('good.xlsx', flight), config('config.txt', 'strategies: {}\n')]);
      const result = body.data?.uploadFlight;
      assert.ok(result?.__typename === 'InvalidFileTypeError');
      assert.equal(result.part, 'config');
      assert.deepEqual(result.allowedExtensions, ['.yaml', '.yml']);
      assert.equal(result.message, '无效的配置文件类型。只允许 .yaml 和 .yml 格式。');
      assert.deepEqual(filesUnder(running().config.uploadFolder), []);
    });

    test('a config with a bad value is an InvalidConfigError whose reason names the key', async () => {
      const { body } = await uploadWith([data('good.xlsx', flight), config('config.yaml', 'strategies:\n  interpolation: nearest-guess\n')]);
      const result = body.data?.uploadFlight;
      assert.ok(result?.__typename === 'InvalidConfigError', JSON.stringify(body));
      assert.match(result.reason, /interpolation/);
      assert.ok(result.message.includes(result.reason));
      assert.deepEqual(filesUnder(running().config.uploadFolder), []);
    });

    test('a good upload under the limit is stored and queued, and the request staging is cleaned up', async () => {
      const { body } = await uploadWith([data('good.xlsx', flight), config('config.yml', 'strategies:\n  background: algorithmic\n')]);
      const result = body.data?.uploadFlight;
      assert.ok(result?.__typename === 'UploadFlightSuccess', JSON.stringify(body));
      const id = result.task.id;
      assert.equal(result.task.status, 'pending');
      assert.deepEqual(filesUnder(running().config.uploadFolder).sort(), [`${id}/config-config.yml`, `${id}/good.xlsx`]);
      assert.equal((await expectData(running().url, TaskQuery, { id })).task?.inputSize, flight.length);
    });
  });

  describe('the size limit (GASFLUX_MAX_CONTENT_LENGTH)', () => {
    test('an upload whose Content-Length is over the limit is refused with 413 before it is read', async () => {
      const before = filesUnder(running().config.uploadFolder);
      const big = Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(2 * MAX_BYTES + MAX_BYTES / 2)]);
      const response = await uploadWith([data('big.xlsx', big)]);
      assert.equal(response.status, 413);
      assert.equal(response.body.errors?.[0]?.extensions?.code, 'REQUEST_ENTITY_TOO_LARGE');
      assert.equal(response.body.errors?.[0]?.message, '文件过大。最大尺寸为 1MB。');
      assert.deepEqual(filesUnder(running().config.uploadFolder), before);
    });

    test('a chunked upload (no Content-Length) that goes over the limit is refused with 413 and its partial file removed', async () => {
      const before = filesUnder(running().config.uploadFolder);
      const big = Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(MAX_BYTES + 200_000)]);
      const form = multipartBody(UploadFlightMutation, { file: null as never }, [data('big.xlsx', big)]);
      const encoded = new Response(form);
      const payload = Buffer.from(await encoded.arrayBuffer());
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request(`${running().url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': encoded.headers.get('content-type')!, 'transfer-encoding': 'chunked', [CSRF_HEADER]: '1' },
        });
        request.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: text }));
        });
        request.on('error', reject);
        for (let offset = 0; offset < payload.length; offset += 64 * 1024) request.write(payload.subarray(offset, offset + 64 * 1024));
        request.end();
      });
      assert.equal(status, 413, body);
      assert.equal(JSON.parse(body).errors[0].extensions.code, 'REQUEST_ENTITY_TOO_LARGE');
      assert.deepEqual(filesUnder(running().config.uploadFolder), before);
    });

    test('a client that goes away in the middle of an upload leaves no partial file behind', async () => {
      const before = filesUnder(running().config.uploadFolder);
      const form = multipartBody(UploadFlightMutation, { file: null as never }, [data('half.xlsx', Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(600_000)]))]);
      const encoded = new Response(form);
      const payload = Buffer.from(await encoded.arrayBuffer());
      const request = http.request(`${running().url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': encoded.headers.get('content-type')!, 'content-length': String(payload.length), [CSRF_HEADER]: '1' },
      });
      request.on('error', () => {});
      request.write(payload.subarray(0, 400_000));
      await eventually(async () => (filesUnder(join(running().config.uploadFolder, '.incoming')).length > 0 ? true : undefined), 5000, 'the part being staged');
      request.destroy();
      await eventually(async () => (filesUnder(running().config.uploadFolder).length === before.length ? true : undefined), 5000, 'the partial file to go');
      assert.deepEqual(filesUnder(running().config.uploadFolder), before);
    });

    test('after refused uploads the service keeps serving', async () => {
      const { health } = await expectData(running().url, HealthQuery);
      assert.deepEqual(health.storage, { uploadsWritable: true, outputsWritable: true, databaseReachable: true });
    });

    test('a JSON operation body over 1 MiB is refused with 413', async () => {
      const response = await fetch(`${running().url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ health { status } }', variables: { padding: 'x'.repeat(1024 * 1024 + 10) } }),
      });
      assert.equal(response.status, 413);
    });
  });

  describe('protections', () => {
    test('a multipart POST without the CSRF header is refused with 403 and nothing is stored', async () => {
      const before = filesUnder(running().config.uploadFolder);
      const response = await uploadWith([data('good.xlsx', flight)], {});
      assert.equal(response.status, 403);
      assert.equal(response.body.errors?.[0]?.extensions?.code, 'CSRF_HEADER_REQUIRED');
      assert.equal(response.body.errors?.[0]?.extensions?.header, CSRF_HEADER);
      assert.deepEqual(filesUnder(running().config.uploadFolder), before);
    });

    test('an upload sent as apollo-upload-client users are told to (apollo-require-preflight) is accepted, as is x-apollo-operation-name', async () => {
      for (const header of ['apollo-require-preflight', 'x-apollo-operation-name']) {
        const response = await uploadWith([data(`${header}.xlsx`, flight)], { [header]: 'true' });
        assert.equal(response.status, 200, `${header}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.data?.uploadFlight?.__typename, 'UploadFlightSuccess', header);
      }
      const refused = await uploadWith([data('none.xlsx', flight)], { 'accept-language': 'en' });
      assert.match(refused.body.errors?.[0]?.message ?? '', /x-graphql-yoga-csrf \(or apollo-require-preflight\)/);
    });

    test('a GET query or a form-encoded POST needs the CSRF header; a JSON POST (always preflighted) does not', async () => {
      const query = encodeURIComponent('{ health { status } }');
      assert.equal((await fetch(`${running().url}/graphql?query=${query}`)).status, 403);
      assert.equal((await fetch(`${running().url}/graphql?query=${query}`, { headers: { [CSRF_HEADER]: '1' } })).status, 200);
      const form = await fetch(`${running().url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `query=${query}`,
      });
      assert.equal(form.status, 403);
      assert.equal((await graphqlRequest(running().url, HealthQuery)).status, 200);
    });

    test('CORS answers with the configured origin only', async () => {
      const preflight = (origin: string) =>
        fetch(`${running().url}/graphql`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': `content-type,${CSRF_HEADER}` },
        });
      const allowed = await preflight(ALLOWED_ORIGIN);
      assert.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
      const foreign = await preflight('https://evil.example');
      assert.notEqual(foreign.headers.get('access-control-allow-origin'), 'https://evil.example');
    });

    test('a WebSocket from a foreign origin is refused; from the configured origin it subscribes', async () => {
      const foreign = wsClient(running().url, { headers: { origin: 'https://evil.example' } });
      await assert.rejects(collect(foreign, TaskEventsSubscription, {}, { timeoutMs: 5000 }), (error: { message?: string }) => {
        assert.match(String(error.message), /Unexpected server response: 403/);
        return true;
      });
      await foreign.dispose();

      const allowed = wsClient(running().url, { headers: { origin: ALLOWED_ORIGIN } });
      const connected = new Promise<void>((resolve) => allowed.on('connected', () => resolve()));
      const subscription = allowed.iterate({ query: print(TaskEventsSubscription) });
      const first = subscription.next();
      await connected;
      await subscription.return?.();
      await first;
      await allowed.dispose();
    });

    test('operations with too many aliases or tokens are refused before they run', async () => {
      const aliases = Array.from({ length: 31 }, (_, i) => `h${i}: health { status }`).join(' ');
      const tooManyAliases = await fetch(`${running().url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ ${aliases} }` }),
      });
      const aliasesBody = await tooManyAliases.json();
      assert.equal(aliasesBody.data, undefined);
      assert.match(JSON.stringify(aliasesBody.errors), /Aliases limit of 30 exceeded, found 31/);

      const fields = Array.from({ length: 6000 }, () => '__typename').join(' ');
      const tooManyTokens = await fetch(`${running().url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ ${fields} }` }),
      });
      const tokensBody = await tooManyTokens.json();
      assert.equal(tokensBody.data, undefined);
      assert.match(JSON.stringify(tokensBody.errors), /contains more th\w+ 5000 tokens/);
    });

    test('a multipart request that breaks the multipart spec is a 400', async () => {
      const missingPart = new FormData();
      missingPart.append('operations', JSON.stringify({ query: print(UploadFlightMutation), variables: { file: null } }));
      missingPart.append('map', JSON.stringify({ 0: ['variables.file'] }));
      const response = await fetch(`${running().url}/graphql`, { method: 'POST', headers: { [CSRF_HEADER]: '1' }, body: missingPart });
      assert.equal(response.status, 400);
      assert.match(JSON.stringify(await response.json()), /not sent/);

      const badPath = multipartBody(UploadFlightMutation, { file: null as never }, [{ ...data('good.xlsx', flight), path: 'variables.__proto__.x' }]);
      const refused = await fetch(`${running().url}/graphql`, { method: 'POST', headers: { [CSRF_HEADER]: '1' }, body: badPath });
      assert.equal(refused.status, 400);
      assert.deepEqual(filesUnder(join(running().config.uploadFolder, '.incoming')), []);
    });
  });
});
