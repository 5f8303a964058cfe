import { createHash } from 'node:crypto';
import type { DownloadRequest } from '../../../src/wis2/pipeline/download-request.js';

type Identity = Pick<DownloadRequest, 'subscriptionId' | 'savePath' | 'messageId' | 'dataId' | 'href'>;

/**
 * The download request the notification pipeline makes for a DWD synop file at `href` that holds `body` (its size and
 * sha512 declared); `fields` names it and may change anything else.
 */
export function synopRequest(body: Buffer, fields: Identity & Partial<DownloadRequest>): DownloadRequest {
  return {
    topic: 'cache/a/wis2/de-dwd/data/core/weather/surface-based-observations/synop',
    centreId: 'de-dwd',
    metadataId: 'urn:wmo:md:de-dwd:synop',
    pubtime: '2026-03-05T11:55:00Z',
    overwrite: false,
    expectedSize: body.byteLength,
    integrity: { method: 'sha512', value: createHash('sha512').update(body).digest('base64') },
    declaredMediaType: 'application/bufr',
    filter: {},
    queue: 'small_files',
    receivedAt: '2026-03-05T11:56:00Z',
    ...fields,
  };
}
