import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DOCUMENTED_VARIABLES, EXTRA_VARIABLES, loadConfig, redactUri } from '../../src/config.ts';

describe('configuration from the environment', () => {
  test('the documented defaults apply when nothing is set', () => {
    const config = loadConfig({}, { baseDir: '/srv/gasflux' });
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 5000);
    assert.equal(config.debug, false);
    assert.equal(config.uploadFolder, '/srv/gasflux/web_api_data/uploads');
    assert.equal(config.outputFolder, '/srv/gasflux/web_api_data/outputs');
    assert.equal(config.maxContentLength, 104857600);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.logFile, '/srv/gasflux/logs/gasflux_api.log');
    assert.deepEqual(config.corsOrigins, ['*']);
    assert.equal(config.taskCleanupInterval, 3600);
    assert.equal(config.maxTaskAge, 86400);
    assert.equal(config.threads, 8);
    assert.equal(config.connectionLimit, 100);
    assert.equal(config.channelTimeout, 300);
    assert.equal(config.mongodbUri, null);
    assert.equal(Object.keys(DOCUMENTED_VARIABLES).length, 14);
  });

  test('every bad variable is reported at once, by name', () => {
    assert.throws(
      () => loadConfig({ GASFLUX_PORT: 'eighty', GASFLUX_DEBUG: 'maybe', GASFLUX_THREADS: '0', MONGODB_URI: 'http://x' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 4 &&
        ['GASFLUX_PORT', 'GASFLUX_DEBUG', 'GASFLUX_THREADS', 'MONGODB_URI'].every((name) => error.message.includes(name)),
    );
  });

  test('log lines are JSON by default and text (the web API doc\'s format) with GASFLUX_LOG_FORMAT=text', () => {
    assert.equal(loadConfig({}).logFormat, 'json');
    assert.equal(loadConfig({ GASFLUX_LOG_FORMAT: 'text' }).logFormat, 'text');
    assert.equal(loadConfig({ GASFLUX_LOG_FORMAT: ' JSON ' }).logFormat, 'json');
    assert.equal(loadConfig({ GASFLUX_LOG_FORMAT: 'text' }).setVariables.GASFLUX_LOG_FORMAT, 'text', 'shown by GET /config');
  });

  test('a bad GASFLUX_LOG_FORMAT is a config error naming the variable and the choices, reported with the others', () => {
    assert.throws(
      () => loadConfig({ GASFLUX_LOG_FORMAT: 'xml', GASFLUX_PORT: 'eighty' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 2 &&
        error.problems.some((p) => p.startsWith('GASFLUX_LOG_FORMAT: ') && p.includes('"json"|"text"') && p.endsWith("(got 'xml')")) &&
        error.message.includes('GASFLUX_PORT'),
    );
  });

  test('CORS origins accept the documented JSON list or a comma-separated list', () => {
    assert.deepEqual(loadConfig({ GASFLUX_CORS_ORIGINS: '["https://a.example", "https://b.example"]' }).corsOrigins, ['https://a.example', 'https://b.example']);
    assert.deepEqual(loadConfig({ GASFLUX_CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins, ['https://a.example', 'https://b.example']);
  });

  test('debug mode logs at debug level; set variables are recorded with the MongoDB password hidden', () => {
    const config = loadConfig({ GASFLUX_DEBUG: 'true', MONGODB_URI: 'mongodb://user:secret@db.example:27017/x' });
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.setVariables.MONGODB_URI, 'mongodb://user:***@db.example:27017/x');
    assert.equal(redactUri('mongodb://db.example/x'), 'mongodb://db.example/x');
  });

  test('connection bounds beyond the doc: defaults, settings, and every bad one reported with the others', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.headersTimeoutMs, 10_000);
    assert.deepEqual(defaults.websockets, { maxConnections: 1000, maxPerClient: 50, initTimeoutMs: 3000, pingIntervalMs: 12_000 });
    for (const name of ['GASFLUX_HEADERS_TIMEOUT_MS', 'GASFLUX_WS_MAX_CONNECTIONS', 'GASFLUX_WS_MAX_PER_CLIENT', 'GASFLUX_WS_INIT_TIMEOUT_MS', 'GASFLUX_WS_PING_INTERVAL_MS']) {
      assert.ok(name in EXTRA_VARIABLES, `${name} is listed by GET /config`);
    }

    const set = loadConfig({
      GASFLUX_HEADERS_TIMEOUT_MS: '2500',
      GASFLUX_WS_MAX_CONNECTIONS: '20',
      GASFLUX_WS_MAX_PER_CLIENT: '0',
      GASFLUX_WS_INIT_TIMEOUT_MS: '500',
      GASFLUX_WS_PING_INTERVAL_MS: '30000',
    });
    assert.equal(set.headersTimeoutMs, 2500);
    assert.deepEqual(set.websockets, { maxConnections: 20, maxPerClient: 0, initTimeoutMs: 500, pingIntervalMs: 30_000 });
    assert.equal(set.setVariables.GASFLUX_WS_MAX_PER_CLIENT, '0', 'shown by GET /config');

    const bad = { GASFLUX_HEADERS_TIMEOUT_MS: '10', GASFLUX_WS_MAX_CONNECTIONS: '0', GASFLUX_WS_MAX_PER_CLIENT: '-1', GASFLUX_WS_INIT_TIMEOUT_MS: 'soon', GASFLUX_WS_PING_INTERVAL_MS: '1.5' };
    assert.throws(
      () => loadConfig({ ...bad, GASFLUX_PORT: 'eighty' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 6 &&
        [...Object.keys(bad), 'GASFLUX_PORT'].every((name) => error.problems.some((p) => p.startsWith(`${name}: `))),
    );
  });

  test('WIS2 brokers: defaults of the reference, lists, none, and secrets never shown', () => {
    const defaults = loadConfig({}).wis2;
    assert.deepEqual(defaults.brokerUrls, ['wss://globalbroker.meteo.fr:443/mqtt']);
    assert.equal(defaults.brokerUsername, 'everyone');
    assert.equal(defaults.brokerPassword, 'everyone');
    assert.equal(defaults.allowPrivateNetworks, false);
    assert.match(defaults.mqttSessionId, /^gasflux-wis2-/);

    const many = loadConfig({
      WIS2_BROKER_URL: 'mqtts://u:pw@gb1.example:8883, wss://gb2.example/mqtt',
      WIS2_BROKER_PASSWORD: 'hunter2',
      WIS2_GC_EXCLUDE: 'cache.a.example, cache.b.example',
    });
    assert.deepEqual(many.wis2.brokerUrls, ['mqtts://u:pw@gb1.example:8883', 'wss://gb2.example/mqtt']);
    assert.deepEqual(many.wis2.excludedCaches, ['cache.a.example', 'cache.b.example']);
    assert.equal(many.setVariables.WIS2_BROKER_PASSWORD, '***');
    assert.equal(many.setVariables.WIS2_BROKER_URL, 'mqtts://u:***@gb1.example:8883, wss://gb2.example/mqtt');
    assert.deepEqual(loadConfig({ WIS2_BROKER_URL: 'none' }).wis2.brokerUrls, []);

    assert.throws(() => loadConfig({ WIS2_BROKER_URL: 'http://u:secret@broker.example', WIS2_MQTT_SESSION_ID: 'has space' }), (error: Error) => {
      assert.match(error.message, /WIS2_BROKER_URL: expected mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ URLs/);
      assert.match(error.message, /WIS2_MQTT_SESSION_ID/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });
});
