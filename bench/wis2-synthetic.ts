/**
 * Synthetic WIS2 traffic for `bench/wis2.ts`: WNM 1.0 notifications modelled on the pywis-pubsub examples (UUID `id`,
 * `conformsTo` core, Point geometry, `pubtime` / `datetime`, sha512 `integrity`, `data_id`, `metadata_id`, one
 * `canonical` link with `href`, `type` and `length`), and the BUFR-looking files they point to. Every file is
 * distinct, so the per-subscription dedup keys (message id, data id and hash) are too.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RoutedSubscription, RouterMqttMessage } from '../src/wis2/pipeline/notification-router.ts';
import type { Filter } from '../src/wis2/filter/index.ts';

export const FILE_BYTES = 10 * 1024;
export const SUBSCRIBED_CENTRES = ['de-dwd', 'fr-meteofrance', 'ca-eccc-msc', 'jp-jma'] as const;
/** One message in ten comes from a centre the subscription's filter rejects before download. */
export const OTHER_CENTRE = 'xx-unsubscribed';

export const topicFor = (centre: string) => `cache/a/wis2/${centre}/data/core/weather/surface-based-observations/synop`;

/** A realistic subscription filter: a centre allow-list, a size cap and BUFR only (the media type decides after download). */
export const BENCH_FILTER: Filter = {
  name: 'synop BUFR from four centres',
  rules: [
    {
      id: 'centres',
      order: 1,
      match: { not: { centre_id: { in: [...SUBSCRIBED_CENTRES] } } },
      action: 'reject',
      reason: 'Centre not subscribed',
    },
    { id: 'size-cap', order: 2, match: { size: { gt_bytes: 100 * 1024 * 1024 } }, action: 'reject', reason: 'Exceeds 100 MB' },
    { id: 'bufr', order: 3, match: { media_type: { in: ['application/bufr', 'application/x-bufr'] } }, action: 'accept' },
    { id: 'other-types', order: 4, match: { media_type: { exists: true } }, action: 'reject', reason: 'Media type not allowed' },
  ],
};

export const benchSubscription = (id = 'bench-synop'): RoutedSubscription => ({
  id,
  topic: 'cache/a/wis2/+/data/core/weather/surface-based-observations/#',
  savePath: 'synop',
  filter: BENCH_FILTER,
  queue: 'small_files',
});

/** File `i`: "BUFR", its number and pseudo-random bytes, "7777"; FILE_BYTES long. */
export function syntheticFile(i: number): Buffer {
  const body = Buffer.allocUnsafe(FILE_BYTES);
  body.write('BUFR', 0, 'latin1');
  let x = (i + 1) * 2654435761;
  for (let p = 4; p < FILE_BYTES - 4; p += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    body.writeInt32LE(x | 0, p);
  }
  body.writeUInt32BE(i, 4);
  body.write('7777', FILE_BYTES - 4, 'latin1');
  return body;
}

export const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

export interface SyntheticNotification {
  topic: string;
  payload: Buffer;
  centre: string;
  path: string;
}

/** Notification `i` for a file served at `${base}${path}`; `hash` is the file's sha512 (base64). */
export function syntheticNotification(i: number, base: string, hash: string, id: string = randomUUID()): SyntheticNotification {
  const centre = i % 10 === 9 ? OTHER_CENTRE : SUBSCRIBED_CENTRES[i % SUBSCRIBED_CENTRES.length];
  const name = `A_ISMD${String(i % 100).padStart(2, '0')}EDZW_C_EDZW_${20260305000000 + i}_${i}.bufr4`;
  const path = `/data/${centre}/synop/${name}`;
  const payload = {
    id,
    conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [6.96 + (i % 100) / 100, 50.93 - (i % 50) / 100] },
    properties: {
      data_id: `${centre}/data/core/weather/surface-based-observations/synop/${name}`,
      metadata_id: `urn:wmo:md:${centre}:synop`,
      pubtime: '2026-03-05T12:00:00.123Z',
      datetime: '2026-03-05T11:50:00Z',
      integrity: { method: 'sha512', value: hash },
    },
    links: [{ href: `${base}${path}`, rel: 'canonical', type: 'application/bufr', length: FILE_BYTES }],
  };
  return { topic: topicFor(centre), payload: Buffer.from(JSON.stringify(payload)), centre, path };
}

/** As the MQTT manager would deliver it. */
export const asMessage = (n: SyntheticNotification): RouterMqttMessage => ({
  topic: n.topic,
  payload: n.payload,
  broker: 'mqtt://bench.invalid',
  receivedAt: new Date(),
});
