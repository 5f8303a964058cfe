/**
 * GET /openapi (spec wis2-downloader §2.3): a well-formed OpenAPI 3.0 document (every $ref resolves, path parameters
 * declared, unique operationIds, declared tags, valid status codes, required properties defined), carrying the
 * reference's facts, served as JSON on WIS2_PORT, and in step with the router: every documented operation is routed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WIS2_OPENAPI } from '../../src/http/wis2/router.ts';
import { useTestApp } from '../helpers/app-harness.ts';

type Json = Record<string, any>;
const doc = JSON.parse(JSON.stringify(WIS2_OPENAPI)) as Json;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(): { path: string; method: string; op: Json; pathItem: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, pathItem]) =>
    METHODS.filter((m) => pathItem[m]).map((method) => ({ path, method, op: pathItem[method], pathItem })),
  );
}

function resolvePointer(pointer: string): unknown {
  assert.ok(pointer.startsWith('#/'), `only local refs: ${pointer}`);
  return pointer
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, key) => (node && typeof node === 'object' ? node[key] : undefined), doc);
}

describe('the WIS2 OpenAPI document', () => {
  test('is OpenAPI 3.0 with the reference’s facts', () => {
    assert.equal(doc.openapi, '3.0.3');
    assert.equal(doc.info.title, 'WIS2 Downloader API');
    assert.equal(typeof doc.info.version, 'string');
    assert.equal(doc['x-api-id'], 'wis2-downloader-api');
    assert.deepEqual(doc.tags.map((t: Json) => t.name), ['Subscriptions', 'Monitoring']);
    assert.deepEqual(
      operations().map((o) => o.op.operationId).sort(),
      ['createSubscription', 'deleteSubscription', 'getMetrics', 'getOpenAPI', 'getSubscription', 'healthCheck', 'listSubscriptions', 'updateSubscription'],
    );
    for (const name of ['Credentials', 'Subscription', 'SubscriptionDetail', 'SubscriptionRequest', 'Filter', 'FilterRule', 'MatchCondition', 'HealthResponse', 'Error']) {
      assert.ok(doc.components.schemas[name], name);
    }
    for (const name of ['BadRequest', 'NotFound', 'ServiceUnavailable']) assert.ok(doc.components.responses[name], name);
    // The reference's documentation gaps, fixed.
    assert.deepEqual(doc.components.schemas.Subscription.properties.queue.enum, ['high_priority', 'large_files', 'small_files']);
    assert.ok(doc.paths['/subscriptions/{id}'].put.requestBody.content['application/json'].schema.properties.credentials);
    assert.match(doc.components.responses.NotFound.content['application/json'].example.error, /^Subscription '.+' not found$/);
    assert.match(doc.components.schemas.MatchCondition.description, /`bbox`/);
    assert.match(doc.components.schemas.MatchCondition.description, /`exists`/);
  });

  test('is well-formed: refs resolve, parameters, operationIds, tags, status codes, required properties', () => {
    const refs: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') {
            assert.equal(typeof value, 'string', at);
            refs.push(value as string);
            assert.ok(resolvePointer(value as string) !== undefined, `${at}: unresolved ${value}`);
            assert.equal(Object.keys(node).length, 1, `${at}: siblings of $ref are ignored in 3.0`);
          } else walk(value, `${at}/${key}`);
        }
      }
    };
    walk(doc, '#');
    assert.ok(refs.length > 10);

    const tags = new Set(doc.tags.map((t: Json) => t.name));
    const ids = new Set<string>();
    for (const { path, method, op, pathItem } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.match(path, /^\/[^\s?#]*$/, where);
      assert.match(op.operationId, /^[A-Za-z][A-Za-z0-9]*$/, where);
      assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      for (const tag of op.tags ?? []) assert.ok(tags.has(tag), `${where}: undeclared tag ${tag}`);
      assert.ok(Object.keys(op.responses).length > 0, where);
      for (const [code, res] of Object.entries(op.responses as Json)) {
        assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/, where);
        const resolved = (res as Json).$ref ? (resolvePointer((res as Json).$ref) as Json) : (res as Json);
        assert.equal(typeof resolved.description, 'string', `${where} ${code}: description is required`);
      }
      const params = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])] as Json[];
      for (const p of params) {
        assert.ok(['path', 'query', 'header', 'cookie'].includes(p.in), where);
        if (p.in === 'path') assert.equal(p.required, true, `${where}: path parameters are required`);
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(params.filter((p) => p.in === 'path').map((p) => p.name).sort(), templated, `${where}: path parameters`);
      if (op.requestBody) assert.ok(Object.keys(op.requestBody.content).length > 0, where);
    }

    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) {
      for (const key of schema.required ?? []) assert.ok(schema.properties?.[key], `${name}.required names ${key}, not a property`);
    }
    for (const server of doc.servers) assert.equal(typeof server.url, 'string');
  });
});

describe('GET /openapi on WIS2_PORT', () => {
  const testApp = useTestApp();

  test('serves the document as JSON', async () => {
    const res = await fetch(`${testApp().wis2Url}/openapi`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), doc);
  });

  test('every documented operation is routed (no route 404, no 405)', async () => {
    for (const { path, method } of operations()) {
      const url = testApp().wis2Url + path.replace('{id}', 'no-such-id');
      const body = method === 'post' || method === 'put' ? '{}' : undefined;
      const res = await fetch(url, { method: method.toUpperCase(), body, headers: body ? { 'content-type': 'application/json' } : {} });
      const text = await res.text();
      assert.notEqual(res.status, 405, `${method} ${path}`);
      assert.ok(!(res.status === 404 && text === '{"error":"Not found"}'), `${method} ${path} is not routed`);
    }
  });
});
